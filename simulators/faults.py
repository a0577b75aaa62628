"""Faults for the simulated fleet: what they are, how a schedule file names them.

A schedule is JSON (``{"faults": [...]}`` or a bare list) or TOML (``[[fault]]`` tables);
each entry::

    {"kind": "wifi_outage", "target": "farm:3", "at": "5m", "duration": "10m"}

* ``kind`` — one of ``KINDS`` below.
* ``target`` — a device uid, ``zone:<id>``, ``farm:<id>`` or ``*`` (every node; default).
  ``broker_restart`` ignores it.
* ``at`` — simulated time after the fleet started; ``duration`` — how long it lasts
  (omitted: until the end, or cleared through the API).  Times are seconds or strings
  with a unit: ``90s``, ``10m``, ``2h``, ``1d``.
* other keys are parameters: ``clock_skew`` takes ``skew_s`` (the wrong time the RTC
  shows, default 0 = no time at all); ``valve_leak`` takes ``fraction`` (of full flow).

What each does to a node is in ``apply`` (called by ``simulators.fleet.Fleet``):

=========================  ==================================================================
``wifi_outage``            the node's Wi-Fi is gone: TCP dropped at once (the broker publishes
                           its Will), connects time out, publishes raise OSError; readings
                           stay in the flash buffer and go out when it returns
``broker_restart``         simulated when no real broker is restarted: every session dropped,
                           connects refused for the duration.  The Python API also takes
                           ``stop``/``start`` callables (e.g. the tests' ``Mosquitto``)
``probe_stuck``            the moisture probe repeats one raw count (not detectable on-device)
``probe_disconnected``     the probe input floats at the ADC rail -> ``"err":{"m":"range"}``
``probe_noisy``            samples scatter (bad contact) -> ``"err":{"m":"noisy"}``
``thermometer_disconnected``  the DS18B20 stops answering -> ``"err":{"st":"io"}``
``battery_flat``           the sensor node reads ~3.0 V, then browns out and stays dead;
                           when the fault ends the cell is replaced: a fresh power-on
                           (RTC memory lost, boot counter + 1, clock unknown until NTP)
``clock_skew``             the node loses its time and NTP fails for the duration: readings
                           carry ``bt``/``up`` instead of ``t``; with ``skew_s`` the RTC
                           instead shows a time that far off until NTP works again
``duplicate_sends``        every telemetry message is published twice (lost PUBACK)
``valve_no_open``          the valve ignores "open": no flow, no irrigation
``valve_leak``             the closed valve passes water (``fraction`` of full flow)
=========================  ==================================================================
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Fault", "KINDS", "load_faults", "parse_faults", "parse_duration"]

KINDS = frozenset({
    "wifi_outage", "broker_restart", "probe_stuck", "probe_disconnected", "probe_noisy",
    "thermometer_disconnected", "battery_flat", "clock_skew", "duplicate_sends",
    "valve_no_open", "valve_leak",
})
_UNITS = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_TARGET = re.compile(r"^(\*|(farm|zone):\d+|[a-z0-9-]{3,32})$")


class FaultError(ValueError):
    """A fault schedule entry is malformed."""


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str
    target: str = "*"
    at_s: float = 0.0
    duration_s: float | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultError(f"unknown fault kind {self.kind!r}; known: {', '.join(sorted(KINDS))}")
        if not _TARGET.fullmatch(self.target):
            raise FaultError(f"bad fault target {self.target!r} (uid, zone:<id>, farm:<id> or *)")
        if self.at_s < 0 or (self.duration_s is not None and self.duration_s <= 0):
            raise FaultError("fault times must be positive")


def parse_duration(value: object) -> float:
    """Seconds from a number or a string like ``90s``, ``10m``, ``1.5h``."""
    if isinstance(value, bool):
        raise FaultError(f"bad duration {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", value)
        if m and m.group(2) in _UNITS:
            return float(m.group(1)) * _UNITS[m.group(2)]
    raise FaultError(f"bad duration {value!r} (e.g. 90, '90s', '10m', '2h')")


def parse_faults(entries: object) -> list[Fault]:
    """Entries (dicts) from a decoded schedule -> faults sorted by start time."""
    if isinstance(entries, dict):
        entries = entries.get("faults", entries.get("fault"))
    if not isinstance(entries, list):
        raise FaultError("a fault schedule is a list of entries (JSON) or [[fault]] tables (TOML)")
    out = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or "kind" not in e:
            raise FaultError(f"fault #{i + 1}: an object with a 'kind' is needed")
        e = dict(e)
        kind = str(e.pop("kind"))
        target = str(e.pop("target", "*"))
        at = parse_duration(e.pop("at", 0))
        dur = e.pop("duration", None)
        try:
            out.append(Fault(kind, target, at, None if dur is None else parse_duration(dur), e))
        except FaultError as exc:
            raise FaultError(f"fault #{i + 1}: {exc}") from None
    return sorted(out, key=lambda f: f.at_s)


def load_faults(path: str | Path) -> list[Fault]:
    """Read a JSON or TOML schedule file (by suffix; TOML unless it ends in .json)."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise FaultError(f"{p}: {exc}") from None
    return parse_faults(data)
