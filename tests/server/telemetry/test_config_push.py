"""Config to devices (issue 22): built from zone and device settings, published retained per
device on a real Mosquitto with the generated ACL, acked by the node's own firmware logic,
shown by the API; the demo's amqtt broker confines devices to their own topics too."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from sqlmodel import Session

from firmware.app import common as fw_common
from firmware.app import config as fw_config
from server.broker import EmbeddedBroker, allowed
from server.models import DeviceRole
from server.models.device_config import DeviceConfig
from server.models.irrigation import ZoneIrrigation
from server.telemetry.config_push import ConfigPusher, desired_config, encode_config
from server.telemetry.credentials import mosquitto_hash
from server.telemetry.ingest import IngestConfig, IngestWorker
from server.telemetry.mosquitto import CONTROL_USER, INGEST_USER, BrokerAccount, write_config
from tests.server.telemetry.conftest import Telemetry, wait_for
from tests.support.generated_mosquitto import GeneratedMosquitto
from tests.support.world import World


def _device(port: int, uid: str, password: str | None = None) -> tuple[mqtt.Client, list[Any]]:
    got: list[Any] = []
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=uid, protocol=mqtt.MQTTv311,
                    clean_session=False)
    if password:
        c.username_pw_set(uid, password)
    c.on_message = lambda _c, _u, m: got.append((m.topic, m.payload, m.retain))
    c.connect("127.0.0.1", port)
    c.loop_start()
    wait_for(c.is_connected, 5, f"{uid} connected")
    return c, got


def test_config_is_built_from_zone_and_device_and_the_firmware_accepts_it() -> None:
    zone = ZoneIrrigation(zone_id=1, on_pct=38.0, off_pct=60.0, max_run_s=2700)
    own = DeviceConfig(device_id=1, interval_s=600, upload_every=3, samples=9, cal_dry=51200,
                       cal_wet=20800, vwc_a=0.42, vwc_b=3.5, grace_s=180, rest_s=900,
                       fallback_s=43200, ppl=450.0)
    payload = encode_config(desired_config(zone, own), 7)
    golden = json.loads((Path(__file__).parents[2] / "golden" / "config.json").read_text())
    assert payload.decode() == golden["valid"][1]["payload"]  # the golden "carrot zone, full"
    assert fw_config.parse(payload)["thr_on"] == 38.0
    assert encode_config(desired_config(None, None), 1) == b'{"v":1,"rev":1}'
    bad = ZoneIrrigation(zone_id=1, on_pct=60.0, off_pct=40.0, max_run_s=30)
    assert "thr" not in desired_config(bad, None) and "max_run_s" not in desired_config(bad, None)


@pytest.fixture
def mosq(tel_sqlite: Telemetry, tmp_path: Path) -> Iterator[tuple[Telemetry, GeneratedMosquitto]]:
    tel = tel_sqlite
    tel.passwords = {u: tel.add(u, role=DeviceRole.valve)  # type: ignore[attr-defined]
                     for u in ("valve-a", "valve-b")}
    out = tmp_path / "broker"
    write_config(out, tel.engine, [BrokerAccount(INGEST_USER, mosquitto_hash("ingest-pw")),
                                   BrokerAccount(CONTROL_USER, mosquitto_hash("control-pw"))],
                 persistence_dir=None)
    broker = GeneratedMosquitto(out).start()
    try:
        yield tel, broker
    finally:
        broker.cleanup()


def test_config_published_retained_applied_acked_and_shown(
        mosq: tuple[Telemetry, GeneratedMosquitto], tmp_path: Path) -> None:
    tel, broker = mosq
    pw: dict[str, str] = tel.passwords  # type: ignore[attr-defined]
    ingest = IngestWorker(tel.engine, IngestConfig(
        mqtt_url=broker.service_url(INGEST_USER, "ingest-pw"), client_id="nongso-ingest-t"))
    stop = threading.Event()
    threading.Thread(target=ingest.run, args=(stop,), daemon=True).start()
    control = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="nongso-control-t")
    control.username_pw_set(CONTROL_USER, "control-pw")
    control.connect("127.0.0.1", broker.service_port)
    control.loop_start()
    wait_for(lambda: ingest.stats.connected and control.is_connected(), 10, "services up")
    pusher = ConfigPusher.for_paho(tel.engine, control)
    a_id = tel.devices["valve-a"]
    with Session(tel.engine) as s:
        s.add(ZoneIrrigation(zone_id=tel.ids["zones"]["lychee"], on_pct=38, off_pct=60))
        s.add(DeviceConfig(device_id=a_id, cal_dry=51200, cal_wet=20800))
        s.commit()
    try:
        t0 = time.perf_counter()
        assert pusher.step() == 2  # both devices of the zone, rev 1 each
        assert pusher.step() == 0  # nothing changed: nothing sent again
        # the device connects later and still gets its config (retained), only its own
        a, got_a = _device(broker.port, "valve-a", pw["valve-a"])
        a.subscribe([("nongso/v1/valve-a/cmd", 1), ("nongso/v1/valve-a/config", 1),
                     ("nongso/v1/+/config", 1), ("nongso/v1/valve-b/config", 1)])
        wait_for(lambda: got_a, 5, "valve-a gets its retained config")
        time.sleep(0.3)
        # (twice: its own filter and the "+" one overlap; valve-b's config never)
        assert {(t, r) for t, _p, r in got_a} == {("nongso/v1/valve-a/config", True)}
        cfg, ack = fw_common.apply_config(str(tmp_path), fw_config.defaults(), got_a[0][1])
        assert cfg["dry"] == 51200 and cfg["thr_on"] == 38.0 and cfg["rev"] == 1
        assert ack == b'{"v":1,"cfg":1,"res":"applied"}'
        a.publish("nongso/v1/valve-a/ack", ack, 1).wait_for_publish(5)
        wait_for(lambda: pusher.step() == 0 and _state(tel, a_id) == "applied", 10, "ack seen")
        took = time.perf_counter() - t0
        # a change of the zone's thresholds: a new rev, published at once, rejected this time
        with Session(tel.engine) as s:
            z = s.get(ZoneIrrigation, tel.ids["zones"]["lychee"])
            assert z is not None
            z.off_pct = 70
            s.add(z)
            s.commit()
        got_a.clear()
        assert pusher.step() == 2
        wait_for(lambda: got_a, 5, "new rev delivered")
        assert json.loads(got_a[0][1])["rev"] == 2
        a.publish("nongso/v1/valve-a/ack", b'{"v":1,"cfg":2,"res":"rejected","reason":"range:thr"}',
                  1).wait_for_publish(5)
        wait_for(lambda: pusher.step() == 0 and _state(tel, a_id) == "rejected", 10, "reject")
        with Session(tel.engine) as s:
            dc = s.get(DeviceConfig, a_id)
            assert dc is not None and dc.ack_reason == "range:thr" and dc.rev == 2
        a.disconnect()
        a.loop_stop()
        assert took < 5
    finally:
        stop.set()
        control.disconnect()
        control.loop_stop()


def _state(tel: Telemetry, device_id: int) -> str | None:
    with Session(tel.engine) as s:
        dc = s.get(DeviceConfig, device_id)
        return dc.ack_res if dc else None


def test_api_shows_and_sets_the_device_config(world: World) -> None:
    from server.models import Device, DeviceRole, DeviceStatus

    with Session(world.engine) as s:
        d = Device(uid="valve-api", zone_id=world.zones["lychee"], role=DeviceRole.valve,
                   status=DeviceStatus.active)
        s.add(d)
        s.commit()
        dev_id = d.id
    h = world.auth("lychee_admin")
    r = world.client.get(f"/api/v1/devices/{dev_id}/config", headers=h)
    assert r.status_code == 200 and r.json()["state"] == "pending", r.text
    bad = world.client.put(f"/api/v1/devices/{dev_id}/config", headers=h,
                           json={"cal_dry": 20000, "cal_wet": 50000})
    assert bad.status_code == 422
    r = world.client.put(f"/api/v1/devices/{dev_id}/config", headers=h,
                         json={"cal_dry": 52000, "cal_wet": 21000, "interval_s": 600})
    assert r.status_code == 200, r.text
    assert r.json()["desired"]["cal"] == {"dry": 52000, "wet": 21000}
    farmer = world.auth("lychee_farmer")
    assert world.client.put(f"/api/v1/devices/{dev_id}/config", headers=farmer,
                            json={}).status_code == 403
    other = world.auth("carrot_admin")
    assert world.client.get(f"/api/v1/devices/{dev_id}/config",
                            headers=other).status_code == 404
    sent: list[tuple[str, bytes]] = []
    ConfigPusher(world.engine, lambda t, p: sent.append((t, p)) is None).step()
    assert sent and sent[0][0] == "nongso/v1/valve-api/config"
    r = world.client.get(f"/api/v1/devices/{dev_id}/config", headers=h)
    assert r.json()["state"] == "published" and r.json()["rev"] == 1


def test_demo_broker_gives_devices_only_their_own_topics() -> None:
    """amqtt 0.12 sent a connecting client the retained messages of every client's
    subscriptions; the demo broker now applies the devices' ACL (as Mosquitto does)."""
    assert allowed("dev-a", "nongso/v1/dev-a/telemetry", "publish")
    assert not allowed("dev-a", "nongso/v1/dev-b/telemetry", "publish")
    assert not allowed("dev-a", "nongso/v1/+/config", "subscribe")
    assert allowed("nongso-ingest-demo", "nongso/v1/+/status", "subscribe")
    loop = asyncio.new_event_loop()
    broker = EmbeddedBroker()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    asyncio.run_coroutine_threadsafe(broker.start(), loop).result(10)
    try:
        server, got_s = _device(broker.port, "nongso-ingest-t")
        server.subscribe("nongso/v1/+/status", 1)
        b, _ = _device(broker.port, "dev-b")
        b.publish("nongso/v1/dev-b/status", b'{"v":1,"state":"online"}', 1, True).wait_for_publish(5)
        server.publish("nongso/v1/dev-a/config", b'{"v":1,"rev":1}', 1, True).wait_for_publish(5)
        server.publish("nongso/v1/dev-b/config", b'{"v":1,"rev":5}', 1, True).wait_for_publish(5)
        wait_for(lambda: got_s, 5, "server client sees dev-b's status")
        a, got_a = _device(broker.port, "dev-a")
        a.subscribe([("nongso/v1/dev-a/config", 1), ("nongso/v1/+/config", 1),
                     ("nongso/v1/dev-b/config", 1), ("nongso/v1/+/status", 1)])
        wait_for(lambda: got_a, 5, "dev-a's own retained config")
        b.publish("nongso/v1/dev-b/status", b'{"v":1,"state":"sleep"}', 1, True).wait_for_publish(5)
        a.publish("nongso/v1/dev-b/telemetry", b"forged", 1).wait_for_publish(5)
        time.sleep(0.5)
        assert [(t, p) for t, p, _r in got_a] == [("nongso/v1/dev-a/config", b'{"v":1,"rev":1}')]
        # a reconnect (persistent session) brings the retained messages of its own
        # subscriptions only, not the server client's nongso/v1/+/status
        a.disconnect()
        a.loop_stop()
        got_a.clear()
        a.reconnect()
        a.loop_start()
        time.sleep(0.8)
        assert {t for t, _p, _r in got_a} <= {"nongso/v1/dev-a/config"}
        assert all(t.startswith("nongso/v1/dev-b/status") for t, _p, _r in got_s)
        for c in (a, b, server):
            c.disconnect()
            c.loop_stop()
    finally:
        asyncio.run_coroutine_threadsafe(broker.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)


