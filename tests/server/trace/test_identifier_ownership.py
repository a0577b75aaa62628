"""Issue 15 item 11: ownership of identifiers.

GTINs belong to the organisation holding their GS1 company prefix (or, under no recorded
prefix, to the first organisation using them); every id a trace or OCOP write names must be
the caller's organisation's — another co-op's object is refused like a missing one (404) and
nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, delete

from server.models.gs1 import Gs1CompanyPrefix, clean_company_prefix
from server.models.ocop import OcopCertificate, OcopNotification, OcopProduct
from server.models.trace import (
    Certificate,
    DiaryEntry,
    EventLot,
    Location,
    Lot,
    LotLink,
    Product,
    RegistrationCode,
    TraceEvent,
)
from server.ocop_workflow.catalogue import current_stars
from tests.server.conftest import World
from tests.server.trace.conftest import Trace, gtin

LYCHEE_PREFIX = "8934602001"  # the lychee co-op's test company prefix (10 digits)
CARROT_BODY = "893460200206"
WRITTEN: tuple[type[SQLModel], ...] = (
    Product, Location, RegistrationCode, Lot, TraceEvent, EventLot, LotLink, Certificate,
    DiaryEntry, OcopProduct, Gs1CompanyPrefix)


def _counts(world: World) -> dict[str, int]:
    return {model.__name__: world.count(model) for model in WRITTEN}


# --------------------------------------------------------------------- company prefixes


def test_company_prefix_rules() -> None:
    assert clean_company_prefix(" 893460 ") == "893460"
    for bad in ("89346", "8934602001234", "89346O2", "200123456", "978123456", "১২৩৪৫৬৭"):
        with pytest.raises(ValueError):
            clean_company_prefix(bad)


def test_gs1_prefixes_are_managed_by_the_platform_admin(trace: Trace, world: World) -> None:
    org = world.orgs["lychee"]
    path = f"/organisations/{org}/gs1-prefixes"
    trace.post(path, {"prefix": LYCHEE_PREFIX}, who="lychee_admin", status=403)
    trace.post(path, {"prefix": "2001234"}, who="admin", status=422)  # restricted circulation
    row = trace.post(path, {"prefix": LYCHEE_PREFIX}, who="admin")
    assert row["organisation_id"] == org and row["prefix"] == LYCHEE_PREFIX
    assert [p["prefix"] for p in trace.get(path)] == [LYCHEE_PREFIX]
    other = f"/organisations/{world.orgs['carrot']}/gs1-prefixes"
    for nested in (LYCHEE_PREFIX, LYCHEE_PREFIX[:7], LYCHEE_PREFIX + "5"):
        trace.post(other, {"prefix": nested}, who="admin", status=409)
    # The carrot co-op already uses a GTIN under 8934602002: the prefix cannot go to lychee.
    trace.product("carrot", CARROT_BODY, "Cà rốt")
    trace.post(path, {"prefix": "8934602002"}, who="admin", status=409)
    assert world.count(Gs1CompanyPrefix) == 1
    r = world.client.delete(f"/api/v1{path}/{LYCHEE_PREFIX}", headers=trace.headers("admin"))
    assert r.status_code == 204 and world.count(Gs1CompanyPrefix) == 0


def test_gtin_under_another_coops_prefix_is_refused(trace: Trace, world: World) -> None:
    trace.post(f"/organisations/{world.orgs['lychee']}/gs1-prefixes", {"prefix": LYCHEE_PREFIX},
               who="admin")
    code = gtin("893460200107")
    before = _counts(world)
    r = world.client.post("/api/v1/products", headers=trace.headers("carrot_admin"), json={
        "organisation_id": world.orgs["carrot"], "name": "Vải giả", "gtin": code})
    assert r.status_code == 409 and r.json()["code"] == "gtin_not_owned", r.text
    r = world.client.post("/api/v1/ocop/products", headers=trace.headers("carrot_admin"), json={
        "organisation_id": world.orgs["carrot"], "name": "Vải giả", "subgroup": "fresh-produce",
        "gtin": code})
    assert r.status_code == 409 and r.json()["code"] == "gtin_not_owned", r.text
    assert _counts(world) == before
    trace.product("lychee", "893460200107")  # the holder may
    r = world.client.post("/api/v1/ocop/products", headers=trace.headers("lychee_admin"), json={
        "organisation_id": world.orgs["lychee"], "name": "Vải thiều", "subgroup": "fresh-produce",
        "gtin": code})
    assert r.status_code == 201, r.text


def test_ocop_product_cannot_take_another_coops_gtin(trace: Trace, world: World) -> None:
    """No prefix recorded: the first organisation using a GTIN keeps it, so another co-op
    cannot register it as its OCOP product and show its stars on the other's stamps."""
    product = trace.product("lychee", "893460200107")
    r = world.client.post("/api/v1/ocop/products", headers=trace.headers("carrot_admin"), json={
        "organisation_id": world.orgs["carrot"], "name": "Vải thiều", "subgroup": "fresh-produce",
        "gtin": product["gtin"]})
    assert r.status_code == 409 and r.json()["code"] == "gtin_not_owned", r.text
    assert world.count(OcopProduct) == 0


