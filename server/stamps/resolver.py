"""The GS1 Digital Link resolver at the root path, and the consumer scan page.

``/01/<GTIN>/10/<lot>/21/<serial>``: a malformed URI is 400 (never 200); a serial whose
MAC fails is 404 "not genuine" — decided before any database query; a browser gets the
consumer page; ``Accept: application/linkset+json`` or ``?linkType=linkset`` gets the RFC
9264 linkset; ``?linkType=<type>`` redirects (307) to that link or 404s. HEAD and CORS work.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from qr import serial as qserial
from qr.errors import GS1Error
from qr.gs1 import digital_link, parse_digital_link
from server.deps import SessionDep, SettingsDep
from server.models.common import utcnow
from server.models.stamps import LotRecall, Stamp
from server.models.trace import Lot, Product
from server.pages import templates
from server.stamps import consumer, links, scanpage
from server.stamps.keys import pin_matches
from server.trace import lots

__all__ = ["router", "parse_request_path"]

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

CORS, LINKSET = scanpage.CORS, scanpage.LINKSET
ENUMERATION_LIMIT = scanpage.ENUMERATION_LIMIT


def parse_request_path(request: Request) -> dict[str, Any]:
    raw = request.scope.get("raw_path") or request.url.path.encode()
    return parse_digital_link(raw.decode("latin-1"))


def _lang(request: Request) -> str:
    q = request.query_params.get("lang")
    if q in ("vi", "en"):
        return q
    return "vi"


def _error(request: Request, status: int, title: str, detail: str, kind: str) -> Response:
    if "text/html" in request.headers.get("accept", "") and request.method != "HEAD":
        resp: Response = templates.TemplateResponse(
            request, "stamp_error.html", {"title": title, "detail": detail, "kind": kind,
                                          "lang": _lang(request)}, status_code=status)
    else:
        resp = JSONResponse({"detail": detail, "code": kind}, status_code=status)
    resp.headers.update(CORS)
    return resp


def _wants_linkset(request: Request) -> bool:
    return scanpage.wants_linkset(request.headers.get("accept", ""),
                                  request.query_params.get("linkType"))


@router.options("/01/{rest:path}")
def resolver_options(rest: str) -> Response:
    return Response(status_code=204, headers=CORS)


@router.api_route("/01/{rest:path}", methods=["GET", "HEAD"])
async def resolve(request: Request, rest: str, settings: SettingsDep) -> Response:
    ip = request.client.host if request.client else "?"
    throttle = scanpage.resolver_throttle(request.app.state)
    wait = throttle.retry_after("", ip)
    if wait:
        resp = _error(request, 429, "Quá nhiều lượt kiểm tra",
                      "Too many lookups of unknown stamps from this address; try again later.",
                      "rate_limited")
        resp.headers["Retry-After"] = str(wait)
        return resp
    resp = await _resolve(request, settings)
    if resp.status_code in (400, 404):
        throttle.failed("", ip)
    return resp


async def _resolve(request: Request, settings: Any) -> Response:
    try:
        ids = parse_request_path(request)
    except GS1Error as exc:
        return _error(request, 400, "Mã không hợp lệ", f"Malformed GS1 Digital Link URI: {exc}",
                      "malformed")
    gtin, lot_code, serial = ids["gtin"], ids["lot"], ids["serial"]
    if serial is None or lot_code is None:
        return _error(request, 404, "Không tìm thấy",
                      "This resolver answers for stamps: /01/<GTIN>/10/<lot>/21/<serial>.",
                      "not_found")
    if not qserial.verify(scanpage.keyring(request.app.state), gtin, lot_code, serial):
        # No database query: the MAC alone says this stamp was never issued by us.
        return _error(request, 404, "Tem không chính hãng",
                      "This stamp is not genuine: its serial does not match its product and lot.",
                      "not_genuine")
    base = settings.public_base_url
    anchor = digital_link(base, gtin, lot_code, serial)
    linkmap = links.links_for(base, anchor, gtin, lot_code, serial)
    link_header = scanpage.link_header(base, anchor, gtin, lot_code, serial)
    link_type = request.query_params.get("linkType")
    if link_type and link_type not in ("linkset", "all"):
        name = links.normalise_link_type(link_type)
        if name not in linkmap:
            return _error(request, 404, "Không có liên kết",
                          f"No link of type {link_type!r} for this item.", "no_link")
        target = linkmap[name]
        if target == anchor:  # the page is served right here
            target = anchor + ("?lang=en" if _lang(request) == "en" else "")
        return RedirectResponse(target, status_code=307, headers={**CORS, "Link": link_header})
    if _wants_linkset(request):
        body = links.linkset(anchor, linkmap)
        resp: Response = JSONResponse(body, media_type=LINKSET)
        resp.headers.update({**CORS, "Link": link_header})
        return resp
    return await _consumer_page(request, gtin, lot_code, serial)


def _find(session: Session, gtin: str, lot_code: str,
          serial: str) -> tuple[Lot, Product, Stamp] | None:
    """The stamp by serial, with its lot and product, if they match (one indexed query)."""
    row = session.exec(
        select(Stamp, Lot, Product).join(Lot, col(Lot.id) == Stamp.lot_id)
        .join(Product, col(Product.id) == Lot.product_id)
        .where(Stamp.serial == serial)).first()
    if row is None:
        return None
    stamp, lot, product = row
    if lot.code != lot_code or product.gtin != gtin:
        return None
    return lot, product, stamp


async def _consumer_page(request: Request, gtin: str, lot_code: str, serial: str) -> Response:
    """A browser scan that :class:`~server.stamps.scanpage.ScanFastPath` left to the route
    (the fast path is not installed, or this is a stamp never issued): the same scan."""
    served = await scanpage.serve_scan(
        request.app.state, gtin, lot_code, serial, _lang(request),
        request.client.host if request.client else None,
        scanpage.float_or_none(request.query_params.get("lat")),
        scanpage.float_or_none(request.query_params.get("lon")), request.method)
    if served is None:
        return _error(request, 404, "Tem không chính hãng",
                      "This stamp was never issued: it is not genuine.", "not_issued")
    return HTMLResponse(served[0], headers=scanpage.page_headers(served[1]))


@router.post("/01/{rest:path}")
def verify_pin(request: Request, rest: str, session: SessionDep, settings: SettingsDep,
               pin: str = Form(min_length=4, max_length=12)) -> Response:
    """The scratch-off PIN: verifies once; a second use warns."""
    try:
        ids = parse_request_path(request)
    except GS1Error as exc:
        return _error(request, 400, "Mã không hợp lệ", f"Malformed URI: {exc}", "malformed")
    gtin, lot_code, serial = ids["gtin"], ids["lot"], ids["serial"]
    if not serial or not lot_code or not qserial.verify(scanpage.keyring(request.app.state), gtin,
                                                        lot_code, serial):
        return _error(request, 404, "Tem không chính hãng", "This stamp is not genuine.",
                      "not_genuine")
    found = _find(session, gtin, lot_code, serial)
    if found is None:
        return _error(request, 404, "Tem không chính hãng", "This stamp was never issued.",
                      "not_issued")
    lot, product, stamp = found
    if not pin_matches(settings.secret_key, serial, pin.strip(), stamp.pin_hash):
        result = "wrong"
    elif stamp.pin_used_at is not None:
        result = "reused"
    else:
        stamp.pin_used_at = utcnow()
        session.add(stamp)
        session.commit()
        result = "ok"
    assert lot.id is not None
    recall = session.exec(select(LotRecall).where(LotRecall.lot_id == lot.id)).first()
    anchor = digital_link(settings.public_base_url, gtin, lot_code, serial)
    html = scanpage.page_html(request.app.state, stamp, lot.id,
                              recall.reason if recall else None, _lang(request), anchor,
                              serial, pin_result=result)
    return HTMLResponse(html, status_code=200 if result != "wrong" else 422, headers=CORS)


@router.get("/.well-known/gs1resolver")
def well_known(settings: SettingsDep) -> JSONResponse:
    return JSONResponse(links.resolver_description(settings.public_base_url), headers=CORS)


def _genuine_lot(request: Request, session: Session, gtin: str, lot: str, serial: str):  # type: ignore[no-untyped-def]
    lot = unquote(lot)
    if not qserial.verify(scanpage.keyring(request.app.state), gtin, lot, serial):
        return None
    return _find(session, gtin, lot, serial)


@router.get("/traceability/{gtin}/{lot}/{serial}")
def traceability(request: Request, gtin: str, lot: str, serial: str, session: SessionDep,
                 settings: SettingsDep) -> Response:
    """The lot's EPCIS 2.0 history, reachable from a genuine stamp only."""
    from server.trace import epcis, lineage

    found = _genuine_lot(request, session, gtin, lot, serial)
    if found is None:
        return _error(request, 404, "Không tìm thấy", "No genuine stamp here.", "not_genuine")
    lot_row = found[0]
    assert lot_row.id is not None
    events = lots.lot_events(session, lineage.lineage(session, lot_row.id))
    doc = epcis.document([e.document for e in events],
                         doc_id=str(request.url).split("?")[0])
    return JSONResponse(doc, media_type="application/ld+json", headers=CORS)


@router.get("/certification/{gtin}/{lot}/{serial}")
def certification(request: Request, gtin: str, lot: str, serial: str,
                  session: SessionDep) -> Response:
    found = _genuine_lot(request, session, gtin, lot, serial)
    if found is None:
        return _error(request, 404, "Không tìm thấy", "No genuine stamp here.", "not_genuine")
    view = consumer.build_view(session, found[0], found[1])
    certs = [{"kind": getattr(c.kind, "value", c.kind), "number": c.number, "issuer": c.issuer,
              "valid_from": c.valid_from.isoformat(),
              "valid_until": c.valid_until.isoformat() if c.valid_until else None}
             for c in view.certificates]
    return JSONResponse({"certificates": certs, "ocop_stars": view.stars}, headers=CORS)
