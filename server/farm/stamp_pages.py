"""Stamps from the pages (issue 21): issue N stamps for a lot (layout, optional PINs, a
progress bar for large runs), the batches with their PDF / ZIP / CSV (the API's download
routes), revoke a batch or recall a lot with a reason, scan statistics and the review of
a "may be copied" flag. Issuing goes through :func:`server.stamps.issue.issue_batch` (one
request id per form: a double tap issues once) after
:func:`server.trace.stamping.assert_stampable` (an open pre-harvest flag blocks it).
"""

from __future__ import annotations

import secrets
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, col, select, update

from server.deps import CurrentUser, Principal, SessionDep, SettingsDep
from server.errors import Conflict, DomainError, Invalid, NotFound
from server.farm.coop_pages import admin_orgs
from server.farm.scan_stats import lot_scan_stats, stamp_scans
from server.models import Role
from server.models.common import utcnow
from server.models.stamps import LotRecall, Stamp, StampBatch, StampIssueRequest
from server.models.trace import Lot, Product
from server.stamps import clone
from server.stamps.issue import issue_batch
from server.stamps.services import StampsDep
from server.templating import render
from server.trace import stamping

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
ADMINS = (Role.coop_admin,)
LAYOUTS = {"a4": "Tờ A4 (in văn phòng)", "roll-30x20": "Cuộn nhãn 30×20 mm",
           "roll-40x30": "Cuộn nhãn 40×30 mm"}


def _lot(session: Session, who: Principal, lot_id: int) -> tuple[Lot, Product]:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise NotFound("Không có lô này.")
    who.require_owned(lot.organisation_id, *ADMINS, missing="Không có lô này.")
    product = session.get(Product, lot.product_id)
    assert product is not None
    return lot, product


def _progress(request: Request) -> dict[str, tuple[int, int]]:
    """Issuing progress by request id, for this process (the bar is a courtesy)."""
    state = request.app.state
    if not hasattr(state, "farm_stamp_progress"):
        state.farm_stamp_progress = {}
    table: dict[str, tuple[int, int]] = state.farm_stamp_progress
    return table


def _page(request: Request, who: Principal, session: Session, lot_id: int, *,
          error: str | None = None, status: int = 200, issued: Any = None) -> HTMLResponse:
    lot, product = _lot(session, who, lot_id)
    batches = session.exec(select(StampBatch).where(StampBatch.lot_id == lot_id)
                           .order_by(col(StampBatch.id).desc())).all()
    revoked = dict(session.exec(select(Stamp.batch_id, Stamp.revoked_reason)
                                .where(Stamp.lot_id == lot_id)
                                .where(col(Stamp.revoked_at).is_not(None))).all())
    recall = session.exec(select(LotRecall).where(LotRecall.lot_id == lot_id)).first()
    return render(request, "coop_stamps_lot.html", {
        "who": who, "lot": lot, "product": product, "batches": batches, "revoked": revoked,
        "recall": recall, "flags": stamping.open_flags(session, lot_id), "layouts": LAYOUTS,
        "request_id": secrets.token_urlsafe(12), "stats": lot_scan_stats(session, lot_id),
        "error": error, "issued": issued}, status=status)


@router.get("/coop/lots/{lot_id}/stamps", response_class=HTMLResponse)
def lot_stamps_page(request: Request, lot_id: int, who: CurrentUser,
                    session: SessionDep) -> HTMLResponse:
    return _page(request, who, session, lot_id)


@router.post("/coop/lots/{lot_id}/stamps", response_class=HTMLResponse)
def issue_stamps(request: Request, lot_id: int, who: CurrentUser, session: SessionDep,
                 settings: SettingsDep, svc: StampsDep, request_id: str = Form(max_length=64),
                 count: int = Form(ge=1, le=100_000), layout: str = Form(max_length=16),
                 with_pin: bool = Form(default=False)) -> HTMLResponse:
    lot, product = _lot(session, who, lot_id)
    progress = _progress(request)
    try:
        req = StampIssueRequest(request_id=request_id, count=count, layout=layout,
                                with_pin=with_pin)
        stamping.assert_stampable(session, lot_id)
        if session.exec(select(LotRecall).where(LotRecall.lot_id == lot_id)).first():
            raise Conflict("Lô đã thu hồi: không in thêm tem.")
        got = issue_batch(session, svc.keyring, settings.secret_key, lot, product, req, who.id,
                          progress=lambda done: progress.__setitem__(request_id, (done, count)))
    except ValidationError:
        return _page(request, who, session, lot_id, error="Số tem hoặc khổ in không hợp lệ.",
                     status=422)
    except DomainError as exc:
        return _page(request, who, session, lot_id, error=exc.detail, status=exc.status_code)
    finally:
        progress.pop(request_id, None)
    return _page(request, who, session, lot_id, status=201 if got.created else 200,
                 issued={"batch": got.batch, "created": got.created, "pins": got.pins})


