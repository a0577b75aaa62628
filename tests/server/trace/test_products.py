"""Products (GTIN under 893), locations (GLN), registration codes as issued, access rules."""

from __future__ import annotations

from server.models.trace import Product, RegistrationCode
from tests.server.conftest import World
from tests.server.trace.conftest import Trace, gtin


def test_product_gtin_validated_and_normalised(trace: Trace, world: World) -> None:
    p = trace.product()
    assert p["gtin"] == "0" + gtin()  # stored as GTIN-14
    bad_check = gtin()[:-1] + str((int(gtin()[-1]) + 1) % 10)
    org = world.orgs["lychee"]
    for code in (bad_check, "4006381333931", "893460200107", "89346020010A8"):
        # wrong check digit; a valid German GTIN (prefix 400); too short; not digits
        trace.post("/products", {"organisation_id": org, "name": "Vải", "gtin": code},
                   status=422)
    trace.post("/products", {"organisation_id": org, "name": "Vải", "gtin": gtin()}, status=409)
    assert world.count(Product) == 1


def test_products_visible_to_members_only(trace: Trace, world: World) -> None:
    p = trace.product()
    assert [x["id"] for x in trace.get("/products", who="lychee_farmer")] == [p["id"]]
    assert trace.get("/products", who="carrot_admin") == []
    trace.get(f"/products/{p['id']}", who="carrot_farmer", status=404)
    trace.get(f"/products?org_id={world.orgs['lychee']}", who="carrot_admin", status=403)
    # a farmer cannot create products; another org's admin cannot create for this org
    body = {"organisation_id": world.orgs["lychee"], "name": "Vải", "gtin": gtin("893460200108")}
    trace.post("/products", body, who="lychee_farmer", status=403)
    trace.post("/products", body, who="carrot_admin", status=403)


def test_location_gln_checked(trace: Trace, world: World) -> None:
    org = world.orgs["lychee"]
    # 0614141000005 is a GLN published in GS1 examples (check digit 5)
    loc = trace.post("/locations", {"organisation_id": org, "name": "Nhà đóng gói",
                                    "kind": "packing_house", "gln": "0614141000005"})
    assert loc["gln"] == "0614141000005"
    trace.post("/locations", {"organisation_id": org, "name": "Kho", "kind": "warehouse",
                              "gln": "0614141000006"}, status=422)


def test_planting_area_code_stored_as_issued(trace: Trace, world: World) -> None:
    org = world.orgs["lychee"]
    issued = "VN-30-07-13-001-21"  # embeds the abolished district code: kept verbatim
    row = trace.post("/registration-codes", {
        "organisation_id": org, "kind": "planting_area", "code": issued,
        "authority": "Cục Bảo vệ thực vật", "issued_on": "2021-05-10", "status": "active",
        "zone_id": world.zones["lychee"]})
    assert row["code"] == issued and row["status"] == "active"
    trace.post("/registration-codes", {
        "organisation_id": org, "kind": "planting_area", "code": issued,
        "authority": "Cục Bảo vệ thực vật", "issued_on": "2021-05-10"}, status=409)
    trace.post("/registration-codes", {
        "organisation_id": world.orgs["carrot"], "kind": "packing_house", "code": "VN-X",
        "authority": "Cục BVTV", "issued_on": "2021-05-10"}, status=403)
    trace.post("/registration-codes", {
        "organisation_id": org, "kind": "planting_area", "code": "VN-30-07-13-002-21",
        "authority": "Cục BVTV", "issued_on": "2021-05-10",
        "zone_id": world.zones["carrot"]}, status=404)  # another co-op's zone: as if missing
    assert world.count(RegistrationCode) == 1
    assert trace.get("/registration-codes", who="carrot_admin") == []
