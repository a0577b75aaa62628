"""API answers of the irrigation package that are not a table row (the row ladders are in
``server/models/irrigation.py``; a crop profile's stage is answered as the
:class:`server.irrigation.profiles.Stage` dataclass itself)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from server.models.irrigation import AlertPublic, ZoneIrrigationPublic

__all__ = ["LastWatering", "IrrigationStatusPublic", "WaterNow"]


class LastWatering(SQLModel):
    started_at: datetime
    #: ``HH:MM dd/mm`` in Vietnam time
    started_local: str
    ended_at: datetime | None = None
    litres: float | None = None
    trigger: str
    trigger_vi: str
    running: bool


class IrrigationStatusPublic(SQLModel):
    zone_id: int
    #: The zone's settings, or its crop profile's defaults when it has none saved yet.
    settings: ZoneIrrigationPublic
    moisture_pct: float | None = None
    #: ``none`` | ``offline`` | ``waiting`` | ``open`` | ``closed``
    valve: str
    plan: str
    last_watering: LastWatering | None = None
    alerts: list[AlertPublic]


class WaterNow(SQLModel):
    minutes: int = Field(ge=1, le=240)
