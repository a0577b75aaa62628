"""Water sized to the zone: its flow rate and its daily cap.

* **Flow** (L/min): the line flow the flow meter measured (``Zone.measured_lpm``) when known,
  else the drip emitters' rating: count × L/h per emitter ÷ 60.
* **Daily cap** (L): the crop's peak ETc over the zone with a margin —
  ``Kc_peak × ET₀_peak (mm/day) × area (m²) × margin``; 1 mm over 1 m² is 1 L. ``Kc_peak``
  is the largest Kc of the crop's stages (FAO-56 Table 12 via
  :mod:`server.irrigation.profiles`); ``ET₀_peak`` the largest daily ET₀ measured at the
  zone over the last 30 days (``weather_days``), never below the crop season's climate
  figure below.
* **Recalibration**: the flow meter's litres over the minutes of recent finished runs give
  the measured flow; more than ``MISMATCH`` away from the emitter estimate is a leak
  (more) or a blocked line (less) — an alert.

Climate figures (FAO-56 Table 2, average ET₀ by agro-climatic region, "tropics and
subtropics, humid and sub-humid"): moderate (mean ≈ 20 °C) 3–5 mm/day, warm (> 30 °C)
5–7 mm/day. Lychee's peak (flowering to harvest, April–June in the Red River delta):
6 mm/day, the middle of "warm". Carrot's season (October–March, means about 17–23 °C):
4 mm/day, the middle of "moderate".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from server.irrigation.profiles import CROPS
from server.models import Zone
from server.models.crop import WeatherDay
from server.models.irrigation import IrrigationLog
from server.timeutil import as_utc

__all__ = ["Sizing", "size_zone", "emitter_lpm", "measured_lpm", "CLIMATE_ET0", "MARGIN",
           "MISMATCH", "DEFAULT_FLOW_LPM"]

#: Peak ET₀ (mm/day) of each crop's season when no weather is measured (see above).
CLIMATE_ET0 = {"lychee": 6.0, "carrot": 4.0}
GENERIC_ET0 = 5.0
#: The cap allows this much above the peak ETc (drip efficiency ~90 %, and a hot spell).
MARGIN = 1.25
#: Measured flow this far (fraction) from the emitters' rating raises an alert.
MISMATCH = 0.3
#: Flow assumed for a zone with neither emitters nor a measurement (L/min).
DEFAULT_FLOW_LPM = 20.0
#: Runs shorter than this do not count for the measured flow (the line is still filling).
MIN_RUN_S = 300


@dataclass(frozen=True, slots=True)
class Sizing:
    flow_lpm: float
    #: ``measured`` | ``emitters`` | ``default``
    flow_source: str
    emitter_lpm: float | None
    kc_peak: float
    et0_peak: float
    cap_mm: float
    cap_l: float


def emitter_lpm(zone: Zone) -> float | None:
    if zone.emitters and zone.emitter_lph:
        return round(zone.emitters * zone.emitter_lph / 60.0, 2)
    return None


def _kc_peak(crop: str) -> float:
    c = CROPS.get(crop)
    return max((st.kc for st in c.stages), default=1.0) if c else 1.0


def _et0_peak(session: Session | None, zone: Zone, today: date | None) -> float:
    base = CLIMATE_ET0.get(zone.crop, GENERIC_ET0)
    if session is None or today is None or zone.id is None:
        return base
    top = session.exec(select(WeatherDay.et0_mm).where(
        WeatherDay.zone_id == zone.id, col(WeatherDay.day) >= today - timedelta(days=30),
        col(WeatherDay.et0_mm).is_not(None)).order_by(col(WeatherDay.et0_mm).desc())).first()
    return max(base, float(top)) if top is not None else base


def size_zone(zone: Zone, session: Session | None = None, today: date | None = None) -> Sizing:
    """The zone's flow and daily cap (see the module docstring)."""
    est = emitter_lpm(zone)
    if zone.measured_lpm:
        flow, src = zone.measured_lpm, "measured"
    elif est:
        flow, src = est, "emitters"
    else:
        flow, src = DEFAULT_FLOW_LPM, "default"
    kc, et0 = _kc_peak(zone.crop), _et0_peak(session, zone, today)
    mm = kc * et0 * MARGIN
    return Sizing(flow, src, est, kc, et0, round(mm, 2), round(mm * zone.area_m2, -1))


def measured_lpm(session: Session, zone_id: int, since: datetime) -> float | None:
    """The zone's line flow (L/min) from its finished runs since ``since``: per valve the
    metered litres over the minutes run, summed over the zone's valves. None without at
    least one run of ``MIN_RUN_S`` with litres."""
    runs = session.exec(select(IrrigationLog).where(
        IrrigationLog.zone_id == zone_id, col(IrrigationLog.started_at) >= since,
        col(IrrigationLog.ended_at).is_not(None), col(IrrigationLog.litres) > 0)).all()
    per_dev: dict[int | None, tuple[float, float]] = {}
    for r in runs:
        assert r.ended_at is not None
        secs = (as_utc(r.ended_at) - as_utc(r.started_at)).total_seconds()
        if secs < MIN_RUN_S:
            continue
        litres, s = per_dev.get(r.device_id, (0.0, 0.0))
        per_dev[r.device_id] = (litres + float(r.litres or 0), s + secs)
    if not per_dev:
        return None
    return round(sum(lt / (s / 60) for lt, s in per_dev.values()), 2)
