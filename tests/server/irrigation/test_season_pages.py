"""The zone's season on the API and the zone page (issue 18.1–18.2): Vietnamese stage labels,
the override and its log, reset, the cap in litres and millimetres, the mode select."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

import server.models as m
from server.models.crop import ZoneStageEvent
from tests.server.conftest import World
from tests.support.login import page_login
from tests.support.world import PASSWORD


def _size(world: World, zone: str) -> None:
    with Session(world.engine) as s:
        z = s.get(m.Zone, world.zones[zone])
        assert z is not None
        z.area_m2, z.emitters, z.emitter_lph = 3600.0, 1800, 2.0
        s.commit()


def test_override_is_logged_shown_and_reset(world: World) -> None:
    _size(world, "carrot")
    h = world.auth("carrot_farmer")
    z = world.zones["carrot"]
    st = world.client.get(f"/api/v1/zones/{z}/irrigation/status", headers=h).json()
    season = st["season"]
    assert season["crop_vi"] == "Cà rốt" and season["cap_l"] == 18900.0 and season["cap_mm"] == 5.25
    assert season["flow_lpm"] == 60.0 and season["flow_source"] == "emitters"
    cal = season["calendar_stage"]
    other = "late" if cal != "late" else "mid"
    r = world.client.put(f"/api/v1/zones/{z}/irrigation/settings", headers=h,
                         json={"stage": other})
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == other
    r = world.client.put(f"/api/v1/zones/{z}/irrigation/settings", headers=h,
                         json={"stage": "flowering"})  # a lychee stage: refused
    assert r.status_code == 422 and "flowering" in r.json()["detail"]
    st = world.client.get(f"/api/v1/zones/{z}/irrigation/status", headers=h).json()
    assert st["season"]["override"] is True and st["settings"]["stage"] == other
    ev = world.client.get(f"/api/v1/zones/{z}/irrigation/stages", headers=h).json()
    assert [e["kind"] for e in ev][:2] == ["override", "calendar"]
    r = world.client.post(f"/api/v1/zones/{z}/irrigation/stage/reset", headers=h)
    assert r.status_code == 200 and r.json()["stage"] == cal
    with Session(world.engine) as s:
        kinds = [e.kind for e in s.exec(select(ZoneStageEvent)
                                        .order_by(col(ZoneStageEvent.id))).all()]
    assert kinds == ["calendar", "override", "reset"]


def test_zone_page_speaks_vietnamese_with_selects_and_the_cap(world: World) -> None:
    _size(world, "carrot")
    c = world.client
    z = world.zones["carrot"]
    h = world.auth("carrot_farmer")
    world.client.put(f"/api/v1/zones/{z}/irrigation/settings", headers=h, json={"stage": "mid"})
    r = page_login(c, "carrot_farmer", PASSWORD, next="/farm", follow_redirects=False)
    assert r.status_code == 303
    r = c.get(f"/zones/{z}/irrigation")
    assert r.status_code == 200, r.text
    html = r.text
    assert "Phình củ" in html and "nông dân chọn" in html and "mid" not in re.sub(
        r'value="[^"]*"', "", html).split("<h2>Mùa vụ</h2>")[1].split("<form")[0]
    assert "18.900 lít = 5.2 mm" in html or "18.900 lít = 5.3 mm" in html
    assert '<select id="f-mode" name="mode">' in html and "Theo độ ẩm đất" in html
    assert 'name="on_pct" inputmode="decimal"' in html
    assert "off / threshold / et" not in html
    assert "Về theo lịch mùa vụ" in html


def test_valve_flow_recalibration_shows_on_the_page(world: World) -> None:
    with Session(world.engine) as s:
        z = s.get(m.Zone, world.zones["lychee"])
        assert z is not None
        z.emitters, z.emitter_lph, z.measured_lpm = 120, 8.0, 21.0
        s.commit()
    st = world.client.get(f"/api/v1/zones/{world.zones['lychee']}/irrigation/status",
                          headers=world.auth("lychee_farmer")).json()["season"]
    assert (st["flow_lpm"], st["flow_source"], st["emitter_lpm"]) == (21.0, "measured", 16.0)


def test_coop_view_lists_the_coops_zones_with_week_water_against_plan(world: World) -> None:
    from datetime import UTC, datetime, timedelta

    from server.models.irrigation import IrrigationLog

    z = world.zones["carrot"]
    with Session(world.engine) as s:
        t = datetime.now(UTC) - timedelta(days=2)
        s.add(IrrigationLog(zone_id=z, started_at=t, ended_at=t + timedelta(minutes=30),
                            litres=1200.0, trigger="auto"))
        s.commit()
    h = world.auth("carrot_farmer")
    rows = world.client.get("/api/v1/irrigation/overview", headers=h).json()
    assert [r["zone_id"] for r in rows] == [z]  # only their co-op's zones
    r = rows[0]
    assert r["crop_vi"] == "Cà rốt" and r["stage_vi"] and r["week_litres"] == 1200.0
    # 7 days × Kc × the default ET₀ 4 mm/day × 1000 m² (no weather node: nothing measured)
    assert r["week_plan_measured_days"] == 0
    assert r["week_plan_litres"] == round(7 * r_kc(world, z) * 4.0 * 1000, -1)
    admin = world.client.get("/api/v1/irrigation/overview", headers=world.auth("admin")).json()
    assert len(admin) == 2
    c = world.client
    page_login(c, "carrot_farmer", PASSWORD, next="/farm", follow_redirects=False)
    html = c.get("/coop/irrigation").text
    assert "Tưới — tất cả khu" in html and "1.200 /" in html and "Zone carrot" in html
    assert "Zone lychee" not in html


def r_kc(world: World, zone_id: int) -> float:
    st = world.client.get(f"/api/v1/zones/{zone_id}/irrigation/status",
                          headers=world.auth("carrot_farmer")).json()
    return float(st["settings"]["kc"])
