"""Stages from the crop calendar (issue 18.1): the stage, thresholds, Kc and root depth in
force per crop and day; the decision those thresholds give; an override held until the
next stage; hand edits until the next stage; reset; every change logged."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from server.irrigation.calendar import next_stage_start, stage_on
from server.irrigation.decide import ZoneSettings, decide
from server.irrigation.profiles import CROPS, PROFILES
from server.irrigation.stages import log_edit, override, reset
from server.irrigation.zone_state import ensure_settings, zone_settings
from server.models import Zone
from server.models.crop import ZoneStageEvent
from tests.server.irrigation.conftest import Irr

# (crop, variety, season date, day) → (stage, on %, off %, Kc, root depth m)
STAGE_ROWS = [
    # carrot sown 1 Oct 2025: FAO-56 Table 11 150-day row, 30/40/60/20 days
    ("carrot", None, date(2025, 10, 1), date(2025, 10, 1), ("initial", 48.0, 58.0, 0.70, 0.2)),
    ("carrot", None, date(2025, 10, 1), date(2025, 10, 30), ("initial", 48.0, 58.0, 0.70, 0.2)),
    ("carrot", None, date(2025, 10, 1), date(2025, 10, 31),
     ("development", 44.0, 54.0, 0.875, 0.5)),
    ("carrot", None, date(2025, 10, 1), date(2025, 12, 10), ("mid", 42.0, 52.0, 1.05, 0.75)),
    ("carrot", None, date(2025, 10, 1), date(2026, 2, 8), ("late", 40.0, 50.0, 1.0, 0.75)),
    ("carrot", None, date(2025, 10, 1), date(2026, 2, 28), ("fallow", 30.0, 40.0, 0.0, 0.0)),
    ("carrot", None, date(2025, 10, 1), date(2025, 9, 20), ("fallow", 30.0, 40.0, 0.0, 0.0)),
    # no sowing date: the variety's usual 1 October of the running season
    ("carrot", None, None, date(2026, 1, 15), ("mid", 42.0, 52.0, 1.05, 0.75)),
    ("carrot", "gieo_som", None, date(2025, 9, 10), ("initial", 48.0, 58.0, 0.70, 0.2)),
    # lychee main crop, harvest from 5 June
    ("lychee", "chinh_vu", None, date(2026, 6, 5), ("harvest", 50.0, 62.0, 0.85, 1.0)),
    ("lychee", "chinh_vu", None, date(2026, 8, 1), ("post_harvest", 45.0, 60.0, 0.85, 1.0)),
    ("lychee", "chinh_vu", None, date(2025, 12, 1), ("flower_induction", 30.0, 42.0, 0.60, 1.0)),
    ("lychee", "chinh_vu", None, date(2026, 2, 15), ("flowering", 50.0, 62.0, 0.85, 1.0)),
    ("lychee", "chinh_vu", None, date(2026, 4, 5), ("fruit_set", 52.0, 64.0, 0.85, 1.0)),
    ("lychee", "chinh_vu", None, date(2026, 5, 20), ("fruit_fill", 55.0, 66.0, 0.85, 1.0)),
    # early variety (from 15 May) is already harvesting on 20 May
    ("lychee", "som", None, date(2026, 5, 20), ("harvest", 50.0, 62.0, 0.85, 1.0)),
    # a season date moves the anchor: harvest expected 20 June this year
    ("lychee", "chinh_vu", date(2026, 6, 20), date(2026, 6, 10),
     ("fruit_fill", 55.0, 66.0, 0.85, 1.0)),
]


@pytest.mark.parametrize("crop,variety,season,day,want", STAGE_ROWS,
                         ids=[f"{r[0]}-{r[3]}" for r in STAGE_ROWS])
def test_stage_thresholds_kc_and_roots_in_force(crop: str, variety: str | None,
                                                season: date | None, day: date,
                                                want: tuple[str, float, float, float, float]) -> None:
    sd = stage_on(crop, variety, season, day)
    assert sd is not None
    st = sd.stage
    assert (st.key, st.on_pct, st.off_pct, st.kc, st.root_m) == want


def _settings(crop: str, stage: str) -> ZoneSettings:
    st = next(x for x in PROFILES[crop] if x.key == stage)
    return ZoneSettings(mode="threshold" if st.water else "off", on_pct=st.on_pct,
                        off_pct=st.off_pct, max_litres_day=5000, max_run_s=2700, lease_s=600,
                        flow_lpm=20, rain_skip_mm=5, deficit_mm=0, deficit_trigger_mm=10,
                        area_m2=1000)


DECIDE_ROWS = [(crop, st.key) for crop, sts in PROFILES.items() for st in sts]


@pytest.mark.parametrize("crop,stage", DECIDE_ROWS, ids=[f"{c}-{s}" for c, s in DECIDE_ROWS])
def test_decision_per_crop_and_stage(crop: str, stage: str) -> None:
    """Just below the stage's lower threshold: open (or off for fallow); at it: nothing;
    running at the upper threshold: close."""
    s = _settings(crop, stage)
    below = decide(s, s.on_pct - 0.5, (), 0.0, True, None)
    at = decide(s, s.on_pct, (), 0.0, True, None)
    if s.mode == "off":
        assert (below.action, below.why) == ("none", "off")
        return
    assert (below.action, below.why, below.dur_s) == ("open", "lower_threshold", 600)
    assert (at.action, at.why) == ("none", "moist_enough")
    from server.irrigation.decide import Lease

    run = decide(s, s.off_pct, (Lease("auto", 400.0, 200.0),), 100.0, True, None)
    assert (run.action, run.why) == ("close", "upper_threshold")


def test_deficit_stage_waters_later_than_flowering() -> None:
    """The same soil (40 %) waters a flowering orchard and leaves one in flower induction dry."""
    assert decide(_settings("lychee", "flowering"), 40.0, (), 0, True, None).action == "open"
    assert decide(_settings("lychee", "flower_induction"), 40.0, (), 0, True, None).action == "none"


def test_next_stage_dates() -> None:
    sd = stage_on("lychee", "chinh_vu", None, date(2025, 12, 1))
    assert sd is not None and next_stage_start(sd) == date(2026, 1, 31)
    sd = stage_on("carrot", None, date(2025, 10, 1), date(2025, 10, 5))
    assert sd is not None and next_stage_start(sd) == date(2025, 10, 31)
    assert all(CROPS[c].stages[0].start_day == 0 for c in CROPS)


def _events(irr: Irr, zone: int) -> list[tuple[str, str, str]]:
    with Session(irr.engine) as s:
        return [(e.kind, e.stage_from, e.stage_to) for e in s.exec(
            select(ZoneStageEvent).where(ZoneStageEvent.zone_id == zone)
            .order_by(ZoneStageEvent.id)).all()]  # type: ignore[arg-type]


def _at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 3, tzinfo=UTC)


def test_calendar_moves_thresholds_override_holds_until_next_stage(irr: Irr) -> None:
    zid = irr.ids["zones"]["lychee"]
    with Session(irr.engine) as s:
        z = s.get(Zone, zid)
        assert z is not None
        z.variety = "chinh_vu"
        d1 = date(2025, 12, 1)
        row = ensure_settings(s, z, d1, _at(d1))
        assert (row.stage, row.on_pct, row.kc) == ("flower_induction", 30.0, 0.60)
        # the farmer decides the orchard is already flowering: held while the calendar
        # still says flower induction
        override(s, z, row, "flowering", irr.ids["users"].get("farmer"), _at(d1), d1)
        row.on_pct = 47.0  # and edits a threshold by hand
        log_edit(s, zid, row.stage, ["on_pct"], None, _at(d1))
        s.commit()
        for d in (date(2025, 12, 20), date(2026, 1, 30)):
            row = ensure_settings(s, z, d, _at(d))
            assert (row.stage, row.on_pct, row.kc) == ("flowering", 47.0, 0.85)
        s.commit()
        # the calendar's next stage (flowering, 31 Jan) replaces the override and the edit
        d2 = date(2026, 1, 31)
        row = ensure_settings(s, z, d2, _at(d2))
        assert (row.stage, row.on_pct) == ("flowering", 50.0)
        d3 = date(2026, 5, 1)
        row = ensure_settings(s, z, d3, _at(d3))
        assert (row.stage, row.on_pct, row.off_pct) == ("fruit_fill", 55.0, 66.0)
        # the controller's ZoneSettings carry the stage's thresholds
        assert zone_settings(row, z).on_pct == 55.0
        override(s, z, row, "harvest", None, _at(d3), d3)
        reset(s, z, row, None, _at(d3), d3)
        assert (row.stage, row.on_pct) == ("fruit_fill", 55.0)
        s.commit()
    assert _events(irr, zid) == [
        ("calendar", "flower_induction", "flower_induction"),
        ("override", "flower_induction", "flowering"),
        ("settings", "flowering", "flowering"),
        ("calendar", "flowering", "flowering"), ("calendar", "flowering", "fruit_fill"),
        ("override", "fruit_fill", "harvest"), ("reset", "harvest", "fruit_fill")]


def test_a_row_from_before_the_calendar_is_brought_to_the_stage(irr: Irr) -> None:
    """A zone set up in December keeps no December band in May (the reported bug)."""
    zid = irr.ids["zones"]["lychee"]
    with Session(irr.engine) as s:
        z = s.get(Zone, zid)
        assert z is not None
        row = ensure_settings(s, z, date(2025, 12, 1), _at(date(2025, 12, 1)))
        s.commit()
        assert row.on_pct == 30.0
        row = ensure_settings(s, z, date(2026, 5, 15), _at(date(2026, 5, 15)))
        assert (row.stage, row.on_pct) == ("fruit_fill", 55.0)


def test_unknown_stage_override_is_refused_and_changes_nothing(irr: Irr) -> None:
    from server.errors import Invalid

    with Session(irr.engine) as s:
        z = s.get(Zone, irr.ids["zones"]["carrot"])
        assert z is not None
        d = date(2025, 11, 20)
        row = ensure_settings(s, z, d, _at(d))
        before = row.model_dump()
        with pytest.raises(Invalid):
            override(s, z, row, "flowering", None, _at(d), d)
        assert row.model_dump() == before


def test_settings_carry_the_fields_the_controller_reads() -> None:
    fields = {f.name for f in dataclasses.fields(ZoneSettings)}
    assert {"on_pct", "off_pct", "max_litres_day", "flow_lpm"} <= fields
