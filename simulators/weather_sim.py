"""Simulated weather nodes (issue 18): the real ``firmware/app/weather_node.py`` on an air
sensor and a tipping-bucket gauge driven by the **same** :class:`simulators.soil.Weather`
that drives the farm's soil water model — the gauge counts the rain the soil received, and
the air sensor's day follows the same rainy/dry days.

Air (Red River delta lowlands, monthly mean air temperature normals, Hải Dương station):
the day's minimum near 06:00 and maximum near 14:00 local time, a 7 °C daily range (4 °C on
rainy days); humidity from a dew point 1 °C under the minimum (FAO-56 Eq. 48 takes
Tdew ≈ Tmin in humid climates), RH = e°(Tdew)/e°(T), 97 % while it rains.
"""

from __future__ import annotations

import math
from typing import Any

from firmware.app.weather_node import WeatherNode
from simulators.hal import SimTime
from simulators.nodes import SensorSim, _seed
from simulators.soil import TZ_OFFSET_S, Weather

__all__ = ["air_temp_c", "rh_pct", "rain_between", "SimAir", "SimRainGauge", "WeatherSim",
           "MM_PER_TIP"]

MM_PER_TIP = 0.2
_TAIR_C = (16.4, 17.2, 20.0, 23.9, 27.4, 28.9, 29.2, 28.6, 27.5, 24.9, 21.5, 18.1)


def _svp(t: float) -> float:
    return 0.6108 * math.exp(17.27 * t / (t + 237.3))


def _mean(t: float) -> float:
    pos = ((t + TZ_OFFSET_S) / 86400 % 365.25 - 15.0) / 30.44
    i = math.floor(pos)
    f = pos - i
    return _TAIR_C[i % 12] + (_TAIR_C[(i + 1) % 12] - _TAIR_C[i % 12]) * f


def _range(w: Weather, t: float) -> float:
    return 4.0 if w.day(t).rain_mm > 1 else 7.0


def air_temp_c(w: Weather, t: float) -> float:
    h = ((t + TZ_OFFSET_S) % 86400) / 3600.0
    # cosine between the minimum at 06:00 and the maximum at 14:00, slow decline at night
    phase = (h - 6.0) / 8.0 if 6.0 <= h < 14.0 else 1.0 + ((h - 14.0) % 24.0) / 16.0
    x = 0.5 - 0.5 * math.cos(math.pi * phase)
    return _mean(t) + _range(w, t) * (x - 0.5)


def rh_pct(w: Weather, t: float) -> float:
    if w.rain_rate(t) > 0:
        return 97.0
    tdew = _mean(t) - _range(w, t) / 2 - 1.0
    return min(99.0, 100.0 * _svp(tdew) / _svp(air_temp_c(w, t)))


def rain_between(w: Weather, a: float, b: float) -> float:
    """mm of rain in [a, b) (UTC seconds): each day's event at its constant rate."""
    if b <= a:
        return 0.0
    total = 0.0
    n0 = int((a + TZ_OFFSET_S) // 86400) - 1
    n1 = int((b + TZ_OFFSET_S) // 86400)
    for n in range(n0, n1 + 1):
        day0 = n * 86400 - TZ_OFFSET_S
        d = w.day(day0 + 1)
        if not w.rain or not d.rain_mm:
            continue
        s = day0 + d.rain_start_h * 3600
        e = s + d.rain_hours * 3600
        lo, hi = max(a, s), min(b, e)
        if hi > lo:
            total += d.rain_mm * (hi - lo) / (e - s)
    return total


class SimAir:
    """iface: ``read() -> (degC, %RH)`` of an SHT3x (±0.2 °C, ±2 %RH)."""

    def __init__(self, weather: Weather, simtime: SimTime, rng: Any) -> None:
        self.weather, self.simtime, self.rng = weather, simtime, rng
        self.fault = ""

    def read(self) -> tuple[float, float]:
        if self.fault == "disconnected":
            raise OSError(19)
        t = self.simtime.utc()
        return (air_temp_c(self.weather, t) + self.rng.uniform(-0.2, 0.2),
                max(0.0, min(100.0, rh_pct(self.weather, t) + self.rng.uniform(-2, 2))))


class SimRainGauge:
    """Tipping bucket on the farm's rain: tips since the end of the node's previous wake
    (asleep, each tip would wake the chip and be added to RTC memory; the simulator hands
    the wake all of them at once, which the firmware counts the same way)."""

    def __init__(self, weather: Weather, simtime: SimTime) -> None:
        self.weather, self.simtime = weather, simtime
        self.t0 = simtime.utc()
        self.mark = 0

    def _cum(self) -> int:
        return int(rain_between(self.weather, self.t0, self.simtime.utc()) / MM_PER_TIP + 1e-9)

    def power_on(self) -> None:
        self.t0, self.mark = self.simtime.utc(), 0

    def woke_by_tip(self) -> bool:
        return False

    def count(self) -> int:
        return self._cum() - self.mark

    def end_wake(self) -> None:
        self.mark = self._cum()


class _Node(WeatherNode):
    gauge: SimRainGauge | None = None

    def cycle(self) -> int:
        try:
            return WeatherNode.cycle(self)
        finally:
            if self.gauge is not None:
                self.gauge.end_wake()


class WeatherSim(SensorSim):
    """A battery weather node on the farm's weather (same run loop as a sensor node)."""

    role = "weather"

    def _new_fw(self) -> None:
        if not hasattr(self, "gauge"):
            self.air = SimAir(self.weather, self.simtime, self.rng)
            self.gauge = SimRainGauge(self.weather, self.simtime)
        node = _Node(self.uid, str(self.root), self.clock, self.net, self.transport, self.rtc,
                     self.air, self.gauge, self.battery, None, _seed(self.uid), MM_PER_TIP)
        node.gauge = self.gauge
        self.fw = node

    def power_on(self) -> None:
        self.gauge.power_on()
        super().power_on()
