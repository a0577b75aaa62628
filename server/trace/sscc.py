"""SSCC allocation (GS1 AI 00) for cartons and pallets, without collisions.

An SSCC is the extension digit, the organisation's GS1 company prefix, a serial reference and
a check digit (GS1 General Specifications 2.2.1; :func:`qr.gs1.make_sscc`). Serial references
come from one counter row per (prefix, extension) in ``gs1_sscc_counters``: a block of ``n``
is taken by one atomic ``UPDATE … SET next_ref = next_ref + n … RETURNING next_ref`` (the row
lock orders concurrent packers on PostgreSQL; SQLite has one writer at a time), and the unique
``gs1_cartons.sscc`` is the second guard. The counter row is created on first use with
``INSERT … ON CONFLICT DO NOTHING`` so that two first packers do not collide either.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from qr.gs1 import make_sscc, sscc_link
from server.errors import Conflict
from server.models.gs1 import Carton, Gs1CompanyPrefix
from server.models.trace import Lot

__all__ = ["company_prefix", "allocate", "new_cartons", "MAX_BLOCK"]

#: The most SSCCs one call allocates (a pallet label run, not a year's numbers).
MAX_BLOCK = 5000

_ENSURE = sa.text("INSERT INTO gs1_sscc_counters (prefix, extension, next_ref) "
                  "VALUES (:p, :e, 1) ON CONFLICT (prefix, extension) DO NOTHING")
_TAKE = sa.text("UPDATE gs1_sscc_counters SET next_ref = next_ref + :n "
                "WHERE prefix = :p AND extension = :e RETURNING next_ref")


def company_prefix(session: Session, org_id: int) -> str | None:
    """The organisation's GS1 company prefix (its first recorded one), or None."""
    row = session.exec(select(Gs1CompanyPrefix).where(Gs1CompanyPrefix.organisation_id == org_id)
                       .order_by(col(Gs1CompanyPrefix.id))).first()
    return row.prefix if row else None


def allocate(session: Session, prefix: str, n: int, extension: int = 0) -> list[str]:
    """``n`` new SSCCs under ``prefix``, never handed out before (in the caller's
    transaction: commit to keep them; a rollback returns nothing to the pool, which leaves
    a gap, never a duplicate)."""
    if not 1 <= n <= MAX_BLOCK:
        raise Conflict(f"Cấp từ 1 đến {MAX_BLOCK} mã SSCC mỗi lần.")
    conn = session.connection()
    params = {"p": prefix, "e": extension, "n": n}
    conn.execute(_ENSURE, params)
    end = int(conn.execute(_TAKE, params).scalar_one())
    width = 16 - len(prefix)
    if end - 1 >= 10 ** width:
        raise Conflict(f"Tiền tố doanh nghiệp {prefix} đã hết số tham chiếu SSCC "
                       f"(chữ số mở rộng {extension}).")
    return [make_sscc(extension, prefix, ref) for ref in range(end - n, end)]


def new_cartons(session: Session, base: str, lot: Lot, n: int, quantity: float,
                when: datetime | None) -> list[str] | None:
    """``n`` cartons of ``lot`` with fresh SSCCs (rows added, not committed), as their
    Digital Links ``<base>/00/<SSCC>``; None if the organisation has no GS1 company prefix
    recorded (then no SSCC can be made)."""
    prefix = company_prefix(session, lot.organisation_id)
    if prefix is None:
        return None
    codes = allocate(session, prefix, n)
    share = round(quantity / n, 3)
    for code in codes:
        session.add(Carton(organisation_id=lot.organisation_id, sscc=code, lot_id=lot.id,
                           net_quantity=share, unit=lot.unit, packed_at=when))
    session.flush()
    return [sscc_link(base, code) for code in codes]
