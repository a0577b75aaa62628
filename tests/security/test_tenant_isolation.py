"""Tenant isolation on EVERY route, generated from the route table.

The lychee co-op owns one of everything (farm, zone, device, product, lot, stamps, OCOP
product/dossier/document/certificate, alert, notification, ...); their names carry the
marker ``VICTIM``. The carrot co-op's admin (another organisation, the most powerful
outsider short of a platform admin) calls every non-public route with the lychee objects'
ids in the path and — for writes — a body generated from the OpenAPI schema that points at
lychee objects. Each route needs a rule in ``RULES``:

* ``hide``  – an object found by id: 404 exactly like a missing one (issue 15.12: a 403
              told the caller which ids exist in other co-ops), nothing shown;
* ``deny``  – refused: 403 or 404, and the response never shows a lychee object (403 where
              the request names the lychee organisation itself, or the route's package still
              answers 403 for others' objects);
* ``list``  – answered (2xx) but without any lychee object (an empty or own-only list);
* ``own``   – acts on the caller's own things only (``/auth/me``, logout, criteria, an
              EPCIS capture naming lychee EPCs is stored for the caller and linked to no
              lychee lot): 2xx/3xx and no lychee object in the answer.

Reads run first (on the pristine state), then writes, then logouts.

A route without a rule fails the test: "new route without a rule".
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from server import models as m
from server.models.irrigation import Alert
from server.models.ocop import OcopDocument, OcopNotification
from server.models.org import Invitation
from server.models.trace import Certificate, CertificateKind, CertificateSubject, Location, LocationKind
from server.public import is_public
from server.routes import iter_routes
from server.telemetry.credentials import add_device, make_claims
from tests.server.ocop.conftest import OcopWorld
from tests.server.stamps.conftest import issue, make_lot

MARK = "VICTIM"
D, L, OWN, H = "deny", "list", "own", "hide"

#: (method, path template) → expected result for another organisation's admin.
RULES: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/auth/logout"): OWN, ("GET", "/api/v1/auth/me"): OWN,
    ("POST", "/api/v1/auth/logout-all"): OWN,
    ("GET", "/api/v1/invitations"): L, ("POST", "/api/v1/invitations/{invitation_id}/accept"): H,
    ("POST", "/api/v1/invitations/{invitation_id}/decline"): H,
    ("GET", "/api/v1/organisations/{org_id}/invitations"): D,
    ("POST", "/api/v1/organisations/{org_id}/invitations"): D,
    ("POST", "/api/v1/organisations/{org_id}/invitations/{invitation_id}/withdraw"): D,
    ("DELETE", "/api/v1/organisations/{org_id}/members/{user_id}"): D,
    ("GET", "/api/v1/organisations/{org_id}/gs1-prefixes"): D,
    ("POST", "/api/v1/organisations/{org_id}/gs1-prefixes"): D,
    ("DELETE", "/api/v1/organisations/{org_id}/gs1-prefixes/{prefix}"): D,
    ("GET", "/api/v1/organisations"): L, ("POST", "/api/v1/organisations"): D,
    ("GET", "/api/v1/organisations/{org_id}"): D, ("PATCH", "/api/v1/organisations/{org_id}"): D,
    ("GET", "/api/v1/organisations/{org_id}/members"): D,
    ("POST", "/api/v1/organisations/{org_id}/members"): D,
    ("GET", "/api/v1/farms"): L, ("POST", "/api/v1/farms"): D,
    ("GET", "/api/v1/farms/{farm_id}"): H, ("PATCH", "/api/v1/farms/{farm_id}"): H,
    ("DELETE", "/api/v1/farms/{farm_id}"): H,
    ("GET", "/api/v1/zones"): L, ("POST", "/api/v1/zones"): H,
    ("GET", "/api/v1/zones/{zone_id}"): H, ("PATCH", "/api/v1/zones/{zone_id}"): H,
    ("DELETE", "/api/v1/zones/{zone_id}"): H,
    ("POST", "/api/v1/zones/{zone_id}/devices"): H, ("GET", "/api/v1/zones/{zone_id}/devices"): H,
    ("GET", "/api/v1/devices/{device_id}"): H, ("POST", "/api/v1/devices/{device_id}/rotate"): H,
    ("POST", "/api/v1/devices/{device_id}/revoke"): H,
    ("GET", "/api/v1/devices/{device_id}/gaps"): H,
    ("POST", "/api/v1/organisations/{org_id}/device-claims"): D,
    ("POST", "/api/v1/device-claims/claim"): D,
    ("GET", "/api/v1/zones/{zone_id}/readings"): H, ("GET", "/api/v1/devices/{device_id}/readings"): H,
    ("GET", "/api/v1/zones/{zone_id}/readings.csv"): H,
    ("GET", "/api/v1/devices/{device_id}/readings.csv"): H,
    ("GET", "/api/v1/zones/{zone_id}/latest"): H, ("GET", "/api/v1/dead-letters"): D,
    ("GET", "/api/v1/lots"): L, ("POST", "/api/v1/lots"): D, ("GET", "/api/v1/lots/lookup"): D,
    ("GET", "/api/v1/lots/blocked"): D, ("GET", "/api/v1/lots/{lot_id}"): H,
    ("POST", "/api/v1/lots/{lot_id}/events"): H, ("POST", "/api/v1/lots/transform"): D,
    ("GET", "/api/v1/lots/{lot_id}/timeline"): H, ("GET", "/api/v1/lots/{lot_id}/lineage"): H,
    ("GET", "/api/v1/lots/{lot_id}/epcis"): H, ("GET", "/api/v1/lots/{lot_id}/flags"): H,
    ("POST", "/api/v1/lots/{lot_id}/override"): D, ("POST", "/api/v1/epcis/capture"): OWN,
    ("GET", "/api/v1/epcis/events"): L,
    ("GET", "/api/v1/products"): L, ("POST", "/api/v1/products"): D,
    ("GET", "/api/v1/products/{product_id}"): H,
    ("PUT", "/api/v1/products/{product_id}/photo"): H,
    ("GET", "/api/v1/stamp-batches/{batch_id}/stamps.zip"): D,
    ("GET", "/api/v1/stamps/{serial}/qr.{fmt}"): D,
    ("DELETE", "/api/v1/products/{product_id}/photo"): H,
    ("GET", "/api/v1/locations"): L, ("POST", "/api/v1/locations"): D,
    ("GET", "/api/v1/registration-codes"): L, ("POST", "/api/v1/registration-codes"): D,
    ("GET", "/api/v1/zones/{zone_id}/diary"): H, ("POST", "/api/v1/zones/{zone_id}/diary"): H,
    ("GET", "/api/v1/zones/{zone_id}/irrigation"): H, ("GET", "/api/v1/lots/{lot_id}/diary"): H,
    ("GET", "/api/v1/certificates"): L, ("POST", "/api/v1/certificates"): D,
    ("GET", "/api/v1/certificates/{cert_id}/document"): D,
    ("GET", "/api/v1/ocop/criteria"): OWN, ("GET", "/api/v1/ocop/products"): L,
    ("POST", "/api/v1/ocop/products"): D, ("GET", "/api/v1/ocop/products/{product_id}"): H,
    ("POST", "/api/v1/ocop/products/{product_id}/dossiers"): H, ("GET", "/api/v1/ocop/dossiers"): L,
    ("GET", "/api/v1/ocop/dossiers/{dossier_id}"): H,
    ("PUT", "/api/v1/ocop/dossiers/{dossier_id}/self-assessment"): H,
    ("POST", "/api/v1/ocop/dossiers/{dossier_id}/documents"): H,
    ("GET", "/api/v1/ocop/dossiers/{dossier_id}/documents/{document_id}"): H,
    ("POST", "/api/v1/ocop/dossiers/{dossier_id}/submit"): H,
    ("POST", "/api/v1/ocop/dossiers/{dossier_id}/precheck"): H,
    ("POST", "/api/v1/ocop/dossiers/{dossier_id}/return"): H,
    ("POST", "/api/v1/ocop/dossiers/{dossier_id}/resubmit"): H,
    ("PUT", "/api/v1/ocop/dossiers/{dossier_id}/scores"): H,
    ("POST", "/api/v1/ocop/dossiers/{dossier_id}/close"): H,
    ("POST", "/api/v1/ocop/dossiers/{dossier_id}/certify"): H,
    ("GET", "/api/v1/ocop/certificates/{certificate_id}"): H,
    ("POST", "/api/v1/ocop/certificates/{certificate_id}/revoke"): H,
    ("GET", "/api/v1/ocop/notifications"): L,
    ("POST", "/api/v1/ocop/notifications/{notification_id}/read"): D,
    ("POST", "/api/v1/lots/{lot_id}/stamps"): D,
    ("GET", "/api/v1/stamp-batches/{batch_id}/stamps.pdf"): D,
    ("GET", "/api/v1/stamp-batches/{batch_id}/stamps.csv"): D,
    ("POST", "/api/v1/stamps/{serial}/revoke"): D, ("POST", "/api/v1/stamps/{serial}/clone-review"): D,
    ("POST", "/api/v1/stamps/{serial}/pin-reset"): D, ("POST", "/api/v1/lots/{lot_id}/recall"): D,
    ("GET", "/api/v1/irrigation/profiles"): OWN,
    ("GET", "/api/v1/zones/{zone_id}/irrigation/status"): H,
    ("PUT", "/api/v1/zones/{zone_id}/irrigation/settings"): H,
    ("POST", "/api/v1/zones/{zone_id}/irrigation/water"): H,
    ("POST", "/api/v1/zones/{zone_id}/irrigation/stop"): H,
    ("GET", "/api/v1/zones/{zone_id}/irrigation/log"): H,
    ("GET", "/api/v1/zones/{zone_id}/irrigation/commands"): H,
    ("GET", "/api/v1/alerts"): L, ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): D,
    ("GET", "/api/v1/organisations/{org_id}/alert-webhooks"): D,
    ("POST", "/api/v1/organisations/{org_id}/alert-webhooks"): D,
    ("POST", "/logout"): OWN, ("GET", "/farm"): OWN, ("GET", "/coop"): OWN,
    ("GET", "/claim/{code}"): D, ("POST", "/claim/{code}"): D,
    ("GET", "/trace"): OWN, ("GET", "/trace/lots/{lot_id}"): H,
    ("POST", "/trace/lots/{lot_id}/events"): H, ("GET", "/trace/ship"): OWN,
    ("POST", "/trace/ship"): D, ("GET", "/ocop/manage"): OWN, ("POST", "/ocop/products"): D,
    ("POST", "/ocop/products/{product_id}/dossiers"): H,
    ("GET", "/ocop/dossiers/{dossier_id}"): H, ("GET", "/ocop/dossiers/{dossier_id}/self"): H,
    ("POST", "/ocop/dossiers/{dossier_id}/self"): H, ("GET", "/ocop/dossiers/{dossier_id}/score"): H,
    ("POST", "/ocop/dossiers/{dossier_id}/score"): H,
    ("POST", "/ocop/dossiers/{dossier_id}/documents"): H,
    ("POST", "/ocop/dossiers/{dossier_id}/step"): H,
    ("POST", "/ocop/certificates/{certificate_id}/revoke"): H,
    ("POST", "/zones/{zone_id}/water"): H, ("POST", "/zones/{zone_id}/stop"): H,
    ("POST", "/alerts/{alert_id}/ack"): D, ("GET", "/zones/{zone_id}/irrigation"): H,
    ("POST", "/zones/{zone_id}/irrigation"): H,
    # issues 18, 19, 22: crop stages, co-op irrigation view, council seats, dossier on paper,
    # device config
    ("GET", "/api/v1/zones/{zone_id}/irrigation/stages"): H,
    ("POST", "/api/v1/zones/{zone_id}/irrigation/stage/reset"): H,
    ("POST", "/zones/{zone_id}/irrigation/stage-reset"): H, ("POST", "/zones/{zone_id}/crop"): H,
    ("GET", "/api/v1/irrigation/overview"): L, ("GET", "/coop/irrigation"): OWN,
    ("GET", "/api/v1/ocop/councils/{organisation_id}/seats"): D,
    ("PUT", "/api/v1/ocop/councils/{organisation_id}/seats"): D,
    ("GET", "/api/v1/ocop/dossiers/{dossier_id}/dossier.pdf"): H,
    ("GET", "/api/v1/ocop/dossiers/{dossier_id}/minutes.pdf"): H,
    ("GET", "/api/v1/devices/{device_id}/config"): H, ("PUT", "/api/v1/devices/{device_id}/config"): H,
    # issue 17: GI rights, codes per market, export readiness, administrative units
    ("GET", "/api/v1/admin-units/communes"): OWN, ("GET", "/api/v1/admin-units/provinces"): OWN,
    ("GET", "/api/v1/gi-rights"): L, ("POST", "/api/v1/gi-rights"): D,
    ("PUT", "/api/v1/gi-rights/{right_id}"): H, ("POST", "/api/v1/gi-rights/{right_id}/verify"): D,
    ("GET", "/api/v1/lots/{lot_id}/export-readiness"): H,
    ("POST", "/api/v1/lots/{lot_id}/export-override"): H,
    ("GET", "/api/v1/registration-codes/{code_id}/markets"): H,
    ("POST", "/api/v1/registration-codes/{code_id}/markets"): H,
    ("POST", "/api/v1/registration-codes/{code_id}/markets/{market}/revoke"): H,
    # issue 21: phone pages (menu by role, offline diary, lots, stamps, devices, dashboard)
    ("GET", "/coop/dashboard"): OWN, ("GET", "/coop/devices"): OWN, ("GET", "/coop/lots"): OWN,
    ("GET", "/coop/certificates"): OWN, ("GET", "/coop/stamps"): OWN,
    ("GET", "/coop/stamps/progress"): OWN, ("GET", "/farm/alerts"): OWN,
    ("GET", "/coop/stamps/lookup"): OWN, ("GET", "/coop/stamps/{serial}"): H,
    ("GET", "/farm/diary"): OWN, ("GET", "/farm/sw.js"): OWN,
    ("GET", "/farm/diary/{entry_id}/photo"): H, ("POST", "/farm/diary/entries"): H,
    ("GET", "/coop/lots/{lot_id}/stamps"): H, ("POST", "/coop/lots/{lot_id}/stamps"): H,
    ("POST", "/coop/lots/{lot_id}/recall"): H, ("POST", "/coop/lots"): H,
    ("POST", "/coop/lots/split"): H, ("POST", "/coop/lots/merge"): H,
    ("POST", "/coop/stamp-batches/{batch_id}/revoke"): H, ("POST", "/coop/stamps/{serial}/review"): H,
    ("POST", "/coop/devices/claims"): D, ("POST", "/coop/devices/{device_id}/rotate"): H,
    ("POST", "/coop/devices/{device_id}/revoke"): H, ("POST", "/coop/zones/{zone_id}/devices"): H,
}

#: Forms that answer another co-op's codes like unknown ones: 422 with the caller's own
#: input shown again (the scanned carton codes), nothing else of the victim.
ECHO = {("POST", "/trace/ship")}


def _bodies(ids: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Bodies the schema cannot give (pages are not in OpenAPI; a few need real values)."""
    org = ids["org_id"]
    return {
        ("POST", "/zones/{zone_id}/water"): {"data": {"minutes": 5}},
        ("POST", "/api/v1/ocop/products"): {"json": {
            "organisation_id": org, "name": "Vải xâm nhập", "subgroup": "fresh-produce"}},
        ("POST", "/ocop/products"): {"data": {
            "organisation_id": org, "name": "Vải xâm nhập", "subgroup": "fresh-produce"}},
        ("POST", "/ocop/certificates/{certificate_id}/revoke"): {"data": {"reason": "xâm nhập"}},
        ("POST", "/claim/{code}"): {"data": {"zone_id": ids["zone_id"]}},
        ("POST", "/api/v1/epcis/capture"): {"json": ids["epcis_doc"]},
        ("POST", "/ocop/dossiers/{dossier_id}/documents"): {
            "files": {"file": ("a.pdf", b"%PDF-1.4 x", "application/pdf")}, "data": {}},
        ("POST", "/api/v1/ocop/dossiers/{dossier_id}/documents"): {
            "files": {"file": ("a.pdf", b"%PDF-1.4 x", "application/pdf")},
            "data": {"kind": "other"}},
        ("POST", "/ocop/dossiers/{dossier_id}/step"): {"data": {"step": "submit"}},
        ("POST", "/trace/lots/{lot_id}/events"): {"data": {"kind": "pack"}},
        ("POST", "/trace/ship"): {"data": {"codes": ids["stamp_url"]}},
        ("POST", "/api/v1/organisations"): {"json": {"name": "Xâm nhập", "kind": "htx",
                                                     "province_code": "31"}},
        ("POST", "/api/v1/farms"): {"json": {"name": "Xâm nhập", "organisation_id": org,
                                             "province_code": "31", "commune_code": "10741"}},
        ("POST", "/api/v1/organisations/{org_id}/alert-webhooks"): {
            "json": {"url": "https://example.com/hook"}},
        **_bodies_issue21(ids),
    }


