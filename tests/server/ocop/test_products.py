"""Registering OCOP products: subjects, groups, GTIN links, access."""

from __future__ import annotations

from server.models.ocop import OcopProduct
from tests.server.ocop.conftest import LYCHEE_GTIN, OcopWorld


def _body(ow: OcopWorld, **kw: object) -> dict[str, object]:
    body: dict[str, object] = {"organisation_id": ow.w.orgs["lychee"], "name": "Vải thiều sấy",
                               "subgroup": "fresh-produce"}
    body.update(kw)
    return body


def test_coop_admin_registers_product_group_follows_subgroup(ow: OcopWorld) -> None:
    r = ow.post("/api/v1/ocop/products", "lychee_admin", _body(ow, gtin=LYCHEE_GTIN))
    assert r.status_code == 201, r.text
    p = r.json()
    assert (p["group"], p["group_vi"], p["subgroup_vi"]) == ("food", "Thực phẩm",
                                                             "Rau, củ, quả, hạt tươi")
    assert p["subject_type"] == "HTX" and p["gtin"] == "0" + LYCHEE_GTIN
    assert p["commune_code"] == "10741"  # the subject's commune by default
    r = ow.post("/api/v1/ocop/products", "lychee_admin",
                _body(ow, name="Rượu vải", subgroup="other-alcoholic"))
    assert r.json()["group"] == "beverages"
    # visible to its co-op, to evaluators of the province and to admins only
    assert len(ow.client.get("/api/v1/ocop/products", headers=ow.h("lychee_farmer")).json()) == 2
    assert ow.client.get("/api/v1/ocop/products", headers=ow.h("carrot_admin")).json() == []
    assert len(ow.client.get("/api/v1/ocop/products", headers=ow.h("ev1")).json()) == 2
    assert ow.client.get("/api/v1/ocop/products", headers=ow.h("ev_hn")).json() == []
    # lychee wine is evaluated on the set-15 sheet (issue 19)
    pid = r.json()["id"]
    r = ow.post(f"/api/v1/ocop/products/{pid}/dossiers", "lychee_admin")
    assert r.status_code == 201 and r.json()["criteria_set"] == "qd148-2023/other-alcoholic"
    # lychee-flower tea is evaluated on the set-12 sheet "trà từ thực vật khác"
    r = ow.post("/api/v1/ocop/products", "lychee_admin",
                _body(ow, name="Trà hoa vải", subgroup="herbal-tea"))
    r = ow.post(f"/api/v1/ocop/products/{r.json()['id']}/dossiers", "lychee_admin")
    assert r.status_code == 201 and r.json()["criteria_set"] == "qd148-2023/herbal-tea"
    # no criteria set for coffee and cocoa: registering works, evaluation cannot start
    r = ow.post("/api/v1/ocop/products", "lychee_admin",
                _body(ow, name="Cà phê rang xay", subgroup="coffee-cocoa"))
    r = ow.post(f"/api/v1/ocop/products/{r.json()['id']}/dossiers", "lychee_admin")
    assert r.status_code == 422 and "bộ tiêu chí" in r.json()["detail"]


def test_bad_products_refused_and_nothing_written(ow: OcopWorld) -> None:
    cases = [
        ("lychee_farmer", _body(ow), 403),
        ("carrot_admin", _body(ow), 403),  # not their organisation
        ("ev1", _body(ow), 403),
        ("lychee_admin", _body(ow, gtin="8930000000010"), 422),  # wrong check digit
        ("lychee_admin", _body(ow, gtin="89300000000x9"), 422),
        ("lychee_admin", _body(ow, subgroup="lychee"), 422),
        ("lychee_admin", _body(ow, name="x"), 422),
        ("lychee_admin", _body(ow, commune_code="123"), 422),
        ("lychee_admin", _body(ow, organisation_id=999), 404),
        ("admin", _body(ow, organisation_id=ow.w.orgs["hp"]), 422),  # authority: no subject
    ]
    for login, body, status in cases:
        r = ow.post("/api/v1/ocop/products", login, body)
        assert r.status_code == status, (login, body, r.text)
    assert ow.count(OcopProduct) == 0
    assert ow.post("/api/v1/ocop/products", "admin", _body(ow, gtin=LYCHEE_GTIN)).status_code == 201
    r = ow.post("/api/v1/ocop/products", "carrot_admin",
                _body(ow, organisation_id=ow.w.orgs["carrot"], gtin="0" + LYCHEE_GTIN))
    assert r.status_code == 409  # the GTIN is already an OCOP product's
    r = ow.post("/api/v1/ocop/products", "lychee_admin", _body(ow))
    assert r.status_code == 409  # same name twice
    assert ow.count(OcopProduct) == 1
