"""Lease state machine over real Mosquitto, the real ingest worker and PostgreSQL:
accepted → done (log with litres), rejected, timed out, node offline then back, expired."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from server.irrigation.commands import stop_zone, water_now
from server.irrigation.controller import Controller
from server.irrigation.mqtt_publisher import MQTTPublisher
from server.models import DeviceRole
from server.models.irrigation import ValveCommand
from tests.server.irrigation.conftest import Irr, ScriptedValve, wait_for
from tests.support.services import Mosquitto


def _now() -> datetime:
    return datetime.now(UTC)


def _setup(irr: Irr, broker: Mosquitto, ingest, mode: str = "accept"):  # type: ignore[no-untyped-def]
    irr.add("c-v1", role=DeviceRole.valve)
    irr.settings(mode="off")  # only manual commands here
    ingest(irr.engine, broker.url)
    valve = ScriptedValve(broker.port, "c-v1", mode).start()
    wait_for(lambda: irr.scalar("select state from device_states") == "online", what="online")
    pub = MQTTPublisher(broker.url, "irr-test-controller")
    wait_for(pub.client.is_connected, 5, "controller connected")
    return Controller(irr.engine, pub, retry_s=0.5), valve, pub


def _cmd(irr: Irr, cmd_id: int) -> ValveCommand:
    with Session(irr.engine) as s:
        from sqlmodel import select

        c = s.exec(select(ValveCommand).where(ValveCommand.cmd_id == cmd_id)).one()
        s.expunge(c)
        return c


def _step_until(ctl: Controller, cond, what: str, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    def go():  # type: ignore[no-untyped-def]
        ctl.step()
        return cond()
    return wait_for(go, timeout, what)


def test_water_now_lease_accepted_then_done_closes_log_with_litres(
        irr_pg: Irr, mosquitto: Mosquitto, ingest) -> None:  # type: ignore[no-untyped-def]
    irr = irr_pg
    ctl, valve, pub = _setup(irr, mosquitto, ingest)
    zone = irr.ids["zones"]["carrot"]
    user = irr.ids["users"]["carrot_farmer"]
    try:
        with Session(irr.engine) as s:
            water_now(s, zone, 10, user)
            s.commit()
        _step_until(ctl, lambda: _cmd(irr, 1).status == "accepted", "accepted")
        assert valve.received == [{"v": 1, "id": 1, "op": "open", "dur_s": 600,
                                   "exp": valve.received[0]["exp"]}]
        assert valve.received[0]["exp"] > time.time()
        log = irr.rows("select started_at, ended_at, trigger, user_id, litres from irrigation_log")
        assert len(log) == 1 and log[0].ended_at is None
        assert (log[0].trigger, log[0].user_id) == ("manual", user)
        # stop: a close with a higher id; the device ends the lease with its litres
        with Session(irr.engine) as s:
            stop_zone(s, zone, user)
            s.commit()
        _step_until(ctl, lambda: len(valve.received) == 2, "close delivered")
        assert valve.received[1]["op"] == "close" and valve.received[1]["id"] == 2
        valve.ack({"id": 1, "res": "done", "why": "cmd", "run_s": 95, "l": 31.62})
        _step_until(ctl, lambda: _cmd(irr, 1).status == "done", "done")
        c1, c2 = _cmd(irr, 1), _cmd(irr, 2)
        assert (c1.litres, c1.run_s, c1.reason) == (31.62, 95, "cmd")
        assert c2.status == "done"
        log = irr.rows("select ended_at, litres, why from irrigation_log")
        assert log[0].ended_at is not None and log[0].litres == 31.62 and log[0].why == "cmd"
    finally:
        valve.stop()
        pub.close()


def test_rejected_and_timed_out_leases(irr_pg: Irr, mosquitto: Mosquitto, ingest) -> None:  # type: ignore[no-untyped-def]
    irr = irr_pg
    ctl, valve, pub = _setup(irr, mosquitto, ingest, mode="reject")
    zone = irr.ids["zones"]["carrot"]
    try:
        with Session(irr.engine) as s:
            water_now(s, zone, 5, None)
            s.commit()
        _step_until(ctl, lambda: _cmd(irr, 1).status == "rejected", "rejected")
        assert _cmd(irr, 1).reason == "cooldown"
        assert irr.scalar("select count(*) from irrigation_log") == 0
        # a device that never answers: re-sent (same id) until the deadline, then expired
        valve.mode = "silent"
        with Session(irr.engine) as s:
            water_now(s, zone, 5, None, valid_s=2)
            s.commit()
        _step_until(ctl, lambda: _cmd(irr, 2).status == "expired", "expired", 8)
        again = [c for c in valve.received if c["id"] == 2]
        assert len(again) >= 2 and _cmd(irr, 2).attempts == len(again)
    finally:
        valve.stop()
        pub.close()


def test_offline_node_gets_pending_command_when_back_or_it_expires(
        irr_pg: Irr, mosquitto: Mosquitto, ingest) -> None:  # type: ignore[no-untyped-def]
    irr = irr_pg
    ctl, valve, pub = _setup(irr, mosquitto, ingest)
    zone = irr.ids["zones"]["carrot"]
    try:
        valve.status("offline")  # what the broker's Last Will says
        valve.stop()
        wait_for(lambda: irr.scalar("select state from device_states") == "offline", what="offline")
        with Session(irr.engine) as s:
            water_now(s, zone, 3, None, valid_s=1)  # will expire while away
            water_now(s, zone, 4, None, valid_s=60)
            s.commit()
        assert _cmd(irr, 1).status == "superseded"  # never sent: it would only be stale
        for _ in range(5):
            ctl.step()
            time.sleep(0.1)
        assert _cmd(irr, 2).status == "pending" and _cmd(irr, 2).attempts == 0
        valve.received.clear()
        valve.start()  # back online → the pending command is delivered
        _step_until(ctl, lambda: _cmd(irr, 2).status == "accepted", "accepted after return")
        assert [c["id"] for c in valve.received] == [2]
        # and one that outlives its deadline while the node is away expires unsent
        valve.status("offline")
        valve.stop()
        wait_for(lambda: irr.scalar("select state from device_states") == "offline", what="offline")
        with Session(irr.engine) as s:
            stop_zone(s, zone, None, valid_s=1)
            s.commit()
        _step_until(ctl, lambda: _cmd(irr, 3).status == "expired", "expired", 5)
        assert _cmd(irr, 3).attempts == 0
    finally:
        valve.stop()
        pub.close()


def test_command_ids_strictly_increase_per_device(irr: Irr) -> None:
    irr.add("c-v1", role=DeviceRole.valve)
    irr.add("l-v1", zone="lychee", role=DeviceRole.valve)
    with Session(irr.engine) as s:
        for _ in range(3):
            water_now(s, irr.ids["zones"]["carrot"], 1, None)
            stop_zone(s, irr.ids["zones"]["lychee"], None)
        s.commit()
    rows = irr.rows("select device_id, cmd_id from irrigation_commands order by id")
    by_dev: dict[int, list[int]] = {}
    for d, c in rows:
        by_dev.setdefault(d, []).append(c)
    assert list(by_dev.values()) == [[1, 2, 3], [1, 2, 3]]


# ---- issue 23: two controllers at once, a restarted controller, a leader that dies -------
def _at_once(n: int, fn) -> list:  # type: ignore[no-untyped-def]
    """Run ``fn(i)`` in ``n`` threads released together; return the results."""
    import threading

    barrier = threading.Barrier(n)
    out: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        out[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


class _Count:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    def __call__(self, topic: str, payload: bytes) -> bool:
        self.sent.append((topic, payload))
        return True


def test_two_controllers_publish_once_and_count_litres_once_on_postgresql(irr_pg: Irr) -> None:
    """Two controllers stepping at the same moment (before the lock, or two leaders for a
    moment): every command is published once per round, the ``done`` ack adds its litres
    once (the finding: 2.00× in 7 of 15 runs), the run is closed once."""
    from server.irrigation import leases
    from server.models import Device

    irr = irr_pg
    irr.add("c-v1", role=DeviceRole.valve)
    irr.add("c-v2", role=DeviceRole.valve)
    irr.settings(mode="off")
    now = _now()
    for uid in ("c-v1", "c-v2"):
        irr.state(uid, now, vs=0)
    pubs = [_Count(), _Count()]
    for round_ in range(5):
        with Session(irr.engine) as s:
            cmds = [leases.issue(s, dev, "open", trigger="manual", now=now, dur_s=60)
                    for dev in (s.get(Device, irr.devices["c-v1"]), s.get(Device, irr.devices["c-v2"]))
                    if dev is not None]
            s.commit()
            ids = [c.cmd_id for c in cmds]

        def send(i: int) -> int:
            with Session(irr.engine) as s:
                n = leases.send_pending(s, pubs[i], now, retry_s=60)
                s.commit()
                return n

        assert sum(_at_once(2, send)) == 2, f"round {round_}: a command published twice"
        for uid, cmd_id in zip(("c-v1", "c-v2"), ids, strict=True):
            irr.ack(uid, cmd_id, "accepted", now, dur_s=60)
            irr.ack(uid, cmd_id, "done", now, run_s=60, l=12.5, why="lease_end")

        def acks(_i: int) -> None:
            with Session(irr.engine) as s:
                leases.process_acks(s, 0, now)
                s.commit()

        _at_once(2, acks)
    assert len(pubs[0].sent) + len(pubs[1].sent) == 10
    assert irr.scalar("select count(*) from irrigation_log") == 10
    assert irr.scalar("select sum(litres) from irrigation_log") == 125.0
    assert irr.scalar("select count(*) from irrigation_log where ended_at is null") == 0
    assert irr.scalar("select count(*) from irrigation_commands where status != 'done'") == 0


def test_a_restarted_controller_does_not_log_fallback_runs_again(irr: Irr) -> None:
    """The finding: every controller start re-logged the last 24 h of fallback runs (100 →
    200 → 300 L). Runs are keyed by (device, seq of the open event)."""
    import sqlalchemy as sa

    irr.add("c-v1", role=DeviceRole.valve)
    irr.settings(mode="off")
    dev, t0 = irr.devices["c-v1"], _now() - timedelta(hours=2)
    for seq, (dt, vs, fl, ev) in enumerate([(0, 1, 10.0, "open"), (600, 0, 110.0, "close")], 1):
        with irr.engine.begin() as c:
            c.execute(sa.text(
                "INSERT INTO readings (device_id, time, seq, zone_id, time_known, received_at, "
                "vs, fl, extra) VALUES (:d, :t, :s, :z, 1, :t, :vs, :fl, :x)"),
                {"d": dev, "t": (t0 + timedelta(seconds=dt)).strftime("%Y-%m-%d %H:%M:%S.%f"),
                 "s": seq, "z": irr.ids["zones"]["carrot"], "vs": vs, "fl": fl,
                 "x": json.dumps({"ev": ev, "why": "fallback", "cmd": None})})
    for _start in range(3):  # three controller starts (nothing remembered in memory)
        Controller(irr.engine, _Count()).step()
        with irr.engine.begin() as c:  # nor in the database: the worst case
            c.execute(sa.text("DELETE FROM irrigation_cursors"))
    rows = irr.rows("select trigger, litres, ended_at is not null as ended from irrigation_log")
    assert [(r.trigger, r.litres, bool(r.ended)) for r in rows] == [("fallback", 100.0, True)]


def test_one_open_alert_per_key_even_from_two_controllers_on_postgresql(irr_pg: Irr) -> None:
    from server.irrigation import alerts

    irr = irr_pg
    irr.add("c-s1")
    irr.state("c-s1", _now() - timedelta(hours=3), bat=3000)  # silent and a low battery

    def evaluate(_i: int) -> None:
        with Session(irr.engine) as s:
            alerts.evaluate(s, _now())
            s.commit()

    for _ in range(3):
        _at_once(2, evaluate)
    rows = irr.rows("select key, count(*) as n from alerts where state != 'resolved' "
                    "group by key order by key")
    assert [(r.key, r.n) for r in rows] == [
        (f"battery_low:{irr.devices['c-s1']}", 1), (f"sensor_silent:{irr.devices['c-s1']}", 1)]


def test_one_controller_leads_and_a_standby_takes_over_when_it_dies_on_postgresql(
        irr_pg: Irr) -> None:
    """The advisory lock: one leader; its session killed (the process died) → the standby
    leads at its next check and the old one knows it no longer leads."""
    import sqlalchemy as sa

    from server.irrigation.controller import Leadership

    a, b = Leadership(irr_pg.engine), Leadership(irr_pg.engine)
    try:
        assert a.check() and not b.check() and a.check() and not b.check()
        pid = a._conn.execute(sa.text("select pg_backend_pid()")).scalar()  # type: ignore[union-attr]
        with irr_pg.engine.connect() as c:
            c.execute(sa.text("select pg_terminate_backend(:p)"), {"p": pid})
        t0 = time.monotonic()
        assert b.check() and time.monotonic() - t0 < 2
        assert not a.check()  # it reconnects as a standby
        b.release()  # a clean stop hands over at once
        assert a.check()
    finally:
        a.release()
        b.release()