def _bodies_issue21(ids: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The phone pages' forms (issue 21), each naming the victim's objects."""
    return {
        ("POST", "/farm/diary/entries"): {"data": {
            "key": "intruder-0001", "activity": "pruning", "zone_id": ids["zone_id"],
            "performed_at": "2026-06-01T07:00"}},
        ("POST", "/coop/lots"): {"data": {"code": "X1", "product_id": ids["gtin_product_id"],
                                          "zone_id": ids["zone_id"], "quantity": 1,
                                          "harvested_on": "2026-06-01"}},
        ("POST", "/coop/lots/split"): {"data": {"lot_id": ids["lot_id"], "code_a": "A1",
                                                "qty_a": 1, "code_b": "B1", "qty_b": 1}},
        ("POST", "/coop/lots/merge"): {"data": {"lot_ids": [ids["lot_id"]], "code": "M1"}},
        ("POST", "/coop/lots/{lot_id}/stamps"): {"data": {
            "request_id": "intruder-req-01", "count": 1, "layout": "a4"}},
        ("POST", "/coop/lots/{lot_id}/recall"): {"data": {"reason": "xâm nhập lô"}},
        ("POST", "/coop/stamp-batches/{batch_id}/revoke"): {"data": {"reason": "xâm nhập"}},
        ("POST", "/coop/stamps/{serial}/review"): {"data": {"action": "clear",
                                                            "reason": "xâm nhập"}},
        ("POST", "/coop/devices/claims"): {"data": {"org_id": ids["org_id"], "role": "sensor"}},
        ("POST", "/coop/zones/{zone_id}/devices"): {"data": {"role": "sensor"}},
    }


def _diary_issue21(s: Session, zone: int, lot_id: int) -> dict[str, Any]:
    """The victim's diary entry with a photo (issue 21) and its lot's product."""
    from server.models.farm_pages import DiarySubmission
    from server.models.trace import DiaryEntry, DiaryKind, Lot

    entry = DiaryEntry(zone_id=zone, kind=DiaryKind.other, performed_at=datetime.now(UTC),
                       product_name=f"Tỉa cành {MARK}")
    s.add(entry)
    s.flush()
    assert entry.id is not None
    s.add(DiarySubmission(key="victim-key-0001", entry_id=entry.id, activity="pruning",
                          photo="victim.jpg"))
    s.commit()
    lot = s.get(Lot, lot_id)
    assert lot is not None
    return {"entry_id": entry.id, "gtin_product_id": lot.product_id}


def _victim(ow: OcopWorld) -> dict[str, Any]:
    """One of everything in the lychee co-op; names carry the marker."""
    w = ow.w
    org, farm, zone = w.orgs["lychee"], w.farms["lychee"], w.zones["lychee"]
    pid, did, cert = ow.certified(name=f"Vải {MARK} OCOP")
    did2 = ow.dossier(ow.product(gtin=None, name=f"Vải {MARK} mới"), stars=4)
    sw = make_lot(w, code=f"{MARK}-LOT")
    batch = issue(sw, count=1)["batch"]
    csv = w.client.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.csv",
                       headers=w.auth("lychee_admin")).text
    w.client.cookies.clear()
    stamp_url = csv.splitlines()[1].split(",")[0]
    serial = stamp_url.rstrip("/").rsplit("/", 1)[1].split("?")[0]
    r = w.client.post(f"/api/v1/lots/{sw.lot_id}/events", json={"kind": "inspect"},
                      headers=w.auth("lychee_admin"))
    assert r.status_code in (200, 201), r.text
    epcis_doc = w.client.get(f"/api/v1/lots/{sw.lot_id}/epcis",
                             headers=w.auth("lychee_admin")).json()
    now = datetime.now(UTC)
    with Session(w.engine) as s:
        for model, key in ((m.Organisation, org), (m.Farm, farm), (m.Zone, zone)):
            obj = s.get(model, key)
            obj.name = f"{obj.name} {MARK}"  # type: ignore[union-attr]
            s.add(obj)
        s.commit()
        zone_obj = s.get(m.Zone, zone)
        dev, _pw = add_device(s, zone_obj, m.DeviceRole.sensor, "victim-sensor-1")  # type: ignore[arg-type]
        claims = make_claims(s, org, m.DeviceRole.sensor, 1)
        code = claims[0].code
        loc = Location(organisation_id=org, name=f"Kho {MARK}", kind=LocationKind.warehouse)
        tcert = Certificate(organisation_id=org, subject=CertificateSubject.farm, farm_id=farm,
                            kind=list(CertificateKind)[0], number=f"{MARK}-1", issuer=MARK,
                            valid_from=date(2026, 1, 1), document_name="x.pdf",
                            document_type="application/pdf", document_size=1)
        alert = Alert(organisation_id=org, zone_id=zone, kind="dry", key=f"{MARK}-dry",
                      message=f"Khô {MARK}", opened_at=now, last_seen_at=now)
        doc = OcopDocument(dossier_id=did2, kind="other", title=f"{MARK}.pdf",
                           stored_name=f"{MARK.lower()}-doc.pdf", content_type="application/pdf",
                           size=1, sha256="0" * 64)
        note = OcopNotification(key=f"{MARK}-note", organisation_id=org,
                                certificate_id=cert["id"], kind="expiry", message=MARK,
                                due_on=date(2027, 1, 1))
        invitation = Invitation(organisation_id=org, user_id=w.users["lychee_farmer"],
                                role=m.Role.coop_admin)
        for o in (loc, tcert, alert, doc, note, invitation):
            s.add(o)
        s.commit()
        claims17 = _claims_issue17(s, org, zone)
        claims17.update(_diary_issue21(s, zone, sw.lot_id))
        ids = {"org_id": org, "farm_id": farm, "zone_id": zone, "device_id": dev.id,
               "lot_id": sw.lot_id, "product_id": pid, "dossier_id": did2,
               "document_id": doc.id, "certificate_id": cert["id"], "cert_id": tcert.id,
               "notification_id": note.id, "alert_id": alert.id, "batch_id": batch["id"],
               "invitation_id": invitation.id, "user_id": w.users["lychee_farmer"],
               "prefix": "893460200",
               "serial": serial, "code": code, "location_id": loc.id,
               "organisation_id": org, "gtin": sw.gtin14, "stamp_url": stamp_url,
               "epcis_doc": epcis_doc, "fmt": "png", **claims17}
    return ids


def _claims_issue17(s: Session, org: int, zone: int) -> dict[str, Any]:
    """The victim's GI right and a planting-area code registered for the US (issue 17)."""
    from server.models.trace import CodeKind, CodeMarket, GiRight, RegistrationCode

    right = GiRight(organisation_id=org, gi_name="Thanh Hà", registration_number="00010",
                    holder=f"UBND {MARK}", product="Quả vải thiều", crop="lychee",
                    variety="vải thiều", area_communes=["10867"], valid_from=date(2007, 6, 1))
    code = RegistrationCode(organisation_id=org, kind=CodeKind.planting_area, zone_id=zone,
                            code=f"VN-30-294-10867-{MARK}", authority=MARK,
                            issued_on=date(2024, 1, 1))
    s.add_all([right, code])
    s.flush()
    assert code.id is not None
    s.add(CodeMarket(code_id=code.id, market="US", issued_on=date(2024, 1, 1), note=MARK))
    s.commit()
    return {"right_id": right.id, "code_id": code.id, "market": "US"}


def _instance(schema: dict[str, Any], spec: dict[str, Any], ids: dict[str, Any],
              name: str = "") -> Any:
    """A minimal instance of ``schema`` whose id fields point at the victim's objects."""
    if "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        return _instance(node, spec, ids, name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return _instance(options[0], spec, ids, name)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    t = schema.get("type")
    if name in ids and t in ("integer", "string", None):
        return ids[name]
    if t == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: _instance(v, spec, ids, k) for k, v in props.items()
                if k in schema.get("required", []) or k in ids}
    if t == "array":
        return [_instance(schema.get("items", {}), spec, ids, name)] * max(1, schema.get("minItems", 1))
    if t == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if t == "number":
        return float(schema.get("minimum", 1))
    if t == "boolean":
        return False
    fmt = schema.get("format", "")
    if fmt == "date":
        return "2026-06-01"
    if fmt == "date-time":
        return "2026-06-01T06:00:00Z"
    if fmt == "binary" or "contentMediaType" in schema:
        return b"%PDF-1.4 victim"
    return "x" * max(3, int(schema.get("minLength", 3)))


