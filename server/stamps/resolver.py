"""The GS1 Digital Link resolver at the root path, and the consumer scan page.

``/01/<GTIN>/10/<lot>/21/<serial>``: a malformed URI is 400 (never 200); a serial whose
MAC fails is 404 "not genuine" — decided before any database query by the one gate
(:mod:`server.stamps.gate`); a browser gets the consumer page; ``Accept:
application/linkset+json`` or ``?linkType=linkset`` gets the RFC 9264 linkset;
``?linkType=<type>`` redirects (307) to that link or 404s. HEAD and CORS work. Errors are
domain errors (:class:`server.errors.StampError`), mapped to HTTP in :mod:`server.errors`.

Failed lookups (malformed, forged, never issued, no such link) are throttled per address;
a genuine stamp's page never is (many phones share one address behind a carrier's NAT).
"""

from __future__ import annotations

import logging
from urllib.parse import unquote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from qr.gs1 import DigitalLink, digital_link
from server.deps import SessionDep, client_address
from server.errors import NoSuchLink, ScanRateLimited, StampError, StampNotIssued
from server.models.stamps import LotRecall, Stamp
from server.models.trace import Lot, Product
from server.stamps import consumer, gate, links, pins, scanpage
from server.stamps.services import ENUMERATION_LIMIT, StampsDep
from server.trace import lots

__all__ = ["router", "ENUMERATION_LIMIT"]

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

CORS, LINKSET = scanpage.CORS, scanpage.LINKSET
#: The status of the consumer page after a PIN was typed, by the check's result.
_PIN_STATUS = {"ok": 200, "reused": 200, "wrong": 422, "locked": 423, "throttled": 429}


def _raw_path(request: Request) -> str:
    raw = request.scope.get("raw_path") or request.url.path.encode()
    return str(raw.decode("latin-1"))


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "vi"


@router.options("/01/{rest:path}")
def resolver_options(rest: str) -> Response:
    return Response(status_code=204, headers=CORS)


@router.api_route("/01/{rest:path}", methods=["GET", "HEAD"])
async def resolve(request: Request, rest: str, svc: StampsDep) -> Response:
    ip = client_address(request, svc.settings)
    try:
        return await _resolve(request, svc)
    except StampError:
        wait = svc.lookup_throttle.retry_after(ip)
        if wait:
            raise ScanRateLimited("Too many lookups of unknown stamps from this address; "
                                  "try again later.", wait) from None
        svc.lookup_throttle.failed(ip)
        raise


async def _resolve(request: Request, svc: StampsDep) -> Response:
    stamp_id = gate.genuine(svc.keyring, _raw_path(request))
    gtin, lot_code, serial = stamp_id.gtin, stamp_id.lot or "", stamp_id.serial or ""
    base = svc.settings.public_base_url
    anchor = digital_link(base, gtin, lot_code, serial)
    linkmap = links.links_for(base, anchor, gtin, lot_code, serial)
    link_header = scanpage.link_header(linkmap)
    link_type = request.query_params.get("linkType")
    if link_type and link_type not in ("linkset", "all"):
        name = links.normalise_link_type(link_type)
        if name not in linkmap:
            raise NoSuchLink(f"No link of type {link_type!r} for this item.")
        target = linkmap[name]
        if target == anchor:  # the page is served right here
            target = anchor + ("?lang=en" if _lang(request) == "en" else "")
        return RedirectResponse(target, status_code=307, headers={**CORS, "Link": link_header})
    if scanpage.wants_linkset(request.headers.get("accept", ""), link_type):
        resp: Response = JSONResponse(links.linkset(anchor, linkmap), media_type=LINKSET)
        resp.headers.update({**CORS, "Link": link_header})
        return resp
    return await _consumer_page(request, svc, stamp_id)


