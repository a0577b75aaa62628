from __future__ import annotations

import pytest

from server.models import Farm, Organisation, Zone
from tests.server.conftest import World

ORG = {"name": "HTX Nông nghiệp Tuệ Tĩnh", "kind": "htx", "province_code": "31",
       "commune_code": "10573", "legacy_address": "xã Đức Chính, huyện Cẩm Giàng, tỉnh Hải Dương"}


def farm_body(world: World, org: str = "lychee", **kw: object) -> dict[str, object]:
    body: dict[str, object] = {"name": "Vườn vải Thanh Sơn 2", "organisation_id": world.orgs[org],
                               "province_code": "31", "commune_code": "10813"}
    body.update(kw)
    return body


def test_admin_creates_organisation_others_cannot(world: World) -> None:
    r = world.client.post("/api/v1/organisations", json=ORG, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    assert r.json()["legacy_address"].startswith("xã Đức Chính")
    before = world.count(Organisation)
    r = world.client.post("/api/v1/organisations", json=ORG, headers=world.auth("lychee_admin"))
    assert r.status_code == 403
    assert world.count(Organisation) == before


def test_lists_show_only_own_organisation(world: World) -> None:
    h = world.auth("carrot_farmer")
    orgs = world.client.get("/api/v1/organisations", headers=h).json()
    assert [o["id"] for o in orgs] == [world.orgs["carrot"]]
    farms = world.client.get("/api/v1/farms", headers=h).json()
    assert [f["id"] for f in farms] == [world.farms["carrot"]]
    zones = world.client.get("/api/v1/zones", headers=h).json()
    assert [z["id"] for z in zones] == [world.zones["carrot"]]
    assert len(world.client.get("/api/v1/zones", headers=world.auth("admin")).json()) == 2


@pytest.mark.parametrize("path", ["/api/v1/organisations/{org}",
                                  "/api/v1/organisations/{org}/members",
                                  "/api/v1/farms?organisation_id={org}"])
def test_other_organisation_named_explicitly_is_403(world: World, path: str) -> None:
    url = path.format(org=world.orgs["lychee"])
    assert world.client.get(url, headers=world.auth("carrot_admin")).status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/farms/{id}", "/api/v1/zones/{id}",
                                  "/api/v1/zones?farm_id={id}"])
def test_other_coops_objects_answer_404_like_missing_ones(world: World, path: str) -> None:
    """Issue 15.12: 403 vs 404 told a co-op which ids exist elsewhere; now it cannot."""
    kind = "zone" if path.startswith("/api/v1/zones/") else "farm"
    theirs = (world.zones if kind == "zone" else world.farms)["lychee"]
    h = world.auth("carrot_admin")
    other = world.client.get(path.format(id=theirs), headers=h)
    missing = world.client.get(path.format(id=987654), headers=h)
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"].replace(str(theirs), "N") == \
        missing.json()["detail"].replace("987654", "N")
    assert "lychee" not in other.text


def test_farm_and_zone_lifecycle_by_coop_admin(world: World) -> None:
    h = world.auth("lychee_admin")
    r = world.client.post("/api/v1/farms", json=farm_body(world), headers=h)
    assert r.status_code == 201, r.text
    farm_id = r.json()["id"]
    r = world.client.post("/api/v1/zones", json={"farm_id": farm_id, "name": "Khu 4",
                                                 "crop": "lychee", "area_m2": 1200}, headers=h)
    assert r.status_code == 201, r.text
    zone_id = r.json()["id"]
    r = world.client.patch(f"/api/v1/zones/{zone_id}", json={"area_m2": 1500}, headers=h)
    assert r.status_code == 200 and r.json()["area_m2"] == 1500
    r = world.client.patch(f"/api/v1/farms/{farm_id}", json={"name": "Vườn đổi tên"}, headers=h)
    assert r.json()["name"] == "Vườn đổi tên"
    assert world.client.delete(f"/api/v1/farms/{farm_id}", headers=h).status_code == 204
    assert world.client.get(f"/api/v1/zones/{zone_id}", headers=h).status_code == 404


