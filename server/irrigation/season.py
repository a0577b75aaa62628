"""What the zone page and the API show of a zone's season: the stage in force (calendar or
a farmer's override), the next stage and when, Kc and root depth, and the water sized to
the zone (flow, daily cap in litres and millimetres). Reads only."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from server.irrigation.calendar import next_stage_start, stage_on
from server.irrigation.profiles import CROPS, PROFILES
from server.irrigation.sizing import size_zone
from server.irrigation.stages import stage_name
from server.models import Zone
from server.models.crop import ZoneCropState
from server.models.irrigation import ZoneIrrigation

__all__ = ["season_info", "FLOW_SOURCE_VI"]

FLOW_SOURCE_VI = {"measured": "đo bằng đồng hồ nước", "emitters": "tính từ số béc nhỏ giọt",
                  "default": "mặc định (chưa khai báo béc)"}


def _variety_vi(zone: Zone) -> str:
    crop = CROPS.get(zone.crop)
    if crop is None:
        return ""
    v = next((x for x in crop.varieties if x.key == zone.variety), crop.varieties[0])
    return v.name_vi


def season_info(session: Session, zone: Zone, cfg: ZoneIrrigation, day: date) -> dict[str, Any]:
    """The zone's season for the page/API (see the module docstring)."""
    assert zone.id is not None
    sd = stage_on(zone.crop, zone.variety, zone.season_date, day)
    state = session.get(ZoneCropState, zone.id)
    sz = size_zone(zone, session, day)
    st = next((x for x in PROFILES.get(zone.crop, ()) if x.key == cfg.stage), None)
    nxt = next_stage_start(sd) if sd else None
    nxt_stage = stage_on(zone.crop, zone.variety, zone.season_date, nxt) if nxt else None
    return {
        "crop": zone.crop, "crop_vi": CROPS[zone.crop].name_vi if zone.crop in CROPS else zone.crop,
        "variety_vi": _variety_vi(zone),
        "anchor": sd.anchor if sd else None,
        "anchor_kind": sd.crop.anchor_kind if sd else "",
        "day": sd.day if sd else None,
        "stage": cfg.stage, "stage_vi": stage_name(cfg.stage) if cfg.stage else "",
        "calendar_stage": sd.stage.key if sd else "",
        "calendar_stage_vi": sd.stage.name_vi if sd else "",
        "override": bool(state and state.override_stage),
        "deficit": bool(st and st.deficit),
        "next_stage_on": nxt, "next_stage_vi": nxt_stage.stage.name_vi if nxt_stage else "",
        "kc": cfg.kc, "root_m": st.root_m if st else None,
        "flow_lpm": sz.flow_lpm, "flow_source": sz.flow_source,
        "flow_source_vi": FLOW_SOURCE_VI[sz.flow_source], "emitter_lpm": sz.emitter_lpm,
        "measured_lpm": zone.measured_lpm,
        "cap_l": sz.cap_l, "cap_mm": sz.cap_mm, "et0_peak": sz.et0_peak, "kc_peak": sz.kc_peak,
        "cap_setting_l": cfg.max_litres_day,
        "cap_setting_mm": round(cfg.max_litres_day / zone.area_m2, 2),
        "area_m2": zone.area_m2,
        "stages": [{"key": x.key, "vi": x.name_vi} for x in PROFILES.get(zone.crop, ())],
    }
