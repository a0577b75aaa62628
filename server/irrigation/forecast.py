"""Weather for the controller: rain fallen or forecast, and daily reference ET₀."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from server.models import Zone

__all__ = ["ForecastSource", "NoForecast"]


class ForecastSource(Protocol):
    """Rain (mm) fallen or forecast in [start, end) at a zone; daily ET₀ (mm). None = unknown."""

    def rain_mm(self, zone: Zone, start: datetime, end: datetime) -> float | None: ...

    def et0_mm_day(self, zone: Zone, day: date) -> float | None: ...


class NoForecast:
    """The default: no weather data (no rain skip; ET mode uses the zone's ``et0_mm_day``)."""

    def rain_mm(self, zone: Zone, start: datetime, end: datetime) -> float | None:
        return None

    def et0_mm_day(self, zone: Zone, day: date) -> float | None:
        return None
