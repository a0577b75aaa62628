"""The zone page's crop and drip-line form, and the same check on the API: a variety must
belong to the crop; the cap and flow follow what the co-op admin enters."""

from __future__ import annotations

from sqlmodel import Session

import server.models as m
from tests.server.conftest import World
from tests.support.login import page_login


def _zone(world: World, key: str = "lychee") -> m.Zone:
    with Session(world.engine) as s:
        z = s.get(m.Zone, world.zones[key])
        assert z is not None
        return z


def test_a_coop_admin_sets_the_crop_and_drip_line_from_the_zone_page(world: World) -> None:
    c = world.client
    assert page_login(c, "lychee_admin", "correct horse battery").status_code in (200, 303)
    csrf = c.cookies.get("nongso_csrf")
    z = world.zones["lychee"]
    page = c.get(f"/zones/{z}/irrigation", headers={"Accept": "text/html"})
    assert "Sửa cây trồng và hệ thống tưới" in page.text and 'value="som"' in page.text
    r = c.post(f"/zones/{z}/crop", data={"csrf": csrf, "variety": "som",
                                         "season_date": "2026-05-15", "area_m2": "3600",
                                         "emitters": "900", "emitter_lph": "2"},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    zone = _zone(world)
    assert (zone.variety, str(zone.season_date), zone.area_m2, zone.emitters,
            zone.emitter_lph) == ("som", "2026-05-15", 3600, 900, 2.0)
    page = c.get(f"/zones/{z}/irrigation", headers={"Accept": "text/html"})
    assert "30.0 lít/phút" in page.text  # 900 emitters × 2 L/h = 30 L/min
    assert "3.600 m²" in page.text


def test_a_bad_variety_or_number_changes_nothing(world: World) -> None:
    c = world.client
    page_login(c, "lychee_admin", "correct horse battery")
    csrf = c.cookies.get("nongso_csrf")
    z = world.zones["lychee"]
    before = _zone(world).model_dump()
    r = c.post(f"/zones/{z}/crop", data={"csrf": csrf, "variety": "nantes", "emitters": "10"},
               headers={"Accept": "text/html"})
    assert r.status_code == 422 and "Giá trị không hợp lệ" in r.text and "chinh_vu" in r.text
    r = c.post(f"/zones/{z}/crop", data={"csrf": csrf, "area_m2": "-5", "emitters": "10"},
               headers={"Accept": "text/html"})
    assert r.status_code == 422
    assert _zone(world).model_dump() == before
    r = world.client.patch(f"/api/v1/zones/{z}", json={"variety": "nantes"},
                           headers=world.auth("lychee_admin"))
    assert r.status_code == 422 and "nantes" in r.json()["detail"]
    r = world.client.post("/api/v1/zones", json={"farm_id": world.farms["lychee"], "name": "Khu 9",
                                                 "crop": "lychee", "area_m2": 100,
                                                 "variety": "nantes"},
                          headers=world.auth("lychee_admin"))
    assert r.status_code == 422
    assert _zone(world).model_dump() == before


def test_a_farmer_neither_sees_nor_sends_the_form(world: World) -> None:
    c = world.client
    page_login(c, "lychee_farmer", "correct horse battery")
    csrf = c.cookies.get("nongso_csrf")
    z = world.zones["lychee"]
    page = c.get(f"/zones/{z}/irrigation", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Sửa cây trồng" not in page.text
    r = c.post(f"/zones/{z}/crop", data={"csrf": csrf, "emitters": "10"},
               headers={"Accept": "text/html"})
    assert r.status_code == 403 and _zone(world).emitters is None
