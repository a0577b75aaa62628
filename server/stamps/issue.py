"""Issuing stamps for a lot: idempotent per request id, bulk inserts, print files."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from qr.gs1 import digital_link, normalize_gtin
from qr.serial import Keyring, mint_many, short_code
from qr.stamps import Stamp as QrStamp
from server.errors import Conflict, NotFound
from server.models.common import utcnow
from server.models.stamps import Stamp, StampBatch, StampIssueRequest
from server.models.trace import Lot, Product
from server.stamps.keys import pin_hash
from server.stamps.pins import PIN_DIGITS

__all__ = ["IssuedBatch", "issue_batch", "batch_stamps", "write_print_files", "lot_by_code"]

log = logging.getLogger(__name__)
_CHUNK = 5000


@dataclass(frozen=True)
class IssuedBatch:
    batch: StampBatch
    created: bool
    #: serial → PIN, only for a batch created by this call (PINs are never stored).
    pins: dict[str, str]


def lot_by_code(session: Session, code: str, gtin: str | None = None) -> tuple[Lot, Product]:
    stmt = select(Lot, Product).join(Product, col(Product.id) == Lot.product_id).where(
        Lot.code == code)
    if gtin:
        stmt = stmt.where(Product.gtin == normalize_gtin(gtin))
    rows = list(session.exec(stmt).all())
    if not rows:
        raise NotFound(f"No lot with code {code!r}.")
    if len(rows) > 1:
        raise Conflict(f"Several products have a lot {code!r}; give the GTIN too.")
    return rows[0]


def _claim(session: Session, lot: Lot, req: StampIssueRequest,
           user_id: int | None) -> int | None:
    """Insert the batch row unless the request id is taken: ``INSERT … ON CONFLICT DO
    NOTHING RETURNING id`` — the new id, or None when another request (maybe still running
    on another node: PostgreSQL waits for it to commit) has the id."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = StampBatch.__table__  # type: ignore[attr-defined]
    row = session.execute(insert(table).values(
        organisation_id=lot.organisation_id, lot_id=lot.id, request_id=req.request_id,
        count=req.count, layout=req.layout, with_pin=req.with_pin, created_by=user_id,
        created_at=utcnow()).on_conflict_do_nothing(
            index_elements=["organisation_id", "request_id"]).returning(table.c.id)).first()
    return None if row is None else int(row[0])


def _first_answer(session: Session, lot: Lot, req: StampIssueRequest) -> IssuedBatch:
    """The batch an earlier request with this id made (same answer, no PINs), or 409."""
    existing = session.exec(select(StampBatch).where(
        StampBatch.organisation_id == lot.organisation_id,
        StampBatch.request_id == req.request_id)).one()
    if (existing.lot_id, existing.count, existing.with_pin) != (lot.id, req.count,
                                                                req.with_pin):
        raise Conflict(f"Request id {req.request_id!r} was already used for a different "
                       "batch; use a new request id.")
    return IssuedBatch(existing, False, {})


def issue_batch(session: Session, keyring: Keyring, secret: str, lot: Lot, product: Product,
                req: StampIssueRequest, user_id: int | None,
                progress: Callable[[int], None] | None = None) -> IssuedBatch:
    """Mint ``req.count`` stamps for ``lot`` unless this request id was seen before.

    A retried request (same organisation and request id) returns the first batch and
    mints nothing — also when both arrive at once on two nodes (:func:`_claim`); the same
    id with different parameters is a conflict (409).
    """
    assert lot.id is not None
    batch_id = _claim(session, lot, req, user_id)
    if batch_id is None:  # the first request has committed (PostgreSQL waited for it)
        return _first_answer(session, lot, req)
    batch = session.get(StampBatch, batch_id)
    assert batch is not None and batch.id is not None
    gtin14 = normalize_gtin(product.gtin)
    pins: dict[str, str] = {}
    done = 0
    while done < req.count:
        n = min(_CHUNK, req.count - done)
        serials = mint_many(keyring, gtin14, lot.code, n)
        rows = []
        for serial in serials:
            pin = None
            if req.with_pin:
                pin = f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"
                pins[serial] = pin
            rows.append({"batch_id": batch.id, "lot_id": lot.id, "serial": serial,
                         "pin_hash": pin_hash(secret, serial, pin) if pin else None,
                         "scan_count": 0})
        session.execute(sa.insert(Stamp), rows)
        done += n
        if progress:
            progress(n)
    session.commit()
    session.refresh(batch)
    log.info("issued %d stamps for lot %s (batch %s)", req.count, lot.code, batch.id)
    return IssuedBatch(batch, True, pins)


def batch_stamps(session: Session, base: str, batch: StampBatch,
                 product: Product, lot: Lot) -> list[QrStamp]:
    serials = session.exec(select(Stamp.serial).where(Stamp.batch_id == batch.id)
                           .order_by(col(Stamp.id))).all()
    gtin14 = normalize_gtin(product.gtin)
    return [QrStamp(uri=digital_link(base, gtin14, lot.code, s), serial=s, code=short_code(s))
            for s in serials]


def write_print_files(out_dir: Path, stamps: list[QrStamp], *, product: str, lot: str,
                      layout: str, pins: dict[str, str] | None = None,
                      progress: Callable[[int], None] | None = None,
                      zip_svg: bool = False) -> dict[str, Path]:
    """``stamps.pdf`` and ``stamps.csv`` (header ``uri``); ``pins.csv`` for PIN batches;
    with ``zip_svg``, ``stamps.zip`` for a print shop (the CSV, the PDF and one SVG per
    stamp; never the PINs)."""
    from qr.export import write_csv
    from qr.sheet import write_pdf

    out_dir.mkdir(parents=True, exist_ok=True)
    pdf, csv = out_dir / "stamps.pdf", out_dir / "stamps.csv"
    step = {"done": 0}

    def tick(done: int, total: int | None = None) -> None:
        if progress:
            progress(done - step["done"])
        step["done"] = done

    write_pdf(str(pdf), stamps, product=product, lot=lot, layout=layout, progress=tick)
    write_csv(str(csv), [s.uri for s in stamps])
    files = {"pdf": pdf, "csv": csv}
    if pins:
        p = out_dir / "pins.csv"
        p.write_text("serial,pin\n" + "".join(f"{s},{pin}\n" for s, pin in pins.items()),
                     encoding="utf-8")
        p.chmod(0o600)
        files["pins"] = p
    if zip_svg:
        from qr.export import write_zip

        z = out_dir / "stamps.zip"
        write_zip(str(z), stamps, pdf=pdf.read_bytes())
        files["zip"] = z
    return files
