"""Generated password file and ACL on a real Mosquitto: who may publish and read what."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from sqlmodel import Session, select

from server.models import Device
from server.telemetry.credentials import mosquitto_hash, mosquitto_verify, revoke_device
from server.telemetry.mosquitto import CONTROL_USER, INGEST_USER, BrokerAccount, write_config
from tests.server.telemetry.conftest import Telemetry, wait_for
from tests.support.generated_mosquitto import GeneratedMosquitto


def _client(port: int, user: str, password: str, proto: int = mqtt.MQTTv311) -> mqtt.Client:
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{user}-{time.monotonic_ns()}",
                    protocol=proto)
    c.username_pw_set(user, password)
    c.user_data_set({"got": [], "rc": None})
    c.on_message = lambda cl, ud, m: ud["got"].append((m.topic, m.payload))

    def on_connect(cl, ud, flags, rc, props):  # type: ignore[no-untyped-def]
        ud["rc"] = rc
    c.on_connect = on_connect
    c.connect("127.0.0.1", port)
    c.loop_start()
    wait_for(lambda: c.user_data_get()["rc"] is not None, 5, f"CONNACK for {user}")
    return c


def _session(port: int, client_id: str, user: str, password: str,
             clean: bool) -> tuple[mqtt.Client, list[bytes]]:
    """An MQTT 3.1.1 client with a chosen client id, connected, and the payloads it gets."""
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean)
    c.username_pw_set(user, password)
    got: list[bytes] = []
    c.on_message = lambda _c, _u, m: got.append(m.payload)
    c.connect("127.0.0.1", port)
    c.loop_start()
    wait_for(c.is_connected, 5, f"{user} connected as {client_id}")
    return c, got


def test_mosquitto_hash_matches_mosquitto_passwd(tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(pw), "u", "s3cret"], check=True)
    theirs = pw.read_text().strip().split(":", 1)[1]
    assert mosquitto_verify("s3cret", theirs) and not mosquitto_verify("other", theirs)
    salt = __import__("base64").b64decode(theirs.split("$")[3])
    assert mosquitto_hash("s3cret", salt) == theirs


def _broker_files(tel: Telemetry, out: Path) -> GeneratedMosquitto:
    write_config(out, tel.engine, [BrokerAccount(INGEST_USER, mosquitto_hash("ingest-pw")),
                                   BrokerAccount(CONTROL_USER, mosquitto_hash("control-pw"))])
    return GeneratedMosquitto(out).start()


def test_devices_are_confined_to_their_own_prefix(tel_sqlite: Telemetry, tmp_path: Path) -> None:
    tel = tel_sqlite
    pa, pb, pc = tel.add("dev-a"), tel.add("dev-b"), tel.add("dev-c")
    out = tmp_path / "broker"
    broker = _broker_files(tel, out)
    conf = (out / "nongso.conf").read_text()
    assert "max_queued_messages 0" in conf and "use_username_as_clientid true" in conf
    assert oct(os.stat(out / "passwd").st_mode & 0o777) == "0o640"
    assert INGEST_USER not in (out / "passwd").read_text()  # services: their own listener
    try:
        port, sport = broker.port, broker.service_port
        ingest = _client(sport, INGEST_USER, "ingest-pw", mqtt.MQTTv5)
        ingest.subscribe("$share/ingest/nongso/v1/+/telemetry", 1)
        b = _client(port, "dev-b", pb)
        b.subscribe("nongso/v1/dev-b/cmd", 1)
        a = _client(port, "dev-a", pa)
        a.subscribe("nongso/v1/dev-b/cmd", 1)  # reading B's commands: refused
        a.subscribe("nongso/v1/+/cmd", 1)
        time.sleep(0.3)
        a.publish("nongso/v1/dev-a/telemetry", b"mine", 1).wait_for_publish(5)
        ctl = _client(sport, CONTROL_USER, "control-pw")
        ctl.publish("nongso/v1/dev-b/cmd", b"open", 1).wait_for_publish(5)
        wait_for(lambda: b.user_data_get()["got"], 5, "B gets its command")
        wait_for(lambda: ingest.user_data_get()["got"], 5, "ingest gets A's telemetry")
        time.sleep(0.5)
        assert b.user_data_get()["got"] == [("nongso/v1/dev-b/cmd", b"open")]
        assert a.user_data_get()["got"] == []
        assert _client(port, "dev-c", "wrong").user_data_get()["rc"].is_failure
        assert _client(port, "ghost", pc).user_data_get()["rc"].is_failure
        # a device cannot log in on the service listener, a service not on the device one
        assert _client(sport, "dev-a", pa).user_data_get()["rc"].is_failure
        assert _client(port, INGEST_USER, "ingest-pw").user_data_get()["rc"].is_failure
        # revoke C, regenerate, reload (SIGHUP): C is refused, A still gets in
        assert not _client(port, "dev-c", pc).user_data_get()["rc"].is_failure
        with Session(tel.engine) as s:
            revoke_device(s, s.exec(select(Device).where(Device.uid == "dev-c")).one())
        write_config(out, tel.engine, [BrokerAccount(INGEST_USER, mosquitto_hash("ingest-pw"))])
        broker.reload()
        time.sleep(0.5)
        assert _client(port, "dev-c", pc).user_data_get()["rc"].is_failure
        assert not _client(port, "dev-a", pa).user_data_get()["rc"].is_failure
        assert ingest.user_data_get()["got"] == [("nongso/v1/dev-a/telemetry", b"mine")]
    finally:
        broker.cleanup()


def test_publish_outside_prefix_is_dropped_and_disconnects(tel_sqlite: Telemetry,
                                                           tmp_path: Path) -> None:
    """What docs/mosquitto.md says, on the installed Mosquitto: a device publishing under
    another device's prefix (MQTT 3.1.1 or 5, QoS 0 or 1) never reaches anyone, and the
    broker closes its connection (Mosquitto 2.0.11: "Bad socket read/write")."""
    tel = tel_sqlite
    pa, tel_b = tel.add("dev-a"), tel.add("dev-b")
    del tel_b
    broker = _broker_files(tel, tmp_path / "broker")
    try:
        ingest = _client(broker.service_port, INGEST_USER, "ingest-pw", mqtt.MQTTv5)
        ingest.subscribe("nongso/v1/+/telemetry", 1)
        time.sleep(0.3)
        for proto, qos in ((mqtt.MQTTv311, 1), (mqtt.MQTTv311, 0), (mqtt.MQTTv5, 1)):
            a = _client(broker.port, "dev-a", pa, proto)
            drops: list[Any] = []
            a.on_disconnect = lambda *args, d=drops: d.append(args[3])
            a.publish("nongso/v1/dev-b/telemetry", b"forged", qos)
            wait_for(lambda d=drops: d, 5, f"disconnect after a forged publish ({proto}, {qos})")
            a.loop_stop()
        time.sleep(0.5)
        assert ingest.user_data_get()["got"] == []
    finally:
        broker.cleanup()


def test_client_id_takeover_is_refused(tel_sqlite: Telemetry, tmp_path: Path) -> None:
    """Device B connecting with device A's client id neither ends A's session nor receives
    A's queued QoS 1 valve command: A gets it when it comes back."""
    tel = tel_sqlite
    pa, pb = tel.add("dev-a"), tel.add("dev-b")
    broker = _broker_files(tel, tmp_path / "broker")
    try:
        a, got_a = _session(broker.port, "dev-a", "dev-a", pa, clean=False)
        a.subscribe("nongso/v1/dev-a/cmd", 1)
        time.sleep(0.3)
        a.disconnect()
        a.loop_stop()
        ctl = _client(broker.service_port, CONTROL_USER, "control-pw", mqtt.MQTTv5)
        ctl.publish("nongso/v1/dev-a/cmd", b"open-valve", 1).wait_for_publish(5)
        # B presents A's client id, clean session: would discard A's session and its queue
        thief, got_b = _session(broker.port, "dev-a", "dev-b", pb, clean=True)
        thief.subscribe("nongso/v1/dev-a/cmd", 1)
        time.sleep(0.5)
        thief.disconnect()
        thief.loop_stop()
        a.connect("127.0.0.1", broker.port)
        a.loop_start()
        wait_for(lambda: got_a, 5, "A's queued command delivered to A")
        assert got_a == [b"open-valve"] and got_b == []
        a.disconnect()
        a.loop_stop()
    finally:
        broker.cleanup()


