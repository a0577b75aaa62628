"""Simulated sensors and actuators for the fleet: capacitive probe, DS18B20, battery, flow meter
and valve, each driven by the soil model and simulated time. Split from ``simulators.hal``."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from simulators.hal import SimTime

__all__ = ["SimProbe", "SimThermometer", "SimBattery", "SimFlow", "SimValve"]

class SimProbe:
    """iface.Probe on a zone's soil; faults: ``stuck``, ``disconnected``, ``noisy``."""

    def __init__(self, model: Any, zone: Any, weather: Any, simtime: SimTime,
                 rng: random.Random) -> None:
        self.model = model  # soil.ProbeModel
        self.zone = zone  # soil.SoilZone
        self.weather = weather
        self.simtime = simtime
        self.rng = rng
        self.fault = ""
        self._stuck_at = 0

    def read_raw(self) -> int:
        if self.fault == "disconnected":
            return 65535 - self.rng.randint(0, 40)  # floating input sits at the rail
        if self.fault == "stuck":
            if not self._stuck_at:
                self._stuck_at = self._read()
            return self._stuck_at
        raw = self._read()
        if self.fault == "noisy":
            raw = min(65534, max(1, raw + int(self.rng.gauss(0, 6000))))
        return raw

    _at = -1.0
    _theta = 0.0
    _temp = 0.0

    def _read(self) -> int:
        t = self.simtime.utc()
        if t - self._at > 1.0:  # soil state changes slowly: one evaluation per second
            self._at = t
            self._theta = self.zone.advance(t)
            self._temp = self.weather.soil_temp_c(t)
        return int(self.model.raw(self._theta, self._temp, self.rng))


class SimThermometer:
    """iface.Thermometer (DS18B20); fault ``disconnected`` -> OSError."""

    def __init__(self, weather: Any, simtime: SimTime, rng: random.Random) -> None:
        self.weather = weather
        self.simtime = simtime
        self.rng = rng
        self.offset = rng.uniform(-0.4, 0.4)  # DS18B20: ±0.5 °C
        self.fault = ""

    def read_c(self) -> float:
        if self.fault == "disconnected":
            raise OSError(5, "DS18B20: no presence pulse")
        c = self.weather.soil_temp_c(self.simtime.utc()) + self.offset
        return round(c + self.rng.gauss(0, 0.05), 4)


class SimBattery:
    """iface.Battery: an 18650 Li-ion cell; fault ``flat`` collapses it."""

    BROWNOUT_MV = 3100

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.mv = rng.uniform(3850.0, 4150.0)
        self.flat = False

    def drain(self, awake_ms: int) -> None:
        # ~120 mA awake with Wi-Fi, 2500 mAh cell, ~0.6 V over the usable capacity
        self.mv -= awake_ms / 3_600_000 * 120 / 2500 * 600

    def read_mv(self) -> int:
        if self.flat:
            self.seen_flat = True  # the node gets one last reading out, then browns out
            return int(3000 + self.rng.gauss(0, 4))
        return int(self.mv + self.rng.gauss(0, 4))

    seen_flat = False

    def dead(self) -> bool:
        return (self.flat and self.seen_flat) or self.mv < self.BROWNOUT_MV


class SimFlow:
    """iface.PulseCounter: integrates the real water flow through the meter."""

    def __init__(self, simtime: SimTime, ppl: float, lpm: float) -> None:
        self.simtime = simtime
        self.ppl = ppl  # this meter's true pulses per litre
        self.lpm = lpm  # litres per minute when the valve is fully open
        self.rate = 0.0  # current litres per minute
        self.litres = 0.0
        self._t = simtime.now_ms()

    def _advance(self) -> None:
        now = self.simtime.now_ms()
        self.litres += self.rate * (now - self._t) / 60000.0
        self._t = now

    def set_rate(self, lpm: float) -> None:
        self._advance()
        self.rate = lpm

    def count(self) -> int:
        self._advance()
        return int(self.litres * self.ppl)


class SimValve:
    """iface.Valve; faults: ``no_open`` (never opens), ``leak`` (passes water when closed)."""

    def __init__(self, flow: SimFlow, on_change: Callable[[float], None]) -> None:
        self.flow = flow
        self.on_change = on_change  # gets litres/hour into the zone
        self.commanded = False
        self.fault = ""
        self.leak_fraction = 0.15

    def _apply(self) -> None:
        lpm = 0.0
        if self.commanded and self.fault != "no_open":
            lpm = self.flow.lpm
        elif not self.commanded and self.fault == "leak":
            lpm = self.flow.lpm * self.leak_fraction
        if lpm != self.flow.rate:
            self.flow.set_rate(lpm)
            self.on_change(lpm * 60.0)

    def set(self, is_open: bool) -> None:
        self.commanded = bool(is_open)
        self._apply()

    def is_open(self) -> bool:
        return self.commanded