def _request(spec: dict[str, Any], method: str, path: str, ids: dict[str, Any]) -> dict[str, Any]:
    op = spec["paths"].get(path, {}).get(method.lower(), {})
    url = re.sub(r"\{([^}:]+)(:[^}]+)?\}", lambda mt: str(ids[mt.group(1)]), path)
    params = {p["name"]: _instance(p.get("schema", {}), spec, ids, p["name"])
              for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")}
    kw: dict[str, Any] = {"params": params}
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        kw["json"] = _instance(content["application/json"]["schema"], spec, ids)
    elif "multipart/form-data" in content or "application/x-www-form-urlencoded" in content:
        ct = "multipart/form-data" if "multipart/form-data" in content else \
            "application/x-www-form-urlencoded"
        body = _instance(content[ct]["schema"], spec, ids)
        files = {k: ("victim.pdf", v, "application/pdf") for k, v in body.items()
                 if isinstance(v, bytes)}
        data = {k: v for k, v in body.items() if not isinstance(v, bytes)}
        kw.update(data=data, files=files or None)
    kw.update(_bodies(ids).get((method, path), {}))
    return {"url": url, **kw}


def test_every_route_refuses_another_organisation(ow: OcopWorld) -> None:
    app = ow.client.app
    routes = sorted({(m_, p) for m_, p, _ in iter_routes(app) if m_ != "HEAD"
                     and not is_public(m_, p)},
                    key=lambda r: ("logout" in r[1], r[0] != "GET", r))  # reads, writes, logout
    missing = [r for r in routes if r not in RULES]
    assert not missing, f"new route without a rule: {missing}"
    stale = [r for r in RULES if r not in routes]
    assert not stale, f"rules for routes that no longer exist: {stale}"
    ids = _victim(ow)
    spec = ow.client.get("/openapi.json").json()
    attacker = ow.h("carrot_admin")
    failures = []
    for method, path in routes:
        rule = RULES[(method, path)]
        req = _request(spec, method, path, ids)
        if "logout" in path:  # each logout ends its own session: a fresh one for each
            attacker = ow.w.auth("carrot_admin")
        r = ow.client.request(method, headers=attacker, follow_redirects=False, **req)
        ow.client.cookies.clear()
        text = r.text
        if (method, path) in ECHO:  # the form shown again with the caller's own input
            text = text.replace(html.escape(ids["stamp_url"]), "").replace(ids["stamp_url"], "")
        leaked = MARK in text or MARK.lower() in text
        refused = (403, 404, 422) if (method, path) in ECHO else (403, 404)
        ok = {D: r.status_code in refused, H: r.status_code == 404,
              L: 200 <= r.status_code < 300,
              OWN: 200 <= r.status_code < 400}[rule] and not leaked
        if ok and path == "/api/v1/epcis/capture":
            # stored for the caller's own organisation, linked to none of the lychee lots
            ok = r.json()["linked_lots"] == []
        if not ok:
            failures.append(f"{method} {path} [{rule}] -> {r.status_code} "
                            f"{'LEAK ' if leaked else ''}{r.text[:160]!r}")
    assert not failures, "\n".join(failures)
    # the victim's things are all still there and unchanged
    owner = ow.h("lychee_admin")
    for path in ("/api/v1/farms", "/api/v1/lots", "/api/v1/alerts", "/api/v1/ocop/products"):
        assert MARK in ow.client.get(path, headers=owner).text, path  # the marker is visible
    assert ow.client.get(f"/api/v1/farms/{ids['farm_id']}", headers=owner).status_code == 200
    assert ow.client.get(f"/api/v1/zones/{ids['zone_id']}", headers=owner).status_code == 200
    dev = ow.client.get(f"/api/v1/devices/{ids['device_id']}", headers=owner).json()
    assert dev["status"] != "revoked"