def test_cli_devices_and_mosquitto_config(sqlite_url: str, tmp_path: Path) -> None:
    from server.db import make_engine
    from server.migrate import upgrade
    from tests.server.conftest import build_world

    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    zone = build_world(engine)["zones"]["carrot"]
    engine.dispose()
    from typer.testing import CliRunner

    from server.cli import app

    env = {k: None for k in os.environ if k.startswith("NONGSO_")}
    env.update(NONGSO_DATABASE_URL=sqlite_url, NONGSO_VAR_DIR=str(tmp_path / "var"))

    def nongso(*args: str) -> str:
        r = CliRunner().invoke(app, list(args), env=env)  # type: ignore[arg-type]
        assert r.exit_code == 0, r.output
        return r.output

    out = nongso("devices", "add", "--zone", str(zone), "--role", "sensor", "--uid", "carrot-7")
    password = out.split("mqtt password: ")[1].split()[0]
    listing = nongso("devices", "list")
    assert "carrot-7" in listing and "never_seen" in listing and password not in listing
    nongso("mosquitto-config", "--out", str(tmp_path / "mq"))
    line = next(ln for ln in (tmp_path / "mq" / "passwd").read_text().splitlines()
                if ln.startswith("carrot-7:"))
    assert mosquitto_verify(password, line.split(":", 1)[1])
    new = nongso("devices", "rotate", "carrot-7").split("mqtt password: ")[1].split()[0]
    assert new != password
    nongso("devices", "revoke", "carrot-7")
    nongso("mosquitto-config", "--out", str(tmp_path / "mq"))
    assert "carrot-7" not in (tmp_path / "mq" / "passwd").read_text()
    assert (tmp_path / "var" / "mqtt_ingest_password").exists()
    with pytest.raises(AssertionError):
        nongso("devices", "add", "--zone", str(zone), "--role", "sensor", "--uid", "nongso-ingest")
