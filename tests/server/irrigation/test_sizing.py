"""Water sized to the zone (issue 18.2): flow from emitters or the measured line flow, the
daily cap from peak ETc × area × margin (litres and mm), recalibration and the mismatch
alert."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from server.irrigation import flowcheck
from server.irrigation.decide import decide
from server.irrigation.sizing import MARGIN, size_zone
from server.irrigation.zone_state import ensure_settings, zone_settings
from server.models import Zone
from server.models.irrigation import Alert, IrrigationLog
from tests.server.irrigation.conftest import Irr, utc

# (crop, area m², emitters, L/h, measured L/min) → (flow L/min, source, cap L, cap mm)
ROWS = [
    # the field: 3,600 m² of carrot; Kc mid 1.05 × ET₀ 4 mm/day × 1.25
    ("carrot", 3600.0, 1800, 2.0, None, (60.0, "emitters", 18900.0, 5.25)),
    ("carrot", 3600.0, 1800, 2.0, 52.5, (52.5, "measured", 18900.0, 5.25)),
    # a 1,000 m² lychee orchard: Kc 0.85 × 6 mm/day × 1.25
    ("lychee", 1000.0, 120, 8.0, None, (16.0, "emitters", 6380.0, 6.38)),
    ("lychee", 250.0, None, None, None, (20.0, "default", 1590.0, 6.38)),
]


@pytest.mark.parametrize("crop,area,n,lph,measured,want", ROWS)
def test_flow_and_cap_from_area_and_emitters(crop: str, area: float, n: int | None,
                                             lph: float | None, measured: float | None,
                                             want: tuple[float, str, float, float]) -> None:
    z = Zone(name="z", crop=crop, area_m2=area, farm_id=1, emitters=n, emitter_lph=lph,
             measured_lpm=measured)
    sz = size_zone(z)
    assert (sz.flow_lpm, sz.flow_source, sz.cap_l, sz.cap_mm) == want
    assert sz.cap_mm == pytest.approx(sz.kc_peak * sz.et0_peak * MARGIN, abs=0.01)


def test_new_settings_carry_the_sizing_and_water_past_the_old_2000_l(irr: Irr) -> None:
    """The big carrot field is no longer stopped "at the cap" after 2,000 L."""
    with Session(irr.engine) as s:
        z = s.get(Zone, irr.ids["zones"]["carrot"])
        assert z is not None
        z.area_m2, z.emitters, z.emitter_lph = 3600.0, 1800, 2.0
        d = date(2025, 12, 1)
        row = ensure_settings(s, z, d, utc(2025, 12, 1, 0))
        assert (row.max_litres_day, row.flow_lpm) == (18900.0, 60.0)
        dec = decide(zone_settings(row, z), 30.0, (), 9000.0, True, None)
        assert dec.action == "open"


def _run(s: Session, zone_id: int, start: int, minutes: int, litres: float,
         device_id: int | None = None) -> None:
    t0 = utc(2026, 3, 1, 0) + timedelta(hours=start)
    s.add(IrrigationLog(zone_id=zone_id, device_id=device_id, started_at=t0,
                        ended_at=t0 + timedelta(minutes=minutes), litres=litres, trigger="auto"))


def test_measured_flow_recalibrates_and_a_large_difference_alerts(irr: Irr) -> None:
    zid = irr.ids["zones"]["lychee"]
    with Session(irr.engine) as s:
        z = s.get(Zone, zid)
        assert z is not None
        z.emitters, z.emitter_lph = 120, 8.0  # rated 16 L/min
        ensure_settings(s, z, date(2026, 3, 1), utc(2026, 3, 1, 0))
        _run(s, zid, 1, 10, 255.0)  # 25.5 L/min: 59 % more: a leak
        _run(s, zid, 5, 2, 10.0)  # too short to count
        s.commit()
        assert flowcheck.check(s, utc(2026, 3, 2, 1)) == 2
        assert flowcheck.check(s, utc(2026, 3, 2, 2)) == 0  # once a day
        s.commit()
        z = s.get(Zone, zid)
        assert z is not None and z.measured_lpm == 25.5
        assert ensure_settings(s, z).flow_lpm == 25.5
        a = s.exec(select(Alert).where(Alert.key == flowcheck.alert_key(zid))).one()
        assert (a.kind, a.state, a.value) == ("flow_mismatch", "open", 25.5)
        assert "nhiều hơn" in a.message and "rò rỉ" in a.message
        # fixed: the next day's runs measure 16.4 L/min → resolved
        s.exec(select(IrrigationLog)).all()
        for e in s.exec(select(IrrigationLog)).all():
            s.delete(e)
        _run(s, zid, 30, 20, 328.0)
        s.commit()
        flowcheck.check(s, utc(2026, 3, 3, 1))
        s.commit()
        s.refresh(a)
        assert a.state == "resolved"