def test_stars_show_only_for_the_stamped_products_organisation(trace: Trace,
                                                             world: World) -> None:
    """Defence in depth for data older than the checks: another co-op's OCOP certificate on
    the stamped product's GTIN puts no stars on its stamps."""
    product = trace.product("lychee", "893460200107")
    today = date.today()
    with Session(world.engine) as s:
        ocop = OcopProduct(organisation_id=world.orgs["carrot"], name="Vải", gtin=product["gtin"],
                           subgroup="fresh-produce", product_group="food")
        s.add(ocop)
        s.flush()
        assert ocop.id is not None
        s.add(OcopCertificate(number="T-1", product_id=ocop.id, stars=5, total=95, level="central",
                              criteria_set="qd148-2023/fresh-produce", issued_on=today,
                              expires_on=today + timedelta(days=1000)))
        s.commit()
        assert current_stars(s, product["gtin"], today) is None
        s.exec(delete(Product))
        s.commit()
        assert current_stars(s, product["gtin"], today) == 5  # no stamped product: its own


# --------------------------------------------------------------------- tenancy of ids


@dataclass
class Objects:
    lychee: dict[str, int]
    carrot: dict[str, int]


@pytest.fixture
def objects(trace: Trace, world: World) -> Objects:
    """Each co-op's product, lots, packing house, notification, OCOP products and dossier."""
    out: dict[str, dict[str, int]] = {}
    for org, body in (("lychee", "893460200107"), ("carrot", CARROT_BODY)):
        admin = f"{org}_admin"
        product = trace.product(org, body, f"Sản phẩm {org}")
        lot = trace.lot(product, f"{org[:2].upper()}1", zone=org, org=org)
        lot2 = trace.lot(product, f"{org[:2].upper()}2", zone=org, org=org)
        house = trace.post("/locations", {
            "organisation_id": world.orgs[org], "name": f"Nhà đóng gói {org}",
            "kind": "packing_house", "farm_id": world.farms[org]}, who=admin)
        ocop = [trace.post("/ocop/products", {
            "organisation_id": world.orgs[org], "name": f"OCOP {org} {i}",
            "subgroup": "fresh-produce", "gtin": product["gtin"] if i == 1 else None},
            who=admin)["id"] for i in (1, 2)]
        dossier = trace.post(f"/ocop/products/{ocop[0]}/dossiers", None, who=admin)
        with Session(world.engine) as s:
            note = OcopNotification(key=f"test:{org}", organisation_id=world.orgs[org],
                                    kind="test", message="Thông báo", due_on=date.today())
            s.add(note)
            s.commit()
            assert note.id is not None
            out[org] = {"product": product["id"], "lot": lot["id"], "lot2": lot2["id"],
                        "location": house["id"], "farm": world.farms[org],
                        "zone": world.zones[org], "org": world.orgs[org], "note": note.id,
                        "gtin": int(product["gtin"]), "ocop_product": ocop[1],
                        "dossier": dossier["id"]}
    return Objects(out["lychee"], out["carrot"])


def _code(**refs: Any) -> dict[str, Any]:
    return {"kind": "planting_area", "code": "VN-30-999-001", "authority": "Cục Bảo vệ thực vật",
            "issued_on": "2024-01-01", **refs}


def _cert(**refs: Any) -> dict[str, Any]:
    return {"kind": "vietgap", "number": "VG-1", "issuer": "Trung tâm", "valid_from": "2024-01-01",
            **refs}


def _new_out(product: int) -> dict[str, Any]:
    return {"code": "NEW1", "product_id": product, "quantity": 10}


@dataclass(frozen=True)
class Case:
    """A write by the carrot co-op's admin: ``path`` is formatted with the ids of ``target``
    (the other co-op's objects, then the caller's own), ``body`` built from (own, target)."""

    path: str
    body: Any = None
    method: str = "POST"
    form: bool = False
    files: bool = False
    #: What the same request on the caller's own objects answers (never 404).
    own_status: int = 201


PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64
CASES: dict[str, Case] = {
    "location.farm": Case("/locations", lambda m, t: {
        "organisation_id": m["org"], "name": "Kho", "kind": "warehouse", "farm_id": t["farm"]}),
    "code.farm": Case("/registration-codes", lambda m, t: _code(organisation_id=m["org"],
                                                                farm_id=t["farm"])),
    "code.zone": Case("/registration-codes", lambda m, t: _code(organisation_id=m["org"],
                                                                zone_id=t["zone"])),
    "code.location": Case("/registration-codes", lambda m, t: _code(
        organisation_id=m["org"], kind="packing_house", location_id=t["location"])),
    "certificate.farm": Case("/certificates", lambda m, t: _cert(
        organisation_id=m["org"], subject="farm", farm_id=t["farm"]), form=True),
    "certificate.lot": Case("/certificates", lambda m, t: _cert(
        organisation_id=m["org"], subject="lot", lot_id=t["lot"]), form=True),
    "lot.product": Case("/lots", lambda m, t: {"code": "X1", "product_id": t["product"],
                                              "quantity": 5}),
    "lot.zone": Case("/lots", lambda m, t: {"code": "X1", "product_id": m["product"],
                                           "quantity": 5, "zone_id": t["zone"]}),
    "event.lot": Case("/lots/{lot}/events", lambda m, t: {"kind": "inspect"}),
    "event.location": Case("/lots/{own_lot}/events", lambda m, t: {
        "kind": "inspect", "location_id": t["location"]}),
    "diary.zone": Case("/zones/{zone}/diary", lambda m, t: {
        "kind": "spraying", "performed_at": "2025-05-01T07:00:00+07:00",
        "product_name": "Reasgant 3.6EC", "phi_days": 7}),
    "photo.product": Case("/products/{product}/photo", None, method="PUT", files=True,
                          own_status=422),  # own: refused for being no real image
    "transform.input": Case("/lots/transform", lambda m, t: {
        "inputs": [{"lot_id": t["lot"], "quantity": 1}], "outputs": [_new_out(m["product"])]}),
    "transform.second_input": Case("/lots/transform", lambda m, t: {
        "inputs": [{"lot_id": m["lot"], "quantity": 1}, {"lot_id": t["lot2"], "quantity": 1}],
        "outputs": [_new_out(m["product"])]}),
    "transform.output_lot": Case("/lots/transform", lambda m, t: {
        "inputs": [{"lot_id": m["lot"], "quantity": 1}],
        "outputs": [{"lot_id": t["lot2"], "quantity": 1}]}),
    "transform.output_product": Case("/lots/transform", lambda m, t: {
        "inputs": [{"lot_id": m["lot"], "quantity": 1}], "outputs": [_new_out(t["product"])]}),
    "transform.location": Case("/lots/transform", lambda m, t: {
        "inputs": [{"lot_id": m["lot"], "quantity": 1}], "outputs": [_new_out(m["product"])],
        "location_id": t["location"]}),
    "ocop.dossier": Case("/ocop/products/{ocop_product}/dossiers"),
    "ocop.self_assessment": Case("/ocop/dossiers/{dossier}/self-assessment",
                                 lambda m, t: {"answers": {}}, method="PUT", own_status=200),
    "ocop.document": Case("/ocop/dossiers/{dossier}/documents", None, files=True),
    "ocop.submit": Case("/ocop/dossiers/{dossier}/submit", own_status=422),  # own: incomplete
    "ocop.notification": Case("/ocop/notifications/{note}/read", own_status=204),
}


def _send(world: World, headers: dict[str, str], case: Case, mine: dict[str, int],
          target: dict[str, int]) -> Any:
    path = "/api/v1" + case.path.format(own_lot=mine["lot"], **target)
    body = case.body(mine, target) if case.body else None
    if case.form:
        return world.client.request(case.method, path, headers=headers,
                                    data={k: str(v) for k, v in body.items()})
    if case.files:
        name = "photo" if "photo" in path else "file"
        return world.client.request(case.method, path, headers=headers,
                                    files={name: ("x.png", PNG[:20], "image/png")})
    return world.client.request(case.method, path, headers=headers, json=body)


@pytest.mark.parametrize("case", sorted(CASES))
def test_write_naming_another_coops_object_is_refused(case: str, trace: Trace, world: World,
                                                      objects: Objects) -> None:
    spec, mine, theirs = CASES[case], objects.carrot, objects.lychee
    headers = trace.headers("carrot_admin")
    before = _counts(world)
    r = _send(world, headers, spec, mine, theirs)
    assert r.status_code == 404, (case, r.status_code, r.text)
    assert _counts(world) == before
    with Session(world.engine) as s:
        note = s.get(OcopNotification, theirs["note"])
        assert note is not None and note.read_at is None
    # The same request on the caller's own objects is not refused as missing: the refusal was
    # the tenancy check (the same lot twice is refused for its own reason).
    if case != "transform.second_input":
        r = _send(world, headers, spec, mine, mine)
        assert r.status_code == spec.own_status, (case, r.status_code, r.text)


def test_shipping_another_coops_cartons_is_refused(trace: Trace, world: World,
                                                  objects: Objects) -> None:
    """The packing-house ship form: another co-op's carton reads as an unknown code."""
    code = f"https://id.gs1.org/01/{objects.lychee['gtin']:014d}/10/LY1"
    before = world.count(TraceEvent)
    r = world.client.post("/trace/ship", data={"codes": code},
                          headers=trace.headers("carrot_admin"))
    assert r.status_code == 422 and world.count(TraceEvent) == before
    r = world.client.post("/trace/ship", data={"codes": code},
                          headers=trace.headers("lychee_admin"), follow_redirects=False)
    assert r.status_code == 303 and world.count(TraceEvent) == before + 1
