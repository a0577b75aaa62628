"""Store-and-forward through faults, end to end: real firmware logic, real Mosquitto."""

from __future__ import annotations

import asyncio
import time

from simulators.fleet import DeviceSpec, Fleet
from tests.simulators.conftest import Recorder, no_gap
from tests.support.services import Mosquitto

SPEED = 120.0
DEVICES = [DeviceSpec("th-sensor-01", 1, "sensor", "lychee", 1),
           DeviceSpec("th-valve-01", 1, "valve", "lychee", 1)]


def _settle(rec: Recorder, fleet: Fleet, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(fleet.nodes[d.uid].seq() in rec.unique(d.uid) for d in DEVICES):
            return
        time.sleep(0.05)


def test_ten_minute_wifi_outage_loses_nothing(mosquitto: Mosquitto, recorder: Recorder) -> None:
    fleet = Fleet(DEVICES, mosquitto.url, speed=SPEED, seed=7, interval_s=60, upload_every=1,
                  spread_s=5)

    async def scenario() -> tuple[float, float]:
        await fleet.start()
        await fleet.run_for(180)
        t_out = fleet.simtime.utc()  # type: ignore[union-attr]
        fleet.inject("wifi_outage", "farm:1", duration_s=600)
        await fleet.run_for(180 + 600)
        t_back = fleet.simtime.utc()  # type: ignore[union-attr]
        await fleet.run_for(180 + 600 + 240)
        await asyncio.to_thread(_settle, recorder, fleet)
        await fleet.stop()
        return t_out, t_back

    t_out, t_back = asyncio.run(scenario())
    time.sleep(0.3)
    sensor, valve = fleet.nodes["th-sensor-01"], fleet.nodes["th-valve-01"]
    for node in (sensor, valve):
        got = recorder.unique(node.uid)
        assert no_gap(got), (node.uid, got)
        assert got[-1] >= node.seq() - 1, (node.uid, got[-1], node.seq())
    during = [r for r in recorder.readings["th-sensor-01"] if t_out + 5 < (r["t"] or 0) < t_back - 5]
    assert len({r["seq"] for r in during}) >= 8  # ~one a minute through the outage, all delivered
    # the always-connected valve node lost its session abruptly: the broker sent its Will
    assert any(s["state"] == "offline" for s in recorder.status["th-valve-01"])
    # the backlog went out as batches (store-and-forward), not one message per reading
    assert max(recorder.batches["th-sensor-01"]) >= 8


def test_broker_restart_and_duplicate_sends(mosquitto: Mosquitto, recorder: Recorder) -> None:
    fleet = Fleet(DEVICES, mosquitto.url, speed=SPEED, seed=8, interval_s=60, upload_every=1,
                  spread_s=5)

    async def scenario() -> None:
        await fleet.start()
        await fleet.run_for(120)
        fleet.inject("duplicate_sends", "th-sensor-01", duration_s=300)
        await fleet.run_for(240)
        await asyncio.to_thread(mosquitto.stop)  # a real broker restart, 60 s simulated down
        await fleet.run_for(300)
        await asyncio.to_thread(mosquitto.start)
        await fleet.run_for(900)
        await asyncio.to_thread(_settle, recorder, fleet, 10.0)
        await fleet.stop()

    asyncio.run(scenario())
    time.sleep(0.3)
    for uid in ("th-sensor-01", "th-valve-01"):
        got = recorder.unique(uid)
        assert no_gap(got), (uid, got)
        assert got[-1] >= fleet.nodes[uid].seq() - 1
    raw = recorder.seqs["th-sensor-01"]
    assert len(raw) > len(set(raw))  # duplicates did reach the server side
    assert fleet.stats.duplicates > 0
