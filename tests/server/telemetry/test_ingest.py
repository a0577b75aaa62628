"""Ingest on real Mosquitto and PostgreSQL (and SQLite): values, duplicates, dead letters."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from server.models import Device
from server.models.telemetry import DeviceState
from server.telemetry.queries import device_health, sequence_gaps
from tests.server.telemetry.conftest import Telemetry, mosquitto_pub, publisher, wait_for
from tests.support.services import Mosquitto

GOLDEN = Path(__file__).resolve().parents[2] / "golden"


def _golden(kind: str, name: str) -> str:
    doc = json.loads((GOLDEN / f"{kind}.json").read_text(encoding="utf-8"))
    return next(c["payload"] for c in doc["valid"] if c["name"] == name)


def test_mosquitto_pub_message_is_stored_with_values_time_and_state(
        tel_pg: Telemetry, mosquitto: Mosquitto, run_worker) -> None:  # type: ignore[no-untyped-def]
    tel = tel_pg
    tel.add("lychee-s1")
    run_worker(tel.engine, mosquitto)
    mosquitto_pub(mosquitto.port, "nongso/v1/lychee-s1/status",
                  _golden("status", "sensor node online"), "-r")
    mosquitto_pub(mosquitto.port, "nongso/v1/lychee-s1/telemetry",
                  _golden("telemetry", "sensor reading, time known"))
    mosquitto_pub(mosquitto.port, "nongso/v1/lychee-s1/telemetry",
                  _golden("telemetry", "reading before the first NTP sync, probe broken"))
    wait_for(lambda: tel.scalar("select count(*) from readings") == 2, what="2 readings")
    dev = tel.devices["lychee-s1"]
    row = tel.rows("select time, time_known, zone_id, m, raw, st, bat, extra from readings "
                   "where device_id = :d and seq = 1042", d=dev)[0]
    assert row.time == datetime.fromtimestamp(1760000000, UTC)
    assert row.time_known and row.zone_id == tel.ids["zones"]["lychee"]
    assert (round(row.m, 2), row.raw, round(row.st, 2), row.bat) == (42.3, 38900, 24.56, 3912)
    assert row.extra is None
    untimed = tel.rows("select time_known, m, raw, extra, received_at, time from readings "
                       "where device_id = :d and seq = 7", d=dev)[0]
    assert not untimed.time_known and untimed.m is None and untimed.raw == 65535
    assert untimed.extra == {"err": {"m": "range"}, "bt": 2, "up": 35}
    assert untimed.time == untimed.received_at
    with Session(tel.engine) as s:
        device = s.get(Device, dev)
        state = s.get(DeviceState, dev)
        assert device is not None and state is not None
        assert device.status.value == "active" and device.firmware_version == "0.1.0"
        assert state.m == 42.3 and state.bat == 3912 and state.rssi == -67
        assert state.first_seq == 7 and state.last_seq == 1042 and state.received == 2
        h = device_health(device, state)
        assert h["status"] == "online" and h["missing_readings"] == 1034
    # the Last Will (the broker publishes it for a vanished device) marks it offline
    mosquitto_pub(mosquitto.port, "nongso/v1/lychee-s1/status", '{"v":1,"state":"offline"}')
    wait_for(lambda: tel.scalar("select state from device_states") == "offline", what="LWT")
    with Session(tel.engine) as s:
        h = device_health(s.get(Device, dev), s.get(DeviceState, dev))  # type: ignore[arg-type]
        assert (h["status"], h["why"]) == ("offline", "last_will")


def test_duplicate_stored_once_and_backfill_of_500_in_order_without_gap(
        tel_pg: Telemetry, mosquitto: Mosquitto, run_worker) -> None:  # type: ignore[no-untyped-def]
    tel = tel_pg
    tel.add("carrot-s1", zone="carrot")
    run_worker(tel.engine, mosquitto)
    now = int(time.time())
    one = f'{{"v":1,"seq":1,"t":{now - 600 * 60},"m":30.5,"raw":41000,"drop":0}}'
    mosquitto_pub(mosquitto.port, "nongso/v1/carrot-s1/telemetry", one)
    mosquitto_pub(mosquitto.port, "nongso/v1/carrot-s1/telemetry", one)
    # 500 buffered readings, oldest first, as the firmware sends them: batches of 32
    pub = publisher(mosquitto.port, "carrot-s1")
    seqs = list(range(2, 502))
    for i in range(0, len(seqs), 32):
        recs = [{"seq": s, "t": now - (600 - s) * 60, "m": 30 + s / 100, "raw": 41000 - s}
                for s in seqs[i:i + 32]]
        body = json.dumps({"v": 1, "batch": recs, "drop": 0}, separators=(",", ":"))
        assert pub.publish("nongso/v1/carrot-s1/telemetry", body, qos=1).wait_for_publish(10) is None
    mosquitto_pub(mosquitto.port, "nongso/v1/carrot-s1/telemetry", one)  # late duplicate
    dev = tel.devices["carrot-s1"]
    wait_for(lambda: tel.scalar("select received from device_states") == 501, what="501 readings")
    time.sleep(0.3)
    pub.loop_stop()
    rows = tel.rows("select seq, time, m from readings where device_id = :d order by time", d=dev)
    assert [r.seq for r in rows] == list(range(1, 502))
    assert all(b.time > a.time for a, b in zip(rows, rows[1:]))
    assert tel.scalar("select count(*) from reading_seqs") == 501
    with Session(tel.engine) as s:
        assert sequence_gaps(s, dev) == []
        state = s.get(DeviceState, dev)
        assert state is not None and state.last_seq == 501 and state.first_seq == 1
        assert abs(state.m - (30 + 501 / 100)) < 1e-6  # the newest reading, not the last sent


def test_bad_messages_go_to_dead_letters_and_good_ones_still_flow(
        tel_pg: Telemetry, mosquitto: Mosquitto, run_worker) -> None:  # type: ignore[no-untyped-def]
    tel = tel_pg
    tel.add("lychee-s2")
    w = run_worker(tel.engine, mosquitto)
    now = int(time.time())
    topic = "nongso/v1/lychee-s2/telemetry"
    bad = {
        "bad_json": (topic, b'{"v":1,"seq":'),
        "type:m": (topic, b'{"v":1,"seq":5,"t":%d,"m":"wet","drop":0}' % now),
        "missing:seq": (topic, b'{"v":1,"t":%d,"m":40,"drop":0}' % now),
        "too_large": (topic, b'{"v":1,"x":"' + b"a" * 1_000_000 + b'"}'),
        "unknown_device": ("nongso/v1/ghost-1/telemetry", b'{"v":1,"seq":1,"t":%d,"drop":0}' % now),
        "future:t": (topic, b'{"v":1,"seq":6,"t":%d,"m":40,"drop":0}' % (now + 365 * 86400)),
    }
    good = 0
    for _reason, (t, payload) in bad.items():
        mosquitto_pub(mosquitto.port, t, payload)
        good += 1
        mosquitto_pub(mosquitto.port, topic,
                      f'{{"v":1,"seq":{100 + good},"t":{now - 60},"m":40,"drop":0}}')
    wait_for(lambda: tel.scalar("select count(*) from readings") == good, what="good readings")
    wait_for(lambda: tel.scalar("select count(*) from dead_letters") == len(bad), what="dead letters")
    dead = {r.reason: r for r in tel.rows("select reason, topic, device_uid, size, payload, detail "
                                          "from dead_letters")}
    assert set(dead) == set(bad)
    assert dead["too_large"].size > 1_000_000 and len(dead["too_large"].payload) == 4096
    assert bytes(dead["bad_json"].payload) == b'{"v":1,"seq":'
    assert dead["unknown_device"].device_uid == "ghost-1"
    assert "ahead" in dead["future:t"].detail
    assert w.stats.dead_letters == len(bad) and w.stats.db_errors == 0


def test_sqlite_with_mqtt311_plain_subscription(tel_sqlite: Telemetry, mosquitto: Mosquitto,
                                                run_worker) -> None:  # type: ignore[no-untyped-def]
    """The demo's path: SQLite, MQTT 3.1.1 (amqtt has no MQTT 5), executemany."""
    tel = tel_sqlite
    tel.add("valve-1", role=__import__("server.models", fromlist=["DeviceRole"]).DeviceRole.valve)
    w = run_worker(tel.engine, mosquitto, mqtt5=False)
    assert w.topics() == ["nongso/v1/+/telemetry", "nongso/v1/+/status", "nongso/v1/+/ack"]
    for name in ("valve event: opened by lease 123", "valve periodic reading with zone probe"):
        mosquitto_pub(mosquitto.port, "nongso/v1/valve-1/telemetry", _golden("telemetry", name))
        mosquitto_pub(mosquitto.port, "nongso/v1/valve-1/telemetry", _golden("telemetry", name))
    mosquitto_pub(mosquitto.port, "nongso/v1/valve-1/ack", _golden("ack", "lease done"))
    wait_for(lambda: tel.scalar("select count(*) from device_acks") == 1, what="ack")
    wait_for(lambda: tel.scalar("select received from device_states") == 2, what="readings")
    assert tel.scalar("select count(*) from readings") == 2
    ev = tel.rows("select vs, fl, pc, extra from readings where seq = 88")[0]
    assert (ev.vs, ev.fl, ev.pc) == (1, 0, 0)
    assert json.loads(ev.extra) == {"ev": "open", "why": "cmd", "cmd": 123}
    assert tel.scalar("select vs from device_states") == 1  # the newer reading (seq 89)
    assert tel.scalar("select res from device_acks") == "done"


