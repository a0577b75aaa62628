"""Packing-house screens (Vietnamese, phone first, gloves on: big buttons, few taps).

``/trace`` lists the co-op's lots; ``/trace/lots/{id}`` shows a lot's history with one big
button per step; ``/trace/ship`` scans carton QR codes (camera + BarcodeDetector where the
browser has it, typed codes otherwise) and records the shipment.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from qr.gs1 import parse_digital_link
from server.deps import CurrentUser, SessionDep, SettingsDep
from server.errors import DomainError
from server.models.trace import Lot, Product
from server.templating import render
from server.trace import epcis, lots, markets, stamping
from server.trace.access import RECORDERS, load_lot
from server.trace.cartons import scanned_carton

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

# Text buttons: emoji icons are missing from the fonts of older Androids (issue 21's audit).
BUTTONS = [("harvest", ""), ("inspect", ""), ("pack", ""), ("store", ""), ("ship", ""),
           ("receive", "")]


def _lots_for(session: SessionDep, who: CurrentUser) -> list[dict[str, Any]]:
    stmt = select(Lot, Product).join(Product, col(Product.id) == Lot.product_id).order_by(
        col(Lot.id).desc())
    if not who.is_admin:
        stmt = stmt.where(col(Lot.organisation_id).in_(who.org_ids()))
    return [{"lot": lot, "product": p,
             "blocked": bool(lot.id and stamping.open_flags(session, lot.id))}
            for lot, p in session.exec(stmt).all()]


@router.get("/trace", response_class=HTMLResponse)
def trace_home(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    return render(request, "trace_lots.html", {"who": who, "lots": _lots_for(session, who)})


@router.get("/trace/lots/{lot_id}", response_class=HTMLResponse)
def trace_lot(request: Request, lot_id: int, who: CurrentUser, session: SessionDep,
              done: str | None = None, error: str | None = None) -> HTMLResponse:
    lot = load_lot(session, who, lot_id)
    product = session.get(Product, lot.product_id)
    steps = [{"e": e, "when": epcis.format_time(e.time, e.tz_offset)[:16].replace("T", " ")}
             for e in lots.timeline(session, lot_id)]
    return render(request, "trace_lot.html", {
        "who": who, "lot": lot, "product": product, "steps": steps,
        "buttons": [(k, icon, lots.KIND_LABELS_VI[k]) for k, icon in BUTTONS],
        "flags": stamping.open_flags(session, lot_id), "done": done, "error": error,
        "markets": markets.readiness_all(session, lot, date.today())})


@router.post("/trace/lots/{lot_id}/events")
def trace_lot_event(lot_id: int, who: CurrentUser, session: SessionDep, settings: SettingsDep,
                    kind: str = Form(max_length=20),
                    carton_count: int | None = Form(default=None, ge=1, le=500)) -> Response:
    lot = load_lot(session, who, lot_id, *RECORDERS)
    try:
        lots.record_event(session, settings.public_base_url, lot, kind, user_id=who.id,
                          carton_count=carton_count if kind == "pack" else None)
    except DomainError as exc:
        return RedirectResponse(f"/trace/lots/{lot_id}?error={exc.code}", status_code=303)
    return RedirectResponse(f"/trace/lots/{lot_id}?done={kind}", status_code=303)


def _market_names() -> list[tuple[str, str]]:
    return [(k, v["name"][0]) for k, v in markets.rules()["markets"].items()]


@router.get("/trace/ship", response_class=HTMLResponse)
def trace_ship(request: Request, who: CurrentUser, shipped: int | None = None,
               error: str | None = None) -> HTMLResponse:
    return render(request, "trace_ship.html", {"who": who, "shipped": shipped, "error": error,
                                               "markets": _market_names()})


def _unready(session: SessionDep, lots_: list[Lot], market: str) -> list[str]:
    """For an export: each lot's missing items for ``market`` (none if ready or overridden),
    checked before anything is recorded."""
    out = []
    for lot in lots_:
        r = markets.readiness(session, lot, market, date.today())
        if r.missing and r.overridden is None:
            out.append(f"Lô {lot.code}: thiếu " + "; ".join(m["vi"] for m in r.missing))
    return out


def _may_record(who: CurrentUser, lot: Lot) -> bool:
    return who.is_admin or who.role_in(lot.organisation_id) in RECORDERS


@router.post("/trace/ship")
def trace_ship_submit(request: Request, who: CurrentUser, session: SessionDep,
                      settings: SettingsDep, codes: str = Form(max_length=50_000),
                      destination: str = Form(default="", max_length=300),
                      market: str = Form(default="", max_length=2)) -> Response:
    """Each scanned carton code is a GS1 Digital Link ``/01/<GTIN>/10/<lot>[/21/<serial>]``;
    the cartons of each lot are recorded as one shipping event of that lot."""
    by_lot: dict[int, tuple[Lot, list[str]]] = {}
    bad: list[str] = []
    for raw in dict.fromkeys(c.strip() for c in codes.splitlines() if c.strip()):
        carton = scanned_carton(session, settings.public_base_url, raw)
        if carton is not None:  # a carton's SSCC (AI 00), shipped as its Digital Link
            lot, raw = carton[0], (carton[1] if carton[0] is not None else raw)
        else:
            try:
                parts = parse_digital_link(raw)
            except ValueError:
                bad.append(raw)
                continue
            lot = lots.find_lot(session, parts.gtin, parts.lot or "")
        if lot is None or lot.id is None or not _may_record(who, lot):
            bad.append(raw)  # another co-op's carton reads like an unknown one (no 403)
            continue
        by_lot.setdefault(lot.id, (lot, []))[1].append(raw)
    if bad or not by_lot:
        return render(request, "trace_ship.html", {
            "who": who, "shipped": None, "codes": codes, "bad": bad,
            "error": "unknown" if bad else "empty", "markets": _market_names()}, status=422)
    if market and market not in markets.market_codes():
        bad.append(market)
    unready = _unready(session, [lot for lot, _ in by_lot.values()], market) \
        if market and not bad else []
    if bad or unready:
        return render(request, "trace_ship.html", {
            "who": who, "shipped": None, "codes": codes, "bad": bad, "unready": unready,
            "market": market, "error": "unready" if unready else "market",
            "markets": _market_names()}, status=409 if unready else 422)
    for lot, cartons in by_lot.values():
        lots.record_event(session, settings.public_base_url, lot, "ship", cartons=cartons,
                          destination=destination.strip() or None, user_id=who.id)
    total = sum(len(c) for _, c in by_lot.values())
    return RedirectResponse(f"/trace/ship?shipped={total}", status_code=303)


@router.get("/media/products/{product_id}/{name}")
def product_photo(product_id: int, name: str, session: SessionDep,
                  settings: SettingsDep) -> Response:
    """A product's photo, public (consumer pages, link previews). The name carries the
    photo's digest, so an answer never changes: cached for a year."""
    from fastapi.responses import FileResponse

    from server.errors import NotFound
    from server.trace.photos import photo_path

    product = session.get(Product, product_id)
    if product is None or not product.photo_digest or name != f"{product.photo_digest}.jpg":
        raise NotFound("No such photo.")
    return FileResponse(photo_path(settings.var_dir, product), media_type="image/jpeg",
                        headers={"Cache-Control": "public, max-age=31536000, immutable",
                                 "Access-Control-Allow-Origin": "*"})