@router.get("/coop/stamps/progress")
def issue_progress(request: Request, who: CurrentUser,
                   rid: str = Query(default="", max_length=64)) -> JSONResponse:
    done, total = _progress(request).get(rid, (0, 0))
    return JSONResponse({"done": done, "total": total})


@router.post("/coop/stamp-batches/{batch_id}/revoke")
def revoke_batch(batch_id: int, who: CurrentUser, session: SessionDep,
                 reason: str = Form(min_length=5, max_length=300)) -> Response:
    """Every stamp of the batch not yet revoked: revoked now, with the reason (one UPDATE)."""
    batch = session.get(StampBatch, batch_id)
    if batch is None:
        raise NotFound("Không có đợt tem này.")
    _lot(session, who, batch.lot_id)
    session.execute(update(Stamp).where(col(Stamp.batch_id) == batch_id)
                    .where(col(Stamp.revoked_at).is_(None))
                    .values(revoked_at=utcnow(), revoked_reason=reason.strip()))
    session.commit()
    return RedirectResponse(f"/coop/lots/{batch.lot_id}/stamps#batches", status_code=303)


@router.post("/coop/lots/{lot_id}/recall")
def recall_lot(lot_id: int, who: CurrentUser, session: SessionDep,
               reason: str = Form(min_length=5, max_length=500)) -> Response:
    _lot(session, who, lot_id)
    if session.exec(select(LotRecall).where(LotRecall.lot_id == lot_id)).first():
        raise Conflict("Lô này đã được thu hồi.")
    session.add(LotRecall(lot_id=lot_id, reason=reason.strip(), recalled_by=who.id))
    session.commit()
    return RedirectResponse(f"/coop/lots/{lot_id}/stamps#recall", status_code=303)


@router.post("/coop/stamps/{serial}/review")
def review_flag(serial: str, who: CurrentUser, session: SessionDep,
                action: Literal["clear", "confirm"] = Form(),
                reason: str = Form(min_length=5, max_length=300)) -> Response:
    stamp = session.exec(select(Stamp).where(Stamp.serial == serial[:20])).first()
    if stamp is None:
        raise NotFound("Không có tem này.")
    _lot(session, who, stamp.lot_id)
    try:
        clone.review(session, stamp, action, reason.strip())
    except Invalid:
        pass  # already cleared (a second tap): nothing to do
    return RedirectResponse(f"/coop/lots/{stamp.lot_id}/stamps#scans", status_code=303)


@router.get("/coop/stamps", response_class=HTMLResponse)
def stamps_page(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    orgs = admin_orgs(who)
    stmt = (select(StampBatch, Lot, Product).join(Lot, col(Lot.id) == StampBatch.lot_id)
            .join(Product, col(Product.id) == Lot.product_id)
            .order_by(col(StampBatch.id).desc()).limit(200))
    lots = select(Lot).order_by(col(Lot.id).desc()).limit(200)
    if orgs is not None:
        stmt = stmt.where(col(StampBatch.organisation_id).in_(orgs))
        lots = lots.where(col(Lot.organisation_id).in_(orgs))
    return render(request, "coop_stamps.html", {"who": who, "rows": session.exec(stmt).all(),
                                                 "lots": session.exec(lots).all(),
                                                 "layouts": LAYOUTS})


@router.get("/coop/stamps/lookup")
def stamp_lookup(who: CurrentUser, serial: str = Query(default="", max_length=20)) -> Response:
    """The lot page's "tra một tem" box: on to that stamp's page."""
    return RedirectResponse("/coop/stamps/" + quote(serial.strip().upper() or "-", safe=""),
                            status_code=303)


@router.get("/coop/stamps/{serial}", response_class=HTMLResponse)
def stamp_page(request: Request, serial: str, who: CurrentUser,
               session: SessionDep) -> HTMLResponse:
    """One stamp: its state, scans (time, coarse place), clone flag and its review."""
    stamp = session.exec(select(Stamp).where(Stamp.serial == serial.strip().upper()[:20])).first()
    if stamp is None:
        raise NotFound("Không có tem này.")
    lot, product = _lot(session, who, stamp.lot_id)
    assert stamp.id is not None
    return render(request, "coop_stamp.html", {"who": who, "s": stamp, "lot": lot,
                                               "product": product,
                                               "scans": stamp_scans(session, stamp.id)})