def test_ingest_never_stalls_on_one_bad_message(
        tel_pg: Telemetry, mosquitto: Mosquitto, run_worker) -> None:  # type: ignore[no-untyped-def]
    """15.13: messages the decoder accepts but PostgreSQL refuses (a NUL character in a
    string field: jsonb and text refuse it) sit among good ones in one batch. The good ones
    are stored, each bad one is dead-lettered ``store_error:<class>``, the worker goes on —
    no retry loop, no re-sent batch."""
    tel = tel_pg
    tel.add("lychee-s3")
    w = run_worker(tel.engine, mosquitto, flush_s=1.0)
    now = int(time.time())
    topic = "nongso/v1/lychee-s3/telemetry"
    pub = publisher(mosquitto.port, "bad-batch-pub")
    bad = [(topic, b'{"v":1,"seq":7,"t":%d,"m":40,"ev":"a\\u0000b","drop":0}' % (now - 50)),
           ("nongso/v1/lychee-s3/status", b'{"v":1,"state":"online","fw":"1.2\\u0000"}')]
    sent = []
    for seq in range(1, 41):
        if seq in (10, 30):
            sent.append(pub.publish(*bad[seq // 30], qos=1))
        sent.append(pub.publish(topic, b'{"v":1,"seq":%d,"t":%d,"m":41,"drop":0}'
                                % (100 + seq, now - 60), qos=1))
    for info in sent:
        info.wait_for_publish(10)
    wait_for(lambda: tel.scalar("select count(*) from dead_letters") == 2, 20, "dead letters")
    wait_for(lambda: tel.scalar("select count(*) from readings") == 40, 20, "good readings")
    dead = tel.rows("select reason, topic, payload from dead_letters order by topic")
    assert [r.reason.split(":")[0] for r in dead] == ["store_error", "store_error"]
    assert {bytes(r.payload) for r in dead} == {p for _t, p in bad}
    assert w.stats.db_errors == 0 and w.stats.batches < 10
    # and it goes on
    pub.publish(topic, b'{"v":1,"seq":500,"t":%d,"m":42,"drop":0}' % (now - 10), qos=1)
    wait_for(lambda: tel.scalar("select count(*) from readings") == 41, 10, "the next reading")
    assert tel.scalar("select count(*) from readings where seq = 7") == 0
    pub.loop_stop()


def test_ingest_msg_is_a_named_tuple(sqlite_url: str) -> None:
    """14.7: a received message is a ``Msg`` NamedTuple (fields by name), not a bare 6-tuple."""
    import paho.mqtt.client as mqtt

    from server.telemetry.ingest import IngestConfig, IngestWorker, Msg

    assert Msg._fields == ("gen", "mid", "qos", "topic", "payload", "received")
    from server.db import make_engine

    w = IngestWorker(make_engine(sqlite_url), IngestConfig(mqtt_url="mqtt://127.0.0.1:1"))
    m = mqtt.MQTTMessage(mid=7, topic=b"nongso/v1/ly-1/telemetry")
    m.payload, m.qos = b'{"v":1}', 1
    w._on_message(w._client, None, m)
    got = w._inbox.popleft()
    assert isinstance(got, Msg) and got.mid == 7 and got.qos == 1
    assert got.topic == "nongso/v1/ly-1/telemetry" and got.payload == b'{"v":1}'


def test_valve_state_from_status_and_revocation_within_a_second(
        tel_pg: Telemetry, mosquitto: Mosquitto, run_worker) -> None:  # type: ignore[no-untyped-def]
    """Issue 22: a status's ``vs`` sets the valve state (a node that rebooted closed shows
    closed), and a device revoked by another process is refused at ingest within a second."""
    from server.models import DeviceRole

    tel = tel_pg
    tel.add("valve-9", role=DeviceRole.valve)
    run_worker(tel.engine, mosquitto)
    topic = "nongso/v1/valve-9/"
    mosquitto_pub(mosquitto.port, topic + "telemetry",
                  _golden("telemetry", "valve event: opened by lease 123"))
    wait_for(lambda: tel.scalar("select vs from device_states") == 1, what="open from telemetry")
    mosquitto_pub(mosquitto.port, topic + "status",  # rebooted: the valve starts closed
                  '{"v":1,"state":"online","role":"valve","bt":10,"vs":0,"lease":null}', "-r")
    wait_for(lambda: tel.scalar("select vs from device_states") == 0, what="closed from status")
    # revoked by another process (plain SQL: no in-process signal), then a reading 0.6 s later
    with tel.engine.begin() as c:
        c.exec_driver_sql("UPDATE devices SET status = 'revoked' WHERE uid = 'valve-9'")
    time.sleep(0.6)
    mosquitto_pub(mosquitto.port, topic + "telemetry",
                  '{"v":1,"seq":90,"t":1760000500,"vs":0,"drop":0}')
    wait_for(lambda: tel.scalar("select count(*) from dead_letters") == 1, what="dead letter")
    assert tel.scalar("select reason from dead_letters") == "revoked_device"
    assert tel.scalar("select count(*) from readings where seq = 90") == 0


def test_revocation_in_the_same_process_is_seen_at_once(tel_sqlite: Telemetry) -> None:
    """The demo (API and ingest in one process): no waiting for the version check."""
    from sqlmodel import select

    from server.telemetry.credentials import revoke_device
    from server.telemetry.dispatch import DeviceDirectory

    tel = tel_sqlite
    tel.add("dev-r")
    directory = DeviceDirectory(tel.engine, revoke_check_s=3600)
    directory.reload()
    got = directory.get("dev-r")
    assert got is not None and not got.revoked
    with Session(tel.engine) as s:
        revoke_device(s, s.exec(select(Device).where(Device.uid == "dev-r")).one())
    got = directory.get("dev-r")
    assert got is not None and got.revoked
