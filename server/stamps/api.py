"""Stamp API: issue a batch for a lot, download its print files, revoke, recall."""

from __future__ import annotations

import io
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import select

from qr.export import write_csv
from server.deps import CurrentUser, SessionDep, SettingsDep
from server.errors import Conflict, NotFound
from server.models import Role
from server.models.common import utcnow
from server.models.stamps import LotRecall, Stamp, StampBatch, StampBatchPublic, StampIssueRequest
from server.models.trace import Lot, Product
from server.stamps import clone, pins
from server.stamps.issue import batch_stamps, issue_batch, write_print_files
from server.stamps.services import StampsDep
from server.trace.stamping import assert_stampable

__all__ = ["router"]

router = APIRouter(tags=["stamps"])


class IssueResponse(BaseModel):
    batch: StampBatchPublic
    created: bool
    pins: dict[str, str] = Field(default_factory=dict,
                                 description="serial → scratch-off PIN; only in the response "
                                             "that created the batch, never stored in clear")


class ReasonIn(BaseModel):
    reason: str = Field(min_length=5, max_length=300)


class CloneReviewIn(ReasonIn):
    #: ``clear``: the flag was wrong (the scans so far stop counting as evidence);
    #: ``confirm``: the stamp was copied.
    action: Literal["clear", "confirm"]


class StampStatePublic(BaseModel):
    serial: str
    pin_failures: int
    pin_locked: bool
    pin_used_at: datetime | None
    clone_suspected_at: datetime | None
    clone_reason: str | None
    clone_review: str | None
    clone_review_note: str | None

    @classmethod
    def of(cls, st: Stamp) -> StampStatePublic:
        return cls(serial=st.serial, pin_failures=st.pin_failures,
                   pin_locked=st.pin_locked_at is not None, pin_used_at=st.pin_used_at,
                   clone_suspected_at=st.clone_suspected_at, clone_reason=st.clone_reason,
                   clone_review=st.clone_review, clone_review_note=st.clone_review_note)


def _lot(session: SessionDep, who: CurrentUser, lot_id: int, *roles: Role) -> tuple[Lot, Product]:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise NotFound(f"Lot {lot_id} does not exist.")
    who.require(lot.organisation_id, *roles)
    product = session.get(Product, lot.product_id)
    assert product is not None
    return lot, product


@router.post("/lots/{lot_id}/stamps", response_model=IssueResponse, status_code=201)
def issue(lot_id: int, body: StampIssueRequest, who: CurrentUser, session: SessionDep,
          settings: SettingsDep, svc: StampsDep, response: Response) -> IssueResponse:
    lot, product = _lot(session, who, lot_id, Role.coop_admin)
    assert_stampable(session, lot_id)
    got = issue_batch(session, svc.keyring, settings.secret_key, lot, product, body, who.id)
    if not got.created:
        response.status_code = 200
    return IssueResponse(batch=StampBatchPublic.model_validate(got.batch), created=got.created,
                         pins=got.pins)


def _batch(session: SessionDep, who: CurrentUser, batch_id: int) -> tuple[StampBatch, Lot, Product]:
    batch = session.get(StampBatch, batch_id)
    if batch is None:
        raise NotFound(f"Stamp batch {batch_id} does not exist.")
    who.require(batch.organisation_id, Role.coop_admin)
    lot, product = _lot(session, who, batch.lot_id)
    return batch, lot, product


def _print_file(session: SessionDep, who: CurrentUser, settings: SettingsDep, batch_id: int,
                kind: str, media_type: str) -> Response:
    """One of a batch's print files (``pdf``, ``csv`` or ``zip``) as a download."""
    batch, lot, product = _batch(session, who, batch_id)
    stamps = batch_stamps(session, settings.public_base_url, batch, product, lot)
    with tempfile.TemporaryDirectory() as d:
        files = write_print_files(Path(d), stamps, product=product.name, lot=lot.code,
                                  layout=batch.layout, zip_svg=kind == "zip")
        data = files[kind].read_bytes()
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="stamps-{lot.code}-{batch_id}.{kind}"'})


@router.get("/stamp-batches/{batch_id}/stamps.pdf")
def batch_pdf(batch_id: int, who: CurrentUser, session: SessionDep,
              settings: SettingsDep) -> Response:
    return _print_file(session, who, settings, batch_id, "pdf", "application/pdf")


