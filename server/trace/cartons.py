"""Cartons and pallets (logistic units with an SSCC): issuing them for a lot, reading a
scanned carton code, and what a carton's page shows.

* :func:`issue` — ``nongso cartons issue``: ``n`` SSCCs for a lot (:mod:`server.trace.sscc`),
  each carton recorded as packed (one EPCIS AggregationEvent per carton with the carton's
  Digital Link ``<base>/00/<SSCC>`` as ``parentID`` and the lot as child quantity);
* :func:`sscc_of_scan` / :func:`scanned_carton` — a scanned carton code in any of its forms
  (Digital Link, element string ``(00)…`` or ``00…``, the 18 digits) → the carton's lot;
* :func:`carton_view` — the carton page's content.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlmodel import Session, col, select

from qr.errors import GS1Error
from qr.gs1 import parse_sscc_path, sscc_is_valid, sscc_link
from server.errors import Conflict, Invalid
from server.models import Organisation
from server.models.gs1 import Carton
from server.models.trace import CodeKind, Lot, Product, RegistrationCode
from server.trace import lots

__all__ = ["issue", "sscc_of_scan", "scanned_carton", "CartonView", "carton_view",
           "write_files"]

_VN = timezone(timedelta(hours=7))
_ELEMENT = re.compile(r"^(?:\(00\)|\]C1|\]Q3)?\s*(?:00)?(\d{18})$")


def issue(session: Session, base: str, lot: Lot, count: int, *,
          when: datetime | None = None, user_id: int | None = None) -> list[Carton]:
    """``count`` cartons of ``lot`` with new SSCCs, recorded as packed (committed)."""
    if not 1 <= count <= 500:
        raise Invalid("A packing records 1 to 500 cartons.")
    from server.trace.sscc import new_cartons

    when = when or datetime.now(UTC)
    uris = new_cartons(session, base, lot, count, lot.quantity, when)
    if uris is None:
        raise Conflict("Tổ chức chưa có tiền tố doanh nghiệp GS1: không thể cấp mã SSCC "
                       "cho thùng hàng.")
    lots.record_event(session, base, lot, "pack", when=when, cartons=uris, user_id=user_id)
    codes = [u.rsplit("/", 1)[1] for u in uris]
    return list(session.exec(select(Carton).where(col(Carton.sscc).in_(codes))
                             .order_by(col(Carton.sscc))).all())


def sscc_of_scan(text: str) -> str | None:
    """The SSCC in a scanned carton code, or None if the code is not an SSCC."""
    raw = text.strip()
    m = _ELEMENT.fullmatch(raw)
    if m:
        return m.group(1) if sscc_is_valid(m.group(1)) else None
    if "/00/" not in raw:
        return None
    try:
        return parse_sscc_path(raw)
    except GS1Error:
        return None


def scanned_carton(session: Session, base: str, text: str) -> tuple[Lot | None, str] | None:
    """For the packing house's "scan cartons to ship" page: None if ``text`` is not an SSCC
    code; else the carton's lot (None if no such carton) and its Digital Link."""
    code = sscc_of_scan(text)
    if code is None:
        return None
    carton = session.exec(select(Carton).where(Carton.sscc == code)).first()
    lot = session.get(Lot, carton.lot_id) if carton and carton.lot_id else None
    return lot, sscc_link(base, code)


@dataclass
class CartonView:
    """What a carton's page shows."""

    carton: Carton
    org: Organisation | None
    lot: Lot | None = None
    product: Product | None = None
    packing_codes: list[str] = field(default_factory=list)


def carton_view(session: Session, sscc: str) -> CartonView | None:
    carton = session.exec(select(Carton).where(Carton.sscc == sscc)).first()
    if carton is None:
        return None
    view = CartonView(carton=carton, org=session.get(Organisation, carton.organisation_id))
    if carton.lot_id is not None:
        view.lot = session.get(Lot, carton.lot_id)
        view.product = session.get(Product, view.lot.product_id) if view.lot else None
    view.packing_codes = [c.code for c in session.exec(
        select(RegistrationCode).where(RegistrationCode.organisation_id == carton.organisation_id)
        .where(RegistrationCode.kind == CodeKind.packing_house)).all()]
    return view


def write_files(session: Session, base: str, lot: Lot, cartons: list[Carton],
                out: Path) -> tuple[Path, Path]:
    """``out/cartons.pdf`` (one GS1 logistic label per carton) and ``out/cartons.csv``
    (header exactly ``sscc,uri``, one carton a line)."""
    from qr.logistic_label import CartonLabel, write_labels

    product = session.get(Product, lot.product_id)
    org = session.get(Organisation, lot.organisation_id)
    out.mkdir(parents=True, exist_ok=True)
    labels = [CartonLabel(
        sscc=c.sscc, uri=sscc_link(base, c.sscc), sender=org.name if org else "",
        product=product.name if product else "", gtin=product.gtin if product else None,
        lot=lot.code, net_kg=c.net_quantity if c.unit == "KGM" else None,
        packed=(c.packed_at or c.created_at).astimezone(_VN).date()) for c in cartons]
    pdf, csv_path = out / "cartons.pdf", out / "cartons.csv"
    write_labels(str(pdf), labels)
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["sscc", "uri"])
        writer.writerows([label.sscc, label.uri] for label in labels)
    return pdf, csv_path
