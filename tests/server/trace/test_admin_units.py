"""Administrative units from the official list (issue 17): the 34 provinces and their
communes since 1 July 2025 (``vietnam-provinces``); bad codes are 422 and nothing is written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from server import admin_units
from server.db import make_engine
from server.migrate import upgrade
from server.models import Farm, Organisation
from server.models.trace import CodeKind, Lot, Product, RegistrationCode
from server.seed import seed_demo
from server.stamps.consumer import build_view
from server.trace.gi import code_communes
from server.trace.seed import THANH_HA_AREA, last_harvest
from tests.server.conftest import World


def test_the_official_list() -> None:
    assert len(admin_units.provinces()) == 34
    assert admin_units.province("31").name == "Thành phố Hải Phòng"  # type: ignore[union-attr]
    assert not admin_units.is_current_province("30")  # Hải Dương, merged into Hải Phòng
    assert admin_units.commune_in_province("10813", "31")  # Xã Thanh Hà
    assert not admin_units.commune_in_province("10813", "01")
    assert admin_units.commune("10867") is None  # Xã Thanh Sơn: merged, a pre-2025 code
    assert admin_units.place_name("31", "10909") == "Xã Tuệ Tĩnh, Thành phố Hải Phòng"
    found = [c.name for c in admin_units.search_communes("cam giang", "31")]
    assert "Xã Cẩm Giàng" in found  # diacritics optional in the search
    assert all(c.province_code == "31" for c in admin_units.search_communes("", "31", 500))
    with pytest.raises(admin_units.AdminUnitError, match="belongs to province 01"):
        admin_units.check_location("31", "00004")


BAD = [({"province_code": "31", "commune_code": "99999"}, "not a current commune"),
       ({"province_code": "31", "commune_code": "00004"}, "belongs to province 01"),
       ({"province_code": "30", "commune_code": "10813"}, "34 provinces")]


@pytest.mark.parametrize(("codes", "message"), BAD)
def test_bad_codes_refused_nothing_written(world: World, codes: dict[str, str],
                                           message: str) -> None:
    admin, coop = world.auth("admin"), world.auth("lychee_admin")
    orgs, farms = world.count(Organisation), world.count(Farm)
    with Session(world.engine) as s:
        f0, o0 = s.get(Farm, world.farms["lychee"]), s.get(Organisation, world.orgs["lychee"])
        assert f0 is not None and o0 is not None
        before = (f0.province_code, f0.commune_code, o0.province_code, o0.commune_code)
    body = {"name": "HTX Mới", "kind": "htx", **codes}
    r = world.client.post("/api/v1/organisations", json=body, headers=admin)
    assert r.status_code == 422 and message in r.text, r.text
    r = world.client.post("/api/v1/farms", headers=coop, json={
        "name": "Vườn mới", "organisation_id": world.orgs["lychee"], **codes})
    assert r.status_code == 422 and message in r.text, r.text
    farm = world.farms["lychee"]
    r = world.client.patch(f"/api/v1/farms/{farm}", headers=coop, json=codes)
    assert r.status_code == 422 and message in r.text, r.text
    r = world.client.patch(f"/api/v1/organisations/{world.orgs['lychee']}", headers=admin,
                           json=codes)
    assert r.status_code == 422, r.text
    assert (world.count(Organisation), world.count(Farm)) == (orgs, farms)
    with Session(world.engine) as s:
        f, o = s.get(Farm, farm), s.get(Organisation, world.orgs["lychee"])
        assert f is not None and o is not None
        assert (f.province_code, f.commune_code, o.province_code, o.commune_code) == before


def test_good_codes_accepted_legacy_address_free_text(world: World) -> None:
    coop = world.auth("lychee_admin")
    r = world.client.post("/api/v1/farms", headers=coop, json={
        "name": "Vườn Thanh Sơn", "organisation_id": world.orgs["lychee"],
        "province_code": "31", "commune_code": "10813",
        "legacy_address": "xã Thanh Sơn, huyện Thanh Hà, tỉnh Hải Dương (mã xã 10867)"})
    assert r.status_code == 201, r.text
    r = world.client.patch(f"/api/v1/farms/{r.json()['id']}", headers=coop,
                           json={"commune_code": "10909"})  # Xã Tuệ Tĩnh, same city
    assert r.status_code == 200 and r.json()["commune_code"] == "10909"


def test_demo_uses_real_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NONGSO_VAR_DIR", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_demo(engine, devices=0)
    with Session(engine) as s:
        places = {o.name: admin_units.place_name(o.province_code, o.commune_code)
                  for o in s.exec(select(Organisation)).all() if o.commune_code}
        assert set(places.values()) == {"Xã Thanh Hà, Thành phố Hải Phòng",
                                        "Xã Tuệ Tĩnh, Thành phố Hải Phòng"}
        for farm in s.exec(select(Farm)).all():
            admin_units.check_location(farm.province_code, farm.commune_code)
        planting = sorted(c.code for c in s.exec(select(RegistrationCode).where(
            RegistrationCode.kind == CodeKind.planting_area)).all())
    # Pre-2025 codes of the villages: Thanh Sơn (10867, huyện Thanh Hà 294) and Đức Chính
    # (10912, huyện Cẩm Giàng 295), province 30 (Hải Dương).
    assert planting == ["VN-30-294-10867-001-21", "VN-30-295-10912-002-22"]
    assert code_communes(planting[0]) == ["10867"] and "10867" in THANH_HA_AREA
    with Session(engine) as s:  # what the demo's consumer pages claim, and why
        views = {p.crop: build_view(s, lot, p) for lot, p in s.exec(
            select(Lot, Product).where(Lot.product_id == Product.id)).all()}
    lychee, carrot = views["lychee"], views["carrot"]
    assert lychee.harvest_day == last_harvest("lychee", date.today()).date()
    assert lychee.gi is not None and lychee.gi.matched_commune in ("10813", "10867")
    assert carrot.gi is None  # no right, no lychee
    assert [c.cert.kind.value for c in lychee.certificates] == [
        "vietgap", "phytosanitary", "irradiation"]
    phi = {s["product"]: s["phi_respected"] for s in lychee.sprayings}
    assert phi == {"Amistar Top 325SC": True, "Kasumin 2SL": None, "Reasgant 3.6EC": True}
    engine.dispose()