@router.get("/stamp-batches/{batch_id}/stamps.csv")
def batch_csv(batch_id: int, who: CurrentUser, session: SessionDep,
              settings: SettingsDep) -> Response:
    """One URI per line, header ``uri``."""
    batch, lot, product = _batch(session, who, batch_id)
    buf = io.StringIO()
    write_csv(buf, [s.uri for s in batch_stamps(session, settings.public_base_url, batch,
                                                 product, lot)])
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="stamps-{lot.code}-{batch_id}.csv"'})


@router.get("/stamp-batches/{batch_id}/stamps.zip")
def batch_zip(batch_id: int, who: CurrentUser, session: SessionDep,
              settings: SettingsDep) -> Response:
    """For a print shop: ``stamps.csv``, ``stamps.pdf`` and one SVG per stamp."""
    return _print_file(session, who, settings, batch_id, "zip", "application/zip")


@router.get("/stamps/{serial}/qr.{fmt}")
def stamp_qr(serial: str, fmt: str, who: CurrentUser, session: SessionDep,
             settings: SettingsDep) -> Response:
    """One stamp's QR code: ``svg`` (vector, for designers) or ``png`` (8 px a module)."""
    from qr.gs1 import digital_link
    from qr.render import render_png, render_svg

    if fmt not in ("svg", "png"):
        raise NotFound("Formats: qr.svg, qr.png.")
    stamp = session.exec(select(Stamp).where(Stamp.serial == serial[:20])).first()
    if stamp is None:
        raise NotFound("No such stamp.")
    lot, product = _lot(session, who, stamp.lot_id, Role.coop_admin)
    uri = digital_link(settings.public_base_url, product.gtin, lot.code, stamp.serial)
    if fmt == "svg":
        return Response(render_svg(uri, title=stamp.serial), media_type="image/svg+xml")
    return Response(render_png(uri), media_type="image/png")


@router.post("/stamps/{serial}/revoke")
def revoke(serial: str, body: ReasonIn, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    stamp = session.exec(select(Stamp).where(Stamp.serial == serial[:20])).first()
    if stamp is None:
        raise NotFound("No such stamp.")
    lot, _ = _lot(session, who, stamp.lot_id, Role.coop_admin)
    if stamp.revoked_at is None:
        stamp.revoked_at = utcnow()
        stamp.revoked_reason = body.reason
        session.add(stamp)
        session.commit()
    return {"serial": stamp.serial, "revoked_at": stamp.revoked_at, "reason": stamp.revoked_reason}


@router.post("/lots/{lot_id}/recall", status_code=201)
def recall(lot_id: int, body: ReasonIn, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    _lot(session, who, lot_id, Role.coop_admin)
    if session.exec(select(LotRecall).where(LotRecall.lot_id == lot_id)).first():
        raise Conflict(f"Lot {lot_id} is already recalled.")
    row = LotRecall(lot_id=lot_id, reason=body.reason, recalled_by=who.id)
    session.add(row)
    session.commit()
    return {"lot_id": lot_id, "reason": row.reason, "recalled_at": row.created_at}


def _own_stamp(session: SessionDep, who: CurrentUser, serial: str) -> Stamp:
    """A stamp of the caller's co-op (its admin), by serial; 404 for anyone else's."""
    stamp = session.exec(select(Stamp).where(Stamp.serial == serial[:20])).first()
    if stamp is None:
        raise NotFound("No such stamp.")
    _lot(session, who, stamp.lot_id, Role.coop_admin)
    return stamp


@router.post("/stamps/{serial}/pin-reset", response_model=StampStatePublic)
def pin_reset(serial: str, who: CurrentUser, session: SessionDep) -> StampStatePublic:
    """Unlock a stamp's scratch-off PIN locked after too many wrong PINs."""
    return StampStatePublic.of(pins.reset(session, _own_stamp(session, who, serial)))


@router.post("/stamps/{serial}/clone-review", response_model=StampStatePublic)
def clone_review(serial: str, body: CloneReviewIn, who: CurrentUser,
                 session: SessionDep) -> StampStatePublic:
    """The co-op's review of a "may be copied" flag: clear it or confirm it, with a reason."""
    stamp = _own_stamp(session, who, serial)
    return StampStatePublic.of(clone.review(session, stamp, body.action, body.reason))
