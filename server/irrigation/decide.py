"""The irrigation rules farmers depend on, as one pure function.

:func:`decide` sees a zone's settings, its soil moisture, the leases holding its valves, the
water used today, whether the time window is open and the rain figure, and says what to do:
open, extend, close, skip (with the reason) or nothing. No database, no MQTT, no clock:
everything is passed in (as ``firmware/app`` is apart from ``hal``). The controller loop
(:mod:`server.irrigation.controller`) gathers the inputs and carries the decision out.

Rules (threshold mode, with hysteresis): start below ``on_pct``, stop at ``off_pct``; a
running lease with under a third of ``lease_s`` left is extended while below the upper
threshold, never past ``max_run_s``. ET mode (FAO-56 ETc = Kc × ET₀): water the deficit
once it reaches ``deficit_trigger_mm``. Both: only inside the allowed windows, within the
daily litre cap, not when rain fell or is forecast (``rain_skip_mm``), and never against a
manual run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["ZoneSettings", "Lease", "Decision", "Action", "decide", "manual_in_charge",
           "accrue_deficit"]

Action = Literal["none", "open", "extend", "close", "skip"]


@dataclass(frozen=True, slots=True)
class ZoneSettings:
    """The settings the rules read (a zone's ``irrigation_zones`` row and its area)."""

    mode: str
    on_pct: float
    off_pct: float
    max_litres_day: float
    max_run_s: int
    lease_s: int
    flow_lpm: float
    rain_skip_mm: float
    deficit_mm: float
    deficit_trigger_mm: float
    area_m2: float


@dataclass(frozen=True, slots=True)
class Lease:
    """An open lease that is queued, in flight or holding a valve of the zone."""

    #: ``auto`` | ``manual``
    trigger: str
    #: Seconds left of an accepted lease; None while not yet accepted.
    remaining_s: float | None
    #: Seconds the valve's current run has lasted (0 when none is logged).
    run_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    why: str
    moisture: float | None = None
    #: open / extend: the lease length (seconds)
    dur_s: int | None = None
    used_l: float | None = None
    rain_mm: float | None = None
    #: ET mode after an open: the deficit (mm) left once this run's water is counted
    deficit_mm: float | None = None

    def note(self) -> dict[str, Any]:
        """What the controller logs and keeps of the decision."""
        extra = {k: v for k, v in (("dur_s", self.dur_s), ("used_l", self.used_l),
                                   ("rain_mm", self.rain_mm)) if v is not None}
        return {"action": self.action, "why": self.why, "moisture": self.moisture, **extra}


def manual_in_charge(leases: tuple[Lease, ...]) -> bool:
    return any(a.trigger != "auto" for a in leases)


def accrue_deficit(deficit_mm: float, days: float, et0_mm_day: float, kc: float,
                   rain_mm: float) -> float:
    """deficit + ET₀ × Kc × elapsed days − rain, never below zero (FAO-56 ETc = Kc × ET₀)."""
    return max(0.0, deficit_mm + et0_mm_day * kc * days - rain_mm)


def _dur(s: ZoneSettings, left_l: float, max_s: float) -> int:
    by_cap = left_l / max(s.flow_lpm, 0.1) * 60
    return int(min(s.lease_s if s.mode == "threshold" else max_s, by_cap, max_s))


def _while_running(s: ZoneSettings, m: float | None, leases: tuple[Lease, ...], left_l: float,
                   window: bool) -> Decision:
    stop_why = None
    if s.mode == "threshold" and m is not None and m >= s.off_pct:
        stop_why = "upper_threshold"
    elif not window:
        stop_why = "window_closed"
    elif left_l <= 0:
        stop_why = "daily_cap"
    elif s.mode == "threshold" and m is None:
        stop_why = "no_reading"
    if stop_why:
        return Decision("close", stop_why, m)
    a = leases[0]
    if s.mode == "threshold" and a.remaining_s is not None and \
            a.remaining_s < s.lease_s / 3 and a.run_s < s.max_run_s:
        dur = _dur(s, left_l, s.max_run_s - a.run_s)
        if dur >= 60:
            return Decision("extend", "below_upper", m, dur_s=dur)
    return Decision("none", "running", m)


def decide(settings: ZoneSettings, moisture: float | None, leases: tuple[Lease, ...],
           water_used: float, window: bool, rain: float | None) -> Decision:
    """What to do with a zone now (see the module docstring for the rules).

    ``moisture``: mean fresh reading (%), None when no sensor reported lately;
    ``water_used``: litres since local midnight; ``window``: inside an allowed window;
    ``rain``: mm fallen in the last 24 h or forecast for the next 24 h, None when unknown."""
    s, m = settings, moisture
    if s.mode == "off":
        return Decision("none", "off", m)
    if manual_in_charge(leases):
        return Decision("none", "manual_in_charge", m)
    left_l = s.max_litres_day - water_used
    if leases:
        return _while_running(s, m, leases, left_l, window)
    if s.mode == "threshold":
        if m is None or m >= s.on_pct:
            return Decision("none", "no_reading" if m is None else "moist_enough", m)
        want_s = float(s.lease_s)
    else:
        if s.deficit_mm < s.deficit_trigger_mm:
            return Decision("none", "deficit_below_trigger", m)
        want_s = s.deficit_mm * s.area_m2 / max(s.flow_lpm, 0.1) * 60
    if not window:
        return Decision("skip", "outside_window", m)
    if left_l < s.flow_lpm:
        return Decision("skip", "daily_cap", m, used_l=water_used)
    if rain is not None and rain >= s.rain_skip_mm:
        return Decision("skip", "rain", m, rain_mm=rain)
    dur = _dur(s, left_l, min(want_s, s.max_run_s))
    if dur < 60:
        return Decision("none", "too_short", m)
    if s.mode == "threshold":
        return Decision("open", "lower_threshold", m, dur_s=dur)
    left_mm = max(0.0, s.deficit_mm - dur / 60 * s.flow_lpm / s.area_m2)
    return Decision("open", "et_deficit", m, dur_s=dur, deficit_mm=left_mm)