async def _consumer_page(request: Request, svc: StampsDep, stamp_id: DigitalLink) -> Response:
    """A browser scan that :class:`~server.stamps.fastpath.ScanFastPath` left to the route
    (the fast path is not installed, or this is a stamp never issued): the same scan."""
    served = await scanpage.serve_scan(
        svc, stamp_id, _lang(request), client_address(request, svc.settings),
        scanpage.float_or_none(request.query_params.get("lat")),
        scanpage.float_or_none(request.query_params.get("lon")), request.method,
        request.headers.get("user-agent"))
    if served is None:
        raise StampNotIssued("This stamp was never issued: it is not genuine.")
    return HTMLResponse(served[0], headers=scanpage.page_headers(served[1]))


def _find(session: Session, stamp_id: DigitalLink) -> tuple[Lot, Product, Stamp]:
    """The issued stamp with its lot and product (one indexed query), or StampNotIssued."""
    row = session.exec(
        select(Stamp, Lot, Product).join(Lot, col(Lot.id) == Stamp.lot_id)
        .join(Product, col(Product.id) == Lot.product_id)
        .where(Stamp.serial == stamp_id.serial)).first()
    if row is None or row[1].code != stamp_id.lot or row[2].gtin != stamp_id.gtin:
        raise StampNotIssued("This stamp was never issued: it is not genuine.")
    stamp, lot, product = row
    return lot, product, stamp


@router.post("/01/{rest:path}")
def verify_pin(request: Request, rest: str, session: SessionDep, svc: StampsDep,
               pin: str = Form(min_length=4, max_length=12)) -> Response:
    """The scratch-off PIN: verifies once; a locked or throttled PIN is refused
    (:mod:`server.stamps.pins`)."""
    stamp_id = gate.genuine(svc.keyring, _raw_path(request))
    lot, product, stamp = _find(session, stamp_id)
    ip = client_address(request, svc.settings)
    result = pins.check_pin(session, svc.settings.secret_key, stamp, pin.strip(), ip)
    session.refresh(stamp)
    assert lot.id is not None
    recall = session.exec(select(LotRecall).where(LotRecall.lot_id == lot.id)).first()
    anchor = digital_link(svc.settings.public_base_url, stamp_id.gtin, lot.code, stamp.serial)
    html = svc.pages.page_html(stamp, recall.reason if recall else None, _lang(request),
                               anchor, stamp.serial, pin_result=result)
    headers = dict(CORS)
    if result == "throttled":
        headers["Retry-After"] = str(pins.address_wait(session, svc.settings.secret_key, ip))
    return HTMLResponse(html, status_code=_PIN_STATUS[result], headers=headers)


@router.get("/.well-known/gs1resolver")
def well_known(svc: StampsDep) -> JSONResponse:
    return JSONResponse(links.resolver_description(svc.settings.public_base_url), headers=CORS)


def _genuine_lot(session: Session, svc: StampsDep, gtin: str, lot: str,
                 serial: str) -> tuple[Lot, Product, Stamp]:
    return _find(session, gate.genuine_ids(svc.keyring, gtin, unquote(lot), serial))


@router.get("/traceability/{gtin}/{lot}/{serial}")
def traceability(request: Request, gtin: str, lot: str, serial: str, session: SessionDep,
                 svc: StampsDep) -> Response:
    """The lot's EPCIS 2.0 history, reachable from a genuine stamp only."""
    from server.trace import epcis, lineage

    lot_row = _genuine_lot(session, svc, gtin, lot, serial)[0]
    assert lot_row.id is not None
    events = lots.lot_events(session, lineage.lineage(session, lot_row.id))
    doc = epcis.document([e.document for e in events],
                         doc_id=str(request.url).split("?")[0])
    return JSONResponse(doc, media_type="application/ld+json", headers=CORS)


@router.get("/certification/{gtin}/{lot}/{serial}")
def certification(gtin: str, lot: str, serial: str, session: SessionDep,
                  svc: StampsDep) -> Response:
    found = _genuine_lot(session, svc, gtin, lot, serial)
    view = consumer.build_view(session, found[0], found[1])
    certs = [{"kind": getattr(c.kind, "value", c.kind), "number": c.number, "issuer": c.issuer,
              "valid_from": c.valid_from.isoformat(),
              "valid_until": c.valid_until.isoformat() if c.valid_until else None}
             for c in view.certificates]
    return JSONResponse({"certificates": certs, "ocop_stars": view.stars}, headers=CORS)
