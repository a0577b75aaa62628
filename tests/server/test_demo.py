"""``nongso demo`` end to end: start, health within 25 s (about 5 s on a quiet machine; the
suite runs it beside another worker), every printed URL after login, Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.support.login import page_login
from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[2]


def _reader(proc: subprocess.Popen[str], lines: list[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)


def _season_done(var: Path) -> None:
    var.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(var / "demo-season.json", os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"{}")
    os.close(fd)


def test_demo_starts_serves_every_url_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NONGSO_")}
    env["NONGSO_VAR_DIR"] = str(tmp_path / "var")
    env["PYTHONUNBUFFERED"] = "1"
    _season_done(tmp_path / "var")  # the season backfill has its own test below
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "server", "demo", "--port", str(port),
                             "--devices", "12"], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []
    threading.Thread(target=_reader, args=(proc, lines), daemon=True).start()
    try:
        healthy_after = None
        while time.monotonic() - t0 < 25:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    healthy_after = time.monotonic() - t0
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, "".join(lines)
            time.sleep(0.1)
        assert healthy_after is not None, "no /healthz within 25 s:\n" + "".join(lines)
        deadline = time.monotonic() + 10
        while "Demo users" not in "".join(lines) or not "".join(lines).rstrip().endswith("]"):
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.05)
        time.sleep(0.2)
        out = "".join(lines)
        urls = re.findall(r"(http://127\.0\.0\.1:\d+/\S*)", out)
        assert {u.rsplit("/", 1)[1] for u in urls} >= {"farm", "coop", "docs", "healthz"}
        # a stamp of the demo's lychee lot: its consumer page, anonymous, in Vietnamese
        stamp = next(u for u in urls if "/01/" in u)
        page = httpx.get(stamp, headers={"Accept": "text/html"}, timeout=10)
        assert page.status_code == 200, page.text[:300]
        assert "Tem chính hãng" in page.text and "Vải thiều" in page.text
        assert "Chỉ dẫn địa lý" in page.text  # Thanh Hà GI on a Thanh Hà lychee lot
        users = re.findall(r"^\s+(farmer|coop_admin|evaluator|admin)\s+(\S+)\s+(\S+)\s", out, re.M)
        assert {u[0] for u in users} == {"farmer", "coop_admin", "evaluator", "admin"}
        assert "mqtt://127.0.0.1:" in out
        var = tmp_path / "var"  # the demo's database, secrets and uploads: this user only
        assert stat.S_IMODE(var.stat().st_mode) == 0o700
        assert stat.S_IMODE((var / "nongso.db").stat().st_mode) == 0o600
        assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in var.rglob("*"))
        for role, login, password in users:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
                r = page_login(c, login, password)
                assert r.status_code in (200, 303), (role, r.text[:300])
                for url in urls:
                    r = c.get(url, headers={"Accept": "text/html"})
                    assert r.status_code == 200, (role, url, r.status_code)
                    if url.endswith("/farm") and role == "farmer":
                        assert "Khu 1 — vải sớm" in r.text
                        assert "Ruộng A" not in r.text, "farmer sees another co-op"
                    if url.endswith("/coop") and role == "coop_admin":
                        assert "Hợp tác xã" in r.text
        # The simulated fleet (real firmware logic) reports through the embedded broker and
        # the ingest worker: the farmer sees live soil moisture within a minute of start.
        # 12 soil/valve nodes and one weather node per demo farm (issue 18)
        nodes = re.search(r"(\d+) simulated nodes", out)
        assert nodes is not None and int(nodes.group(1)) == 14, out
        farmer = next(u for u in users if u[0] == "farmer")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
            page_login(c, farmer[1], farmer[2])
            live = None
            while time.monotonic() - t0 < 60 and live is None:
                live = re.search(r'class="moisture">(\d+(?:\.\d+)?) %', c.get("/farm").text)
                if live is None:
                    time.sleep(1)
            assert live is not None, "no live moisture on the farmer page within 60 s"
            assert 0 <= float(live.group(1)) <= 100
        admin = next(u for u in users if u[0] == "admin")
        _configs_applied(tmp_path / "var" / "nongso.db", port, admin[1], admin[2], t0)
        # the demo's embedded broker accepts an MQTT connection
        import paho.mqtt.client as mqtt

        broker_port = int(re.search(r"mqtt://127\.0\.0\.1:(\d+)", out).group(1))  # type: ignore[union-attr]
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        client.connect("127.0.0.1", broker_port)
        client.disconnect()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rc = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError("demo did not stop on Ctrl-C:\n" + "".join(lines)) from None
    assert rc == 0, "".join(lines)
    assert "nongso demo stopped." in "".join(lines)
    assert "Traceback" not in "".join(lines), "".join(lines)


def _configs_applied(db: Path, port: int, login: str, password: str, t0: float) -> None:
    """issue 22: every demo node's config (the fleet's 300 s interval, its calibration, its
    zone's thresholds) is published retained over the embedded broker by the controller;
    the nodes (real firmware logic) apply it and ack, and the API shows it applied."""
    import sqlite3

    def rows() -> list[tuple[int, str, str, int, int | None, str | None]]:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as c:
            return c.execute("select d.id, d.uid, d.role, c.rev, c.ack_rev, c.ack_res from "
                             "device_configs c join devices d on d.id = c.device_id "
                             "where c.payload is not null order by d.id").fetchall()

    got = rows()
    # the demo starts the fleet once every config is out: each node applies it at its
    # first connect (sensors boot within 20 s; valves stay connected)
    while time.monotonic() - t0 < 90 and not (
            len(got) == 14 and all(r[5] == "applied" and r[4] == r[3] for r in got)):
        time.sleep(1)
        got = rows()
    assert len(got) == 14, got  # 12 soil/valve nodes and 2 weather nodes: one config each
    applied = [r for r in got if r[5] == "applied" and r[4] == r[3]]
    assert len(applied) == 14 and {r[2] for r in applied} == {"valve", "sensor", "weather"}, got
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
        page_login(c, login, password)
        for dev_id, uid, _role, rev, _, _ in applied:
            view = c.get(f"/api/v1/devices/{dev_id}/config").json()
            assert view["state"] == "applied" and view["rev"] == rev, (uid, view)
            want = view["desired"]
            assert want["interval_s"] == 300 and want["upload_every"] == 1, (uid, want)
            assert want["cal"]["dry"] - want["cal"]["wet"] >= 100 and "vwc" in want, want
            assert 0 <= want["thr"]["on"] < want["thr"]["off"] <= 100, want  # the zone's


def test_second_run_keeps_world_and_does_not_reprint_passwords(tmp_path: Path) -> None:
    from server.db import make_engine
    from server.migrate import upgrade
    from server.seed import seed_demo

    url = f"sqlite:///{tmp_path / 'd.db'}"
    upgrade(url)
    engine = make_engine(url)
    first = seed_demo(engine, devices=20)
    second = seed_demo(engine, devices=20)
    assert all(u.password for u in first)
    assert not any(u.password for u in second)
    from sqlmodel import Session, func, select

    from server.models import Device, Zone

    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Zone)).one() == 5
        assert s.exec(select(func.count()).select_from(Device)).one() == 20
    engine.dispose()


def test_demo_device_configs_seeded_once_with_the_fleets_interval(tmp_path: Path) -> None:
    """issue 22: each demo node's own settings — the fleet's 300 s interval (a config
    without it would put the fleet on the protocol's 900 s), the calibration measured at
    installation (the simulated node's flash after the season, else the probe's nominal
    one) — and its zone's irrigation settings (the config's thresholds); kept on rerun."""
    import json

    from sqlmodel import Session, select

    from server.db import make_engine
    from server.migrate import upgrade
    from server.models import Device
    from server.models.device_config import DeviceConfig
    from server.models.irrigation import ZoneIrrigation
    from server.seed import seed_demo, seed_device_configs
    from server.telemetry.config_push import desired_config

    url = f"sqlite:///{tmp_path / 'd.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_demo(engine, devices=6)
    flash = tmp_path / "fleet"
    (flash / "demo-z1-01").mkdir(parents=True)
    (flash / "demo-z1-01" / "config.json").write_text(json.dumps(
        {"rev": 0, "interval_s": 21600, "dry": 53123, "wet": 20456, "vwc_a": 0.42,
         "vwc_b": 3.5}))
    (flash / "demo-z2-01").mkdir()
    (flash / "demo-z2-01" / "config.json").write_text("{not json")
    assert seed_device_configs(engine, flash) == 6
    with Session(engine) as s:
        rows = {d.uid: (d, s.get(DeviceConfig, d.id)) for d in s.exec(select(Device)).all()}
        assert all(dc is not None and dc.interval_s == 300 and dc.upload_every == 1
                   for _, dc in rows.values())
        dc = rows["demo-z1-01"][1]
        assert dc is not None and (dc.cal_dry, dc.cal_wet) == (53123, 20456)
        dc = rows["demo-z2-01"][1]
        assert dc is not None and (dc.cal_dry, dc.cal_wet, dc.vwc_a) == (52000, 21000, 0.42)
        dev, dc = rows["demo-z1-01"]
        want = desired_config(s.get(ZoneIrrigation, dev.zone_id), dc)
        assert want["interval_s"] == 300 and want["cal"] == {"dry": 53123, "wet": 20456}
        assert 0 < want["thr"]["on"] < want["thr"]["off"] < 100  # the zone's settings
        dc.interval_s = 600  # an admin's change survives the next start
        s.add(dc)
        s.commit()
        z1 = dev.id
    assert seed_device_configs(engine, flash) == 0
    with Session(engine) as s:
        dc = s.get(DeviceConfig, z1)
        assert dc is not None and dc.interval_s == 600
    engine.dispose()


def test_demo_refuses_busy_port(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("NONGSO_")}
        env["NONGSO_VAR_DIR"] = str(tmp_path / "var")
        r = subprocess.run([sys.executable, "-m", "server", "demo", "--port", str(port)],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "already in use" in r.stderr
