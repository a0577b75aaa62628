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
from collections.abc import Awaitable, Callable
from urllib.parse import unquote

import anyio.to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlmodel import Session, col, select

from qr.errors import GS1Error
from qr.gs1 import DigitalLink, digital_link, parse_digital_link
from server.deps import SessionDep, client_address
from server.errors import MalformedStampUri, ScanRateLimited, StampError, StampNotIssued
from server.models.stamps import LotRecall, Stamp
from server.models.trace import Lot, Product
from server.stamps import consumer, gate, levels, links, logistic, negotiate, pins, scanpage
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
@router.options("/00/{rest:path}")
@router.options("/info/{rest:path}")
@router.options("/.well-known/gs1resolver")
def resolver_options(request: Request) -> Response:
    """Preflight and ``OPTIONS`` (2.2/§5.2, §5.4)."""
    return Response(status_code=204, headers={**CORS, "Allow": "GET, HEAD, OPTIONS"})


@router.api_route("/01/{rest:path}", methods=["GET", "HEAD"])
@router.api_route("/00/{rest:path}", methods=["GET", "HEAD"])
async def resolve(request: Request, svc: StampsDep) -> Response:
    """Any GS1 Digital Link this resolver answers: content negotiation in
    :mod:`server.stamps.negotiate`."""
    return await _throttled(request, svc, _resolve)


@router.api_route("/info/{rest:path}", methods=["GET", "HEAD"])
async def info_page(request: Request, svc: StampsDep) -> Response:
    """The information page of an item: every item's default link (never the request URI
    itself, 2.2 (3b)). The same page a browser gets at the Digital Link."""
    return await _throttled(request, svc, _info)


async def _throttled(request: Request, svc: StampsDep,
                     handler: Callable[[Request, StampsDep], Awaitable[Response]]) -> Response:
    ip = client_address(request, svc.settings)
    try:
        return await handler(request, svc)
    except StampError:
        # the shared throttle is two primary-key statements on PostgreSQL: off the event loop
        wait = await anyio.to_thread.run_sync(svc.lookup_throttle.retry_after, ip)
        if wait:
            raise ScanRateLimited("Too many lookups of unknown stamps from this address; "
                                  "try again later.", wait) from None
        await anyio.to_thread.run_sync(svc.lookup_throttle.failed, ip)
        raise


def _dl_path(request: Request, prefix: str = "") -> str:
    """The request's Digital Link path, still percent-encoded, without ``prefix`` and
    without a trailing slash (2.13/§5.25: tolerated)."""
    path = _raw_path(request)[len(prefix):]
    return path.rstrip("/") if len(path) > 1 else path


async def _resolve(request: Request, svc: StampsDep) -> Response:
    item, page = _target(request, svc, _dl_path(request))
    return await negotiate.answer(request, item, page)


async def _info(request: Request, svc: StampsDep) -> Response:
    item, page = _target(request, svc, _dl_path(request, "/info"))
    resp = await page()
    resp.headers.update({**CORS, "Link": item.link_header})
    return resp


PageFn = Callable[[], Awaitable[Response]]


def _target(request: Request, svc: StampsDep, path: str) -> tuple[negotiate.Item, PageFn]:
    """The item a Digital Link path names (stamp, lot, product or carton) and its page."""
    base = svc.settings.public_base_url
    if path.startswith("/00/"):
        return logistic.carton_target(request, svc.engine, base, path)
    try:
        link = parse_digital_link(path)
    except GS1Error as exc:
        raise MalformedStampUri(f"Malformed GS1 Digital Link URI: {exc}") from None
    if link.serial is not None:  # a stamp: the MAC decides, before any query
        stamp_id = gate.genuine_ids(svc.keyring, link.gtin, link.lot, link.serial)
        anchor = digital_link(base, stamp_id.gtin, stamp_id.lot, stamp_id.serial)
        linkmap = links.links_for(base, anchor, stamp_id.gtin, stamp_id.lot or "",
                                  stamp_id.serial or "")
        item = negotiate.Item(anchor, f"Tem {stamp_id.serial} — lô {stamp_id.lot}", linkmap)

        async def stamp_page() -> Response:
            return await _consumer_page(request, svc, stamp_id)
        return item, stamp_page
    return _walk_up(request, svc, base, link)


def _walk_up(request: Request, svc: StampsDep, base: str,
             link: DigitalLink) -> tuple[negotiate.Item, PageFn]:
    """Lot or product level (:mod:`server.stamps.levels`)."""
    with Session(svc.engine) as s:
        if link.lot is not None:
            item, product, lot = levels.lot_item(s, base, link.gtin, link.lot)
        else:
            item, product = levels.product_item(s, base, link.gtin,
                                                digital_link(base, link.gtin))
            lot = None
    lot_id, product_id = (lot.id if lot else None), product.id

    async def page() -> Response:
        with Session(svc.engine) as s:
            found = s.get(Product, product_id)
            assert found is not None
            lot_row = s.get(Lot, lot_id) if lot_id is not None else None
            if lot_row is not None:
                return levels.lot_page(request, s, base, found, lot_row)
            return levels.product_page(request, s, base, found)
    return item, page


async def _consumer_page(request: Request, svc: StampsDep, stamp_id: DigitalLink) -> Response:
    """A browser scan that :class:`~server.stamps.fastpath.ScanFastPath` left to the route
    (a trailing slash, the fast path not installed, or a stamp never issued): the same scan."""
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


@router.api_route("/.well-known/gs1resolver", methods=["GET", "HEAD"])
def well_known(svc: StampsDep) -> JSONResponse:
    """The resolver description file (section 3/§5.21)."""
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
