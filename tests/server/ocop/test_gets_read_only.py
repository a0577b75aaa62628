"""Issue 14.5: a GET never writes — every OCOP and traceability GET route, on a world with a
certified product, a dossier, notifications, a lot and its events, runs no INSERT, UPDATE or
DELETE."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from server.routes import iter_routes
from tests.server.ocop.conftest import LYCHEE_GTIN, OcopWorld
from tests.server.ocop.test_openapi_responses import PACKAGES

_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


def test_ocop_and_trace_gets_never_write(ow: OcopWorld) -> None:
    w = ow.w
    pid, did, cert = ow.certified()
    lychee = ow.h("lychee_admin")
    product = ow.client.post("/api/v1/products", headers=lychee, json={
        "organisation_id": w.orgs["lychee"], "name": "Vải thiều", "gtin": LYCHEE_GTIN}).json()
    lot = ow.client.post("/api/v1/lots", headers=lychee, json={
        "code": "L1", "product_id": product["id"], "quantity": 10,
        "zone_id": w.zones["lychee"]}).json()
    assert ow.client.post(f"/api/v1/lots/{lot['id']}/events", headers=lychee,
                          json={"kind": "harvest"}).status_code == 201
    ids = {"dossier_id": did, "certificate_id": cert["id"], "lot_id": lot["id"],
           "zone_id": w.zones["lychee"], "org_id": w.orgs["lychee"], "cert_id": 1,
           "document_id": 1}
    writes: list[str] = []

    def spy(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if _WRITE.match(statement):
            writes.append(statement.split("(")[0][:80])

    gets = [p for m, p, endpoint in iter_routes(ow.client.app)
            if m == "GET" and endpoint.__module__.startswith(PACKAGES)]
    assert len(gets) > 20
    sa.event.listen(w.engine, "before_cursor_execute", spy)
    try:
        for path in gets:
            values = {**ids, "product_id": pid if path.startswith("/api/v1/ocop/")
                      else product["id"]}
            url = re.sub(r"\{(\w+)(:\w+)?\}",
                         lambda m, v=values: str(v.get(m.group(1), 1)), path)
            for who in ("lychee_admin", "ev1", "carrot_admin"):
                r = ow.client.get(url, headers=ow.h(who))
                assert r.status_code < 500, (url, who, r.text[:200])
                assert not writes, (url, who, writes)
    finally:
        sa.event.remove(w.engine, "before_cursor_execute", spy)
