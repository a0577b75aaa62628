"""Lease state machine over real Mosquitto, the real ingest worker and PostgreSQL:
accepted → done (log with litres), rejected, timed out, node offline then back, expired."""

from __future__ import annotations

import time
from datetime import UTC, datetime

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
