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


def test_generated_files_read_by_mosquitto_as_its_own_user_reload_keeps_clients(
        tel_sqlite: Telemetry) -> None:
    """Issue 22: Mosquitto started as root drops to user ``mosquitto``; the files
    ``write_config`` writes (0640, group mosquitto) stay readable to it, so a reload after
    adding and revoking devices keeps connected clients and applies the change."""
    import grp
    import pwd
    import shutil
    import signal
    import tempfile

    from tests.support.services import free_port, wait_port

    tel = tel_sqlite
    pa, pb = tel.add("dev-a"), tel.add("dev-b")
    root = Path(tempfile.mkdtemp(prefix="nongso-mq-"))
    os.chmod(root, 0o755)
    mq = pwd.getpwnam("mosquitto")
    for sub in ("state", "run"):
        (root / sub).mkdir()
        os.chown(root / sub, mq.pw_uid, mq.pw_gid)
    out, port, sport = root / "etc", free_port(), free_port()
    services = [BrokerAccount(INGEST_USER, mosquitto_hash("ingest-pw")),
                BrokerAccount(CONTROL_USER, mosquitto_hash("control-pw"))]
    kw: dict[str, Any] = {"port": port, "service_port": sport, "bind": "127.0.0.1",
                          "persistence_dir": root / "state", "pid_file": root / "run" / "m.pid"}
    write_config(out, tel.engine, services, **kw)
    gid = grp.getgrnam("mosquitto").gr_gid
    for name in ("passwd", "acl", "services.passwd", "services.acl"):
        st = os.stat(out / name)
        assert (st.st_mode & 0o777, st.st_gid) == (0o640, gid), name
    conf = (out / "nongso.conf").read_text()
    assert f"persistence_location {root / 'state'}/" in conf
    assert f"listener {port} 127.0.0.1" in conf and f"listener {sport} 127.0.0.1" in conf
    log = open(root / "mosquitto.log", "wb")
    proc = subprocess.Popen(["mosquitto", "-c", str(out / "nongso.conf")], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_port(port, 10)
        uid = next(int(line.split()[1]) for line in
                   Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                   if line.startswith("Uid:"))
        assert uid == mq.pw_uid  # running as mosquitto, not root
        a = _client(port, "dev-a", pa)
        drops: list[Any] = []
        a.on_disconnect = lambda *args: drops.append(args[3])
        assert not a.user_data_get()["rc"].is_failure
        pc = tel.add("dev-c")
        with Session(tel.engine) as s:
            revoke_device(s, s.exec(select(Device).where(Device.uid == "dev-b")).one())
        write_config(out, tel.engine, services, **kw)
        pid = int((root / "run" / "m.pid").read_text())
        os.kill(pid, signal.SIGHUP)
        time.sleep(0.8)
        assert proc.poll() is None and drops == [] and a.is_connected()
        assert not _client(port, "dev-c", pc).user_data_get()["rc"].is_failure
        assert _client(port, "dev-b", pb).user_data_get()["rc"].is_failure
        assert not _client(sport, INGEST_USER, "ingest-pw").user_data_get()["rc"].is_failure
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(root, ignore_errors=True)


def test_listeners_and_secrets_as_production_needs(sqlite_url: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from server.cli import app
    from server.migrate import upgrade
    from server.telemetry.mosquitto import render_conf

    tls = (Path("/etc/ssl/fullchain.pem"), Path("/etc/ssl/privkey.pem"))
    conf = render_conf(tmp_path, 8883, tls=tls)
    listeners = [ln for ln in conf.splitlines() if ln.startswith("listener ")]
    assert listeners == ["listener 8883", "listener 1884 127.0.0.1"]  # TLS on 8883; plain: loopback
    assert "certfile /etc/ssl/fullchain.pem" in conf
    assert "persistence_location /var/lib/mosquitto/" in conf
    with pytest.raises(ValueError, match="loopback"):
        render_conf(tmp_path, 8883, service_bind="0.0.0.0", tls=tls)
    upgrade(sqlite_url)
    env = {k: None for k in os.environ if k.startswith("NONGSO_")}
    env.update(NONGSO_DATABASE_URL=sqlite_url, NONGSO_VAR_DIR=str(tmp_path / "var"),
               NONGSO_MODE="production", NONGSO_SECRET_KEY="k" * 48, NONGSO_STAMP_KEYS="1:" + "ab" * 32)
    args = ["mosquitto-config", "--out", str(tmp_path / "mq"), "--group", ""]
    r = CliRunner().invoke(app, args, env=env)  # type: ignore[arg-type]
    assert r.exit_code == 2 and "no broker password for nongso-ingest" in r.output
    assert not (tmp_path / "var" / "mqtt_ingest_password").exists()  # never silently
    r = CliRunner().invoke(app, [*args, "--new-service-passwords"], env=env)  # type: ignore[arg-type]
    assert r.exit_code == 0, r.output
    assert oct(os.stat(tmp_path / "var" / "mqtt_control_password").st_mode & 0o777) == "0o600"


def test_services_log_in_with_their_own_accounts_and_say_why_when_refused(
        tel_sqlite: Telemetry, sqlite_url: str, tmp_path: Path) -> None:
    """``nongso ingest`` / ``nongso controller`` take their own account's password from
    NONGSO_VAR_DIR (NONGSO_MQTT_URL names only host and port); a wrong one stops them with
    the broker's reason instead of retrying silently."""
    from typer.testing import CliRunner

    from server.cli import app
    from server.telemetry.mosquitto import BrokerLoginError, check_login, service_url

    broker = _broker_files(tel_sqlite, tmp_path / "broker")
    var = tmp_path / "var"
    var.mkdir()
    (var / "mqtt_ingest_password").write_text("ingest-pw\n")
    (var / "mqtt_control_password").write_text("not-the-one\n")
    base = f"mqtt://127.0.0.1:{broker.service_port}"
    try:
        url = service_url(base, var, INGEST_USER)
        assert url == f"mqtt://{INGEST_USER}:ingest-pw@127.0.0.1:{broker.service_port}"
        check_login(url, INGEST_USER)  # accepted
        with pytest.raises(BrokerLoginError, match="refused the login of nongso-control"):
            check_login(service_url(base, var, CONTROL_USER), CONTROL_USER)
        env = {k: None for k in os.environ if k.startswith("NONGSO_")}
        env.update(NONGSO_DATABASE_URL=sqlite_url, NONGSO_VAR_DIR=str(var), NONGSO_MQTT_URL=base)
        r = CliRunner().invoke(app, ["controller"], env=env)  # type: ignore[arg-type]
        assert r.exit_code == 2 and "refused the login of nongso-control" in r.output, r.output
        (var / "mqtt_ingest_password").unlink()  # development: tried anonymously, refused
        r = CliRunner().invoke(app, ["ingest"], env=env)  # type: ignore[arg-type]
        assert r.exit_code == 2 and "refused the login of (anonymous)" in r.output, r.output
        env.update(NONGSO_MODE="production", NONGSO_SECRET_KEY="k" * 48,
                   NONGSO_STAMP_KEYS="1:" + "ab" * 32)  # production: the file is required
        r = CliRunner().invoke(app, ["ingest"], env=env)  # type: ignore[arg-type]
        assert r.exit_code == 2 and "no broker password for nongso-ingest" in r.output, r.output
    finally:
        broker.cleanup()


def test_devices_cannot_replace_a_retained_config(tel_sqlite: Telemetry, tmp_path: Path) -> None:
    """Issue 22 on Mosquitto: only the controller's account writes ``nongso/v1/<id>/config``.
    A device publishing a retained config — on its own config topic or another device's —
    reaches nobody and replaces nothing: every device still gets the server's config at
    connect. (The demo's amqtt broker: tests/server/telemetry/test_config_push.py.)"""
    tel = tel_sqlite
    pa, pb = tel.add("dev-a"), tel.add("dev-b")
    broker = _broker_files(tel, tmp_path / "broker")
    try:
        ctl = _client(broker.service_port, CONTROL_USER, "control-pw")
        for uid in ("dev-a", "dev-b"):
            ctl.publish(f"nongso/v1/{uid}/config", b'{"v":1,"rev":7}', 1,
                        True).wait_for_publish(5)
        b = _client(broker.port, "dev-b", pb)
        b.subscribe("nongso/v1/dev-b/config", 1)
        wait_for(lambda: b.user_data_get()["got"], 5, "dev-b's retained config")
        for topic in ("nongso/v1/dev-a/config", "nongso/v1/dev-b/config"):
            a = _client(broker.port, "dev-a", pa)
            a.publish(topic, b'{"v":1,"rev":99,"interval_s":10}', 1, True)
            time.sleep(0.5)
            a.disconnect()
            a.loop_stop()
        time.sleep(0.3)
        assert b.user_data_get()["got"] == [("nongso/v1/dev-b/config", b'{"v":1,"rev":7}')]
        for uid, pw in (("dev-a", pa), ("dev-b", pb)):  # a fresh connect: the server's config
            c = _client(broker.port, uid, pw)
            c.subscribe(f"nongso/v1/{uid}/config", 1)
            wait_for(lambda c=c: c.user_data_get()["got"], 5, f"{uid}'s retained config")
            time.sleep(0.2)
            assert c.user_data_get()["got"] == [(f"nongso/v1/{uid}/config", b'{"v":1,"rev":7}')]
            c.disconnect()
            c.loop_stop()
    finally:
        broker.cleanup()
