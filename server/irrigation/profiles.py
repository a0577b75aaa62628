"""Crop profiles: the defaults a zone's irrigation settings start from. Every value is copied
into the zone's ``irrigation_zones`` row and can be edited there per zone.

Moisture values are on the probe's two-point calibrated % scale (docs/protocol.md ``m``),
the scale the controller reads. Soil tension (kPa) is what the agronomy literature gives;
the % equivalents below are starting points for the demo soils (the simulator's
``simulators/soil.py`` loams) and must be calibrated per zone — that is why both are kept.

Sources
-------
* Carrot — start irrigating near **30 kPa** soil tension, never let it pass about **55 kPa**;
  Cẩm Giàng / Đức Chính carrots are sown September–October and harvested mid-January to
  April (../shared/DESIGN.md, "Irrigation and sensors" and "Produce"; kinhtedothi.vn).
  Crop coefficients Kc ini 0.7 / mid 1.05 / end 0.95: FAO Irrigation and Drainage Paper 56
  (Allen et al. 1998), Table 12, "Carrots".
* Thanh Hà lychee — a moderate water deficit before flower initiation helps flowering; a
  deficit after flowering cuts fruit set and raises fruit splitting, so keep the orchard well
  watered from flowering through fruit set and fill to harvest; there is no published kPa
  threshold, calibrate per orchard (Carr, M.K.V. & Menzel, C.M. 2014, "The water relations
  and irrigation requirements of lychee", Experimental Agriculture 50(4); DESIGN.md).
  Main harvest late May to June (early varieties from about 15–20 May, main crop from about
  5 June; vnanet.vn). Kc values are the sub-tropical evergreen orchard range of FAO-56
  Table 12 (0.7 under deficit, 0.85 well watered); an assumption to calibrate.
* ETc = Kc × ET₀ (FAO-56, eq. 56); 1 mm of water over 1 m² is 1 litre.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["Stage", "PROFILES", "stage_for", "defaults_for", "PROFILE_NAMES_VI"]


@dataclass(frozen=True)
class Stage:
    key: str
    name_vi: str
    #: months (1–12) the stage covers
    months: tuple[int, ...]
    on_pct: float
    off_pct: float
    dry_alert_pct: float
    wet_alert_pct: float
    kc: float
    start_kpa: float | None = None
    max_kpa: float | None = None
    #: 0 = no irrigation in this stage (off season)
    water: bool = True


#: The stage values copied into a new zone's settings (same names as the settings' fields).
_COPIED = ("on_pct", "off_pct", "dry_alert_pct", "wet_alert_pct", "kc", "start_kpa", "max_kpa")

PROFILE_NAMES_VI = {"carrot": "Cà rốt", "lychee": "Vải thiều Thanh Hà"}

PROFILES: dict[str, tuple[Stage, ...]] = {
    "carrot": (
        # Sown September–October: establishment needs a moist seedbed.
        Stage("establishment", "Gieo và mọc mầm", (9, 10), 45.0, 55.0, 38.0, 80.0, 0.7, 30.0, 55.0),
        Stage("growth", "Phát triển củ", (11, 12, 1), 42.0, 52.0, 36.0, 78.0, 1.05, 30.0, 55.0),
        # Harvest mid-January to April: lighter watering towards lifting.
        Stage("harvest", "Thu hoạch", (2, 3, 4), 40.0, 50.0, 34.0, 75.0, 0.95, 30.0, 55.0),
        Stage("fallow", "Ngoài vụ", (5, 6, 7, 8), 30.0, 40.0, 0.0, 95.0, 0.0, None, None, False),
    ),
    "lychee": (
        # Moderate deficit before flower initiation (Nov–Jan).
        Stage("pre_flower", "Trước phân hóa mầm hoa (để hơi khô)", (11, 12, 1), 38.0, 50.0,
              30.0, 80.0, 0.7),
        # Well watered from flowering through fruit set and fill to the harvest (late May–June).
        Stage("flower_fruit", "Ra hoa, đậu quả, nuôi quả", (2, 3, 4, 5, 6), 50.0, 64.0, 42.0,
              82.0, 0.85),
        # After harvest: new flushes, normal watering.
        Stage("post_harvest", "Sau thu hoạch (ra lộc)", (7, 8, 9, 10), 45.0, 60.0, 36.0, 82.0,
              0.8),
    ),
}


def stage_for(profile: str, day: date) -> Stage | None:
    for st in PROFILES.get(profile, ()):
        if day.month in st.months:
            return st
    return None


def defaults_for(crop: str, day: date) -> dict[str, Any]:
    """Settings for a new zone of ``crop`` on ``day`` (threshold mode; generic if unknown)."""
    st = stage_for(crop, day)
    if st is None:
        return {"profile": crop, "stage": "", "mode": "threshold"}
    return {"profile": crop, "stage": st.key, "mode": "threshold" if st.water else "off",
            **{k: getattr(st, k) for k in _COPIED}}
