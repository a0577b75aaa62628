"""The co-op-wide irrigation view (issue 18.5): every zone of the member's organisations with
its soil moisture, stage, the water used in the last 7 days against the plan, and its open
alerts. Reads only.

The week's plan is the crop's water need over the zone: Σ(Kc × ET₀ − rain)⁺ × area for the
last 7 local days (FAO-56 ETc = Kc × ET₀), with ET₀ and rain from the farm's weather node
(``weather_days``) where a day was measured, else the zone's default ET₀ (its settings'
``et0_mm_day``) and no rain.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from server.irrigation.profiles import PROFILE_NAMES_VI
from server.irrigation.stages import stage_name
from server.irrigation.windows import local_day, local_midnight
from server.irrigation.zone_state import settings_or_defaults, zone_moisture
from server.models import Farm, Zone
from server.models.crop import WeatherDay
from server.models.irrigation import Alert, IrrigationLog

__all__ = ["coop_overview", "week_plan"]

DAYS = 7


def week_plan(session: Session, zone: Zone, kc: float, et0_default: float,
              now: datetime) -> tuple[float, int]:
    """(litres the crop needed over the last 7 days, days of them measured)."""
    assert zone.id is not None
    today = local_day(now)
    days = [today - timedelta(days=i) for i in range(1, DAYS + 1)]
    measured = {w.day: w for w in session.exec(select(WeatherDay).where(
        WeatherDay.zone_id == zone.id, col(WeatherDay.day).in_(days))).all()}
    mm, n = 0.0, 0
    for d in days:
        w = measured.get(d)
        et0 = w.et0_mm if w is not None and w.et0_mm is not None else et0_default
        rain = (w.rain_mm or 0.0) if w is not None else 0.0
        n += 1 if w is not None and w.et0_mm is not None else 0
        mm += max(0.0, kc * et0 - rain)
    return round(mm * zone.area_m2, -1), n


def coop_overview(session: Session, org_ids: list[int] | None,
                  now: datetime) -> list[dict[str, Any]]:
    """One row per zone of ``org_ids`` (None: all), in (farm, zone) order."""
    stmt = select(Zone, Farm).join(Farm, col(Farm.id) == Zone.farm_id) \
        .order_by(col(Farm.id), col(Zone.id))
    if org_ids is not None:
        stmt = stmt.where(col(Farm.organisation_id).in_(org_ids))
    since = local_midnight(now) - timedelta(days=DAYS)
    out = []
    for zone, farm in session.exec(stmt).all():
        assert zone.id is not None
        cfg = settings_or_defaults(session, zone, local_day(now))
        used = session.exec(select(sa.func.coalesce(sa.func.sum(IrrigationLog.litres), 0.0))
                            .where(IrrigationLog.zone_id == zone.id,
                                   col(IrrigationLog.started_at) >= since)).one()
        plan, measured = week_plan(session, zone, cfg.kc, cfg.et0_mm_day, now)
        alerts = session.exec(select(Alert).where(Alert.zone_id == zone.id,
                                                  Alert.state != "resolved")
                              .order_by(col(Alert.opened_at).desc())).all()
        out.append({
            "zone_id": zone.id, "zone": zone.name, "farm": farm.name,
            "crop_vi": PROFILE_NAMES_VI.get(zone.crop, zone.crop),
            "stage": cfg.stage, "stage_vi": stage_name(cfg.stage) if cfg.stage else "",
            "mode": cfg.mode, "moisture_pct": zone_moisture(session, zone.id, now),
            "on_pct": cfg.on_pct, "off_pct": cfg.off_pct,
            "week_litres": round(float(used or 0.0), 1), "week_plan_litres": plan,
            "week_plan_measured_days": measured,
            "week_pct": round(100 * float(used or 0.0) / plan) if plan else None,
            "alerts": [{"id": a.id, "kind": a.kind, "message": a.message} for a in alerts],
        })
    return out
