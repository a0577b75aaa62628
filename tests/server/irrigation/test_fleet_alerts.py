"""Alerts from the simulated fleet (real firmware logic): a valve that does not open raises
"no flow" after a commanded open, once, and it resolves when water flows again."""

from __future__ import annotations

from sqlmodel import Session

from server.irrigation.commands import water_now
from server.irrigation.controller import start_controller
from server.models import DeviceRole
from simulators.fleet import start_in_thread
from tests.server.irrigation.conftest import Irr, wait_for
from tests.support.services import Mosquitto


def test_no_flow_when_the_simulated_valve_does_not_open(irr: Irr, mosquitto: Mosquitto,  # type: ignore[no-untyped-def]
                                                        ingest) -> None:
    zone = irr.ids["zones"]["carrot"]
    irr.add("fa-valve-1", role=DeviceRole.valve)
    irr.settings(mode="off")
    ingest(irr.engine, mosquitto.url)
    ctl = start_controller(irr.engine, None, mosquitto.url, interval_s=0.3, alerts_every_s=0,
                           no_flow_s=4)
    # 4x simulated time: the valve node reports every 10 simulated seconds (2.5 s here)
    fleet = start_in_thread([("fa-valve-1", zone, "valve", "carrot", 1, 1000)], mosquitto.url,
                            speed=4.0, spread_s=0.2, interval_s=10)
    try:
        wait_for(lambda: irr.scalar("select state from device_states") == "online", 15, "online")
        # stuck for 40 simulated seconds (10 s here), then it clears by itself
        fleet.call(fleet.fleet.inject, "valve_no_open", "fa-valve-1", duration_s=40)
        with Session(irr.engine) as s:
            water_now(s, zone, 10, None)
            s.commit()
        wait_for(lambda: irr.scalar("select status from irrigation_commands") == "accepted", 10,
                 "lease accepted")
        alert = wait_for(lambda: irr.rows("select kind, state, message from alerts "
                                          "where kind = 'no_flow'"), 20, "no-flow alert")
        assert len(alert) == 1 and alert[0].state == "open"
        assert alert[0].message.startswith("Van khu Zone carrot mở nhưng không có nước chảy — ")
        # the fault clears: water flows and the same alert resolves, no second one opens
        wait_for(lambda: irr.scalar("select state from alerts where kind = 'no_flow'")
                 == "resolved", 25, "no-flow resolved")
        assert irr.scalar("select count(*) from alerts where kind = 'no_flow'") == 1
        assert irr.scalar("select count(*) from alerts where kind = 'flow_closed'") == 0
    finally:
        fleet.stop()
        ctl.stop()