def test_farmer_reads_but_cannot_write(world: World) -> None:
    h = world.auth("lychee_farmer")
    assert world.client.get(f"/api/v1/farms/{world.farms['lychee']}", headers=h).status_code == 200
    before = world.count(Farm)
    r = world.client.post("/api/v1/farms", json=farm_body(world), headers=h)
    assert r.status_code == 403 and "coop_admin" in r.json()["detail"]
    r = world.client.patch(f"/api/v1/zones/{world.zones['lychee']}", json={"name": "x"}, headers=h)
    assert r.status_code == 403
    assert world.count(Farm) == before


def test_coop_admin_cannot_write_into_other_coop(world: World) -> None:
    h = world.auth("carrot_admin")
    before = (world.count(Farm), world.count(Zone))
    assert world.client.post("/api/v1/farms", json=farm_body(world, "lychee"),
                             headers=h).status_code == 403
    assert world.client.post("/api/v1/zones", json={"farm_id": world.farms["lychee"], "name": "x",
                                                    "crop": "lychee", "area_m2": 5},
                             headers=h).status_code == 404
    assert world.client.delete(f"/api/v1/zones/{world.zones['lychee']}",
                               headers=h).status_code == 404
    assert (world.count(Farm), world.count(Zone)) == before


@pytest.mark.parametrize("change,field", [
    ({"name": None}, "name"),
    ({"province_code": "031"}, "province_code"),
    ({"commune_code": "1074"}, "commune_code"),
    ({"name": "x" * 201}, "name"),
    ({"latitude": "north"}, "latitude"),
    ({"latitude": 91}, "latitude"),
    ({"organisation_id": "abc"}, "organisation_id"),
])
def test_bad_farm_input_is_422_with_message_and_writes_nothing(world: World, change: dict[str, object],
                                                               field: str) -> None:
    h = world.auth("lychee_admin")
    body = farm_body(world, **change)
    if change.get("name", "") is None:
        del body["name"]
    before = world.count(Farm)
    r = world.client.post("/api/v1/farms", json=body, headers=h)
    assert r.status_code == 422
    j = r.json()
    assert j["code"] == "invalid" and field in j["detail"]
    assert any(e["field"] == field for e in j["errors"])
    assert world.count(Farm) == before


def test_unknown_ids_are_404(world: World) -> None:
    h = world.auth("admin")
    assert world.client.get("/api/v1/farms/999999", headers=h).status_code == 404
    r = world.client.post("/api/v1/farms", json=farm_body(world, organisation_id=424242), headers=h)
    assert r.status_code == 404 and "424242" in r.json()["detail"]
    r = world.client.post("/api/v1/zones", json={"farm_id": 31337, "name": "x", "crop": "lychee",
                                                 "area_m2": 5}, headers=h)
    assert r.status_code == 404
    r = world.client.post(f"/api/v1/organisations/{world.orgs['lychee']}/members",
                          json={"user_id": 5555, "role": "farmer"}, headers=h)
    assert r.status_code == 404


def test_membership_duplicate_is_409(world: World) -> None:
    h = world.auth("admin")
    r = world.client.post(f"/api/v1/organisations/{world.orgs['lychee']}/members",
                          json={"user_id": world.users["lychee_farmer"], "role": "farmer"}, headers=h)
    assert r.status_code == 409


def test_crud_on_postgresql(pg_world: World) -> None:
    h = pg_world.auth("lychee_admin")
    r = pg_world.client.post("/api/v1/farms", json=farm_body(pg_world, name="Vườn Hà Đông"),
                             headers=h)
    assert r.status_code == 201, r.text
    r = pg_world.client.post("/api/v1/farms", json=farm_body(pg_world, name="y" * 500), headers=h)
    assert r.status_code == 422
    assert pg_world.client.get(f"/api/v1/farms/{pg_world.farms['carrot']}",
                               headers=h).status_code == 404
