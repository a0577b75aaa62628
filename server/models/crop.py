"""Crop-calendar tables (issue 18): the stage a zone is in and who put it there, the log of
stage changes and overrides, and the daily weather (with its reference ET₀) of a zone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from server.models.common import created_at_field

__all__ = ["ZoneCropState", "ZoneStageEvent", "ZoneStageEventPublic", "WeatherDay",
           "WeatherDayPublic"]


def _ts(**kw: Any) -> Any:
    return Field(sa_type=sa.DateTime(timezone=True), **kw)


class ZoneCropState(SQLModel, table=True):
    """Which stage's numbers a zone's settings carry now.

    ``calendar_stage`` is the stage the crop calendar gave when the settings were last
    applied; ``override_stage`` a farmer's choice, held while the calendar still gives
    ``calendar_stage`` (i.e. until the next stage begins) or until an explicit reset."""

    __tablename__ = "zone_crop_states"
    zone_id: int = Field(primary_key=True, foreign_key="zones.id", ondelete="CASCADE",
                         sa_column_kwargs={"autoincrement": False})
    calendar_stage: str = Field(default="", max_length=40)
    override_stage: str | None = Field(default=None, max_length=40)
    override_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    override_at: datetime | None = _ts(default=None)
    applied_at: datetime | None = _ts(default=None)
    #: The local day the measured line flow was last checked (once a day).
    flow_checked_on: date | None = None


class ZoneStageEventBase(SQLModel):
    zone_id: int = Field(foreign_key="zones.id", index=True, ondelete="CASCADE")
    at: datetime = _ts()
    #: ``calendar`` (the next stage began) | ``override`` (a farmer chose a stage) |
    #: ``reset`` (back to the calendar) | ``settings`` (thresholds edited by hand)
    kind: str = Field(max_length=16)
    stage_from: str = Field(default="", max_length=40)
    stage_to: str = Field(default="", max_length=40)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    note: str | None = Field(default=None, max_length=300)


class ZoneStageEvent(ZoneStageEventBase, table=True):
    __tablename__ = "zone_stage_events"
    id: int | None = Field(default=None, primary_key=True)


class ZoneStageEventPublic(ZoneStageEventBase):
    id: int


class WeatherDayBase(SQLModel):
    """One local day of weather at a zone, from its farm's weather node readings."""

    zone_id: int = Field(primary_key=True, foreign_key="zones.id", ondelete="CASCADE",
                         sa_column_kwargs={"autoincrement": False})
    day: date = Field(primary_key=True)
    tmin: float | None = None
    tmax: float | None = None
    rh_min: float | None = None
    rh_max: float | None = None
    #: Solar radiation, MJ m⁻² day⁻¹ (None without a pyranometer).
    rs_mj: float | None = None
    rain_mm: float | None = None
    et0_mm: float | None = None
    #: ``pm`` (FAO-56 Penman-Monteith, Eq. 6) | ``hs`` (Hargreaves-Samani, Eq. 52) | ``""``
    method: str = Field(default="", max_length=4)
    readings: int = 0


class WeatherDay(WeatherDayBase, table=True):
    __tablename__ = "weather_days"
    updated_at: datetime = created_at_field()


class WeatherDayPublic(WeatherDayBase):
    pass