def test_demo_broker_devices_cannot_replace_a_retained_config() -> None:
    """The same on the demo's amqtt broker as on Mosquitto (tests/server/telemetry/
    test_broker.py): a device's retained publish on its own or another device's config
    topic is dropped; every device still gets the server's config at connect."""
    loop = asyncio.new_event_loop()
    broker = EmbeddedBroker()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    asyncio.run_coroutine_threadsafe(broker.start(), loop).result(10)
    try:
        assert not allowed("dev-a", "nongso/v1/dev-a/config", "publish")
        server, _ = _device(broker.port, "nongso-control-t")
        for uid in ("dev-a", "dev-b"):
            server.publish(f"nongso/v1/{uid}/config", b'{"v":1,"rev":7}', 1,
                           True).wait_for_publish(5)
        a, _ = _device(broker.port, "dev-a")
        for topic in ("nongso/v1/dev-a/config", "nongso/v1/dev-b/config"):
            a.publish(topic, b'{"v":1,"rev":99,"interval_s":10}', 1, True).wait_for_publish(5)
        time.sleep(0.3)
        a.disconnect()
        a.loop_stop()
        for uid in ("dev-a", "dev-b"):
            c, got = _device(broker.port, f"{uid}")
            c.subscribe(f"nongso/v1/{uid}/config", 1)
            wait_for(lambda got=got: got, 5, f"{uid}'s retained config")
            time.sleep(0.3)
            assert [(t, p) for t, p, _r in got] == [(f"nongso/v1/{uid}/config", b'{"v":1,"rev":7}')]
            c.disconnect()
            c.loop_stop()
        server.disconnect()
        server.loop_stop()
    finally:
        asyncio.run_coroutine_threadsafe(broker.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
