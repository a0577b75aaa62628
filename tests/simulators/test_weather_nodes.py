"""Simulated weather nodes (issue 18): the real weather-node firmware on the farm's weather,
the same weather that drives the soil model; real Mosquitto."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from simulators.fleet import DeviceSpec, Fleet
from simulators.soil import Weather
from simulators.weather_sim import MM_PER_TIP, air_temp_c, rain_between, rh_pct
from tests.simulators.conftest import Recorder, no_gap
from tests.support.services import Mosquitto

START = datetime(2025, 7, 10, tzinfo=UTC).timestamp()  # the rainy season


def test_rain_integral_matches_the_rate_the_soil_model_receives() -> None:
    w = Weather(3, "farm1")
    a, b = START, START + 20 * 86400
    steps = sum(w.rain_rate(t) * 60 / 3600 for t in range(int(a), int(b), 60))
    exact = rain_between(w, a, b)
    assert exact > 20  # July: it rains
    assert abs(exact - steps) < 0.02 * exact + 0.5
    temps = [air_temp_c(w, a + h * 3600) for h in range(48)]
    assert 20 < min(temps) < max(temps) < 36 and max(temps) - min(temps) >= 3.5
    assert all(40 <= rh_pct(w, a + h * 3600) <= 99 for h in range(48))


def test_weather_node_reports_the_farms_rain_and_air(mosquitto: Mosquitto,
                                                     recorder: Recorder) -> None:
    devices = [DeviceSpec("wx-farm-1", 1, "weather", "lychee", 1),
               DeviceSpec("soil-1", 1, "sensor", "lychee", 1)]
    fleet = Fleet(devices, mosquitto.url, speed=40000, seed=3, start_utc=START, interval_s=1800,
                  upload_every=4, spread_s=60)

    async def scenario() -> None:
        await fleet.start()
        await fleet.run_for(4 * 86400)
        await asyncio.sleep(0.5)
        await fleet.stop()

    asyncio.run(scenario())
    time.sleep(0.3)
    got = recorder.readings["wx-farm-1"]
    seqs = recorder.unique("wx-farm-1")
    assert len(seqs) >= 150 and no_gap(seqs)
    uniq = {r["seq"]: r for r in got}
    rs = [uniq[s] for s in seqs]
    assert all({"at", "rh", "rn", "tips", "bat"} <= set(r) for r in rs)
    w = fleet.weather[1]
    t_first, t_last = rs[0]["t"], rs[-1]["t"]
    measured = sum(r["rn"] for r in rs[1:])
    exact = rain_between(w, t_first, t_last)
    assert abs(measured - exact) <= MM_PER_TIP + 0.05 * len(rs) * 0.05 + 0.1
    assert rs[-1]["tips"] == round(sum(r["rn"] for r in rs) / MM_PER_TIP)
    for r in rs[::10]:
        assert abs(r["at"] - air_temp_c(w, r["t"])) < 0.5
