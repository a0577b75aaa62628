"""Which growth stage a zone is in on a day, from its crop calendar (pure: no database).

A zone's season is anchored on ``Zone.season_date`` — the sowing date of an annual
(carrot), this season's harvest start of a perennial (lychee) — or, when that is not set,
on the usual date of the zone's variety (:mod:`server.irrigation.profiles`).

* Annual (``anchor_kind == "sowing"``): day ``d`` of the season = days since sowing; the
  stage is the last one starting on or before ``d`` while ``0 ≤ d < season_days``, the
  crop's off-season stage otherwise. Without a season date, the sowing is the variety's
  usual date of the season that contains the day (this year's or last year's).
* Perennial (``anchor_kind == "harvest"``): the cycle repeats yearly from the harvest
  start, so ``d`` = days since the latest anchor on or before the day (the season date
  itself moves the anchor of its own year; other years keep its month and day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from server.irrigation.profiles import CROPS, Crop, Stage, anchor_on

__all__ = ["StageDay", "stage_on", "next_stage_start"]


@dataclass(frozen=True, slots=True)
class StageDay:
    crop: Crop
    stage: Stage
    #: The season's anchor (sowing or harvest start) the day is counted from.
    anchor: date
    #: Days since the anchor (negative before a sowing date).
    day: int


def _anchor(crop: Crop, variety: str | None, season: date | None, day: date) -> date:
    if crop.anchor_kind == "sowing" and season is not None:
        return season
    for year in (day.year, day.year - 1, day.year - 2):
        a = anchor_on(crop, variety, year)
        if season is not None:
            a = date(year, season.month, min(season.day, 28 if season.month == 2 else 31))
        if a <= day:
            return a
    raise ValueError(f"no anchor before {day}")  # pragma: no cover - always found above


def stage_on(crop_key: str, variety: str | None, season: date | None,
             day: date) -> StageDay | None:
    """The stage in force on ``day``; None for a crop without a calendar."""
    crop = CROPS.get(crop_key)
    if crop is None:
        return None
    anchor = _anchor(crop, variety, season, day)
    d = (day - anchor).days
    if crop.anchor_kind == "harvest":
        d %= crop.season_days
    if not 0 <= d < crop.season_days:
        assert crop.off_season is not None
        return StageDay(crop, crop.off_season, anchor, d)
    stage = crop.stages[0]
    for st in crop.stages:
        if st.start_day <= d:
            stage = st
    return StageDay(crop, stage, anchor, d)


def next_stage_start(sd: StageDay) -> date | None:
    """The date the next stage begins (None after an annual's last stage)."""
    later = [st.start_day for st in sd.crop.stages if st.start_day > sd.day]
    if later and sd.day >= 0:
        return sd.anchor + timedelta(days=min(later))
    if sd.day < 0:
        return sd.anchor
    if sd.crop.anchor_kind == "harvest":
        return sd.anchor + timedelta(days=sd.crop.season_days)
    if sd.day < sd.crop.season_days:
        return sd.anchor + timedelta(days=sd.crop.season_days)
    return None
