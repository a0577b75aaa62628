"""Lots from the pages (``/coop/lots``): create a lot from a harvest, split one lot into
several, merge several into one. History, flags, carton labels and shipping stay on the
packing-house pages of :mod:`server.trace` (``/trace/lots/{id}``, ``/trace/ship``), which
this page links to; the writes go through :mod:`server.trace.lots` as the API's do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.deps import CurrentUser, Principal, SessionDep, SettingsDep, load_owned
from server.errors import DomainError, Invalid
from server.farm.coop_pages import admin_orgs
from server.farm.diary_pages import VN
from server.farm.views import zone_rows
from server.models import Role
from server.models.stamps import LotRecall, StampBatch
from server.models.trace import Lot, LotCreate, Product
from server.templating import render
from server.trace import lots

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
ADMINS = (Role.coop_admin,)
NO_LOT = "Không có lô này."


def _lot_rows(session: Session, orgs: list[int] | None) -> list[dict[str, Any]]:
    stmt = (select(Lot, Product).join(Product, col(Product.id) == Lot.product_id)
            .order_by(col(Lot.id).desc()).limit(200))
    if orgs is not None:
        stmt = stmt.where(col(Lot.organisation_id).in_(orgs))
    pairs = session.exec(stmt).all()
    ids = [lot.id for lot, _ in pairs]
    stamped = set(session.exec(select(StampBatch.lot_id).where(col(StampBatch.lot_id).in_(ids))
                               ).all()) if ids else set()
    recalled = set(session.exec(select(LotRecall.lot_id).where(col(LotRecall.lot_id).in_(ids))
                                ).all()) if ids else set()
    return [{"lot": lot, "product": p, "stamped": lot.id in stamped,
             "recalled": lot.id in recalled} for lot, p in pairs]


def _page(request: Request, who: Principal, session: Session, error: str | None = None,
          status: int = 200, ok: str | None = None) -> HTMLResponse:
    orgs = admin_orgs(who)
    products = session.exec(select(Product).where(col(Product.organisation_id).in_(orgs))
                            if orgs is not None else select(Product)).all()
    return render(request, "coop_lots.html", {
        "who": who, "lots": _lot_rows(session, orgs), "products": products,
        "zones": zone_rows(session, orgs), "today": date.today().isoformat(),
        "suggest": f"L{datetime.now(VN):%y%m%d%H%M}", "error": error, "ok": ok}, status=status)


@router.get("/coop/lots", response_class=HTMLResponse)
def lots_page(request: Request, who: CurrentUser, session: SessionDep,
              ok: str | None = None) -> HTMLResponse:
    return _page(request, who, session, ok=ok)


def _attempt(request: Request, who: Principal, session: Session, done: str,
             work: Callable[[], object]) -> Response:
    """Run a form's ``work``; a refusal re-renders the page with its message and status
    (another co-op's lot or product: 404 like a missing one), a wrong role is 403."""
    try:
        work()
    except ValidationError:
        return _page(request, who, session, "Mã lô chỉ gồm chữ, số và - _ . (tối đa 20 ký tự).",
                     422)
    except DomainError as exc:
        if exc.status_code == 403:
            raise
        return _page(request, who, session, exc.detail, exc.status_code)
    return RedirectResponse(f"/coop/lots?ok={done}", status_code=303)


@router.post("/coop/lots")
def create_lot(request: Request, who: CurrentUser, session: SessionDep, settings: SettingsDep,
               code: str = Form(max_length=20), product_id: int = Form(),
               zone_id: int = Form(), quantity: float = Form(gt=0, le=1e9),
               harvested_on: date = Form()) -> Response:
    """A lot from a harvest: the lot, then its harvest event (which checks the PHI)."""
    def work() -> None:
        product = load_owned(session, who, Product, product_id, *ADMINS,
                             missing="Không có sản phẩm này.")
        body = LotCreate(code=code.strip(), product_id=product_id, quantity=quantity,
                         unit=product.unit, zone_id=zone_id)
        lot = lots.create_lot(session, product.organisation_id, body)
        when = datetime.combine(harvested_on, time(7, 0), VN)
        lots.record_event(session, settings.public_base_url, lot, "harvest", when=when,
                          user_id=who.id)
    return _attempt(request, who, session, "lot", work)


def _transform(session: Session, who: Principal, base: str, inputs: list[tuple[Lot, float]],
               outputs: list[tuple[str, float]]) -> list[Lot]:
    """Input lots (already checked as ``who``'s) → new lots (code, quantity) of the first
    input's product, one TransformationEvent (:func:`server.trace.lots.transform`)."""
    first = inputs[0][0]
    org = first.organisation_id
    outs = []
    for code, qty in outputs:
        body = LotCreate(code=code, product_id=first.product_id, quantity=qty, unit=first.unit,
                         zone_id=first.zone_id)
        lot = Lot.model_validate(body, update={"organisation_id": org,
                                               "harvested_at": first.harvested_at})
        session.add(lot)
        outs.append((lot, qty))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Invalid("Mã lô mới đã có cho sản phẩm này.") from None
    lots.transform(session, base, org, inputs, outs, user_id=who.id)
    return [lot for lot, _ in outs]


@router.post("/coop/lots/split")
def split_lot(request: Request, who: CurrentUser, session: SessionDep, settings: SettingsDep,
              lot_id: int = Form(), code_a: str = Form(max_length=20),
              qty_a: float = Form(gt=0, le=1e9), code_b: str = Form(max_length=20),
              qty_b: float = Form(gt=0, le=1e9)) -> Response:
    def work() -> None:
        source = load_owned(session, who, Lot, lot_id, *ADMINS, missing=NO_LOT)
        if qty_a + qty_b > source.quantity + 1e-9:
            raise Invalid("Tổng khối lượng hai phần lớn hơn lô gốc.")
        _transform(session, who, settings.public_base_url, [(source, qty_a + qty_b)],
                   [(code_a.strip(), qty_a), (code_b.strip(), qty_b)])
    return _attempt(request, who, session, "split", work)


@router.post("/coop/lots/merge")
def merge_lots(request: Request, who: CurrentUser, session: SessionDep, settings: SettingsDep,
               lot_ids: list[int] = Form(max_length=100), code: str = Form(max_length=20)) -> Response:
    def work() -> None:
        found = [load_owned(session, who, Lot, i, *ADMINS, missing=NO_LOT) for i in sorted(set(lot_ids))]
        if len(found) < 2:
            raise Invalid("Chọn ít nhất hai lô để gộp.")
        if len({lot.product_id for lot in found}) != 1:
            raise Invalid("Chỉ gộp được các lô của cùng một sản phẩm.")
        _transform(session, who, settings.public_base_url, [(lot, lot.quantity) for lot in found],
                   [(code.strip(), sum(lot.quantity for lot in found))])
    return _attempt(request, who, session, "merge", work)
