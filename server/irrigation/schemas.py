"""API answers of the irrigation package that are not a table row (the row ladders are in
``server/models/irrigation.py``; a crop profile's stage is answered as the
:class:`server.irrigation.profiles.Stage` dataclass itself)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from server.models.irrigation import AlertPublic, ZoneIrrigationPublic

__all__ = ["LastWatering", "IrrigationStatusPublic", "WaterNow", "SeasonPublic",
           "CoopZoneAlert", "CoopZonePublic"]


class LastWatering(SQLModel):
    started_at: datetime
    #: ``HH:MM dd/mm`` in Vietnam time
    started_local: str
    ended_at: datetime | None = None
    litres: float | None = None
    trigger: str
    trigger_vi: str
    running: bool


class SeasonPublic(SQLModel):
    """The zone's season: stage in force (calendar or override) and the water sized to it."""

    crop: str
    crop_vi: str
    variety_vi: str
    anchor: date | None = None
    #: ``sowing`` (annual) | ``harvest`` (perennial) | ``""`` (no calendar)
    anchor_kind: str
    day: int | None = None
    stage: str
    stage_vi: str
    calendar_stage: str
    calendar_stage_vi: str
    override: bool
    deficit: bool
    next_stage_on: date | None = None
    next_stage_vi: str
    kc: float
    root_m: float | None = None
    flow_lpm: float
    #: ``measured`` | ``emitters`` | ``default``
    flow_source: str
    flow_source_vi: str
    emitter_lpm: float | None = None
    measured_lpm: float | None = None
    #: The daily cap sized from the crop's peak ETc (L and mm over the zone's area)
    cap_l: float
    cap_mm: float
    et0_peak: float
    kc_peak: float
    #: The cap in force (the settings' ``max_litres_day``, L and mm)
    cap_setting_l: float
    cap_setting_mm: float
    area_m2: float


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
    season: SeasonPublic


class WaterNow(SQLModel):
    minutes: int = Field(ge=1, le=240)


class CoopZoneAlert(SQLModel):
    id: int
    kind: str
    message: str


class CoopZonePublic(SQLModel):
    """One zone of the co-op-wide irrigation view."""

    zone_id: int
    zone: str
    farm: str
    crop_vi: str
    stage: str
    stage_vi: str
    mode: str
    moisture_pct: float | None = None
    on_pct: float
    off_pct: float
    #: Litres used in the last 7 local days and the crop's need over them (FAO-56 ETc).
    week_litres: float
    week_plan_litres: float
    week_plan_measured_days: int
    week_pct: int | None = None
    alerts: list[CoopZoneAlert]
