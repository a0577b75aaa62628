"""Recording organisations' GS1 company prefixes (platform admin only).

The ownership rule itself is :func:`server.models.gs1.gtin_refusal`. Recording a prefix
is refused (409) when it is already recorded, when it nests with a recorded one (``893123``
and ``8931234`` cannot belong to two holders), and while another organisation still uses a
GTIN numbered under it — so a prefix never takes away a product that exists.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlmodel import Session, col, or_, select

from server.errors import Conflict, NotFound
from server.models import Organisation
from server.models.gs1 import GTIN_TABLES, Gs1CompanyPrefix

__all__ = ["prefixes_of", "add_prefix", "remove_prefix"]

log = logging.getLogger(__name__)


def prefixes_of(session: Session, org_id: int) -> list[Gs1CompanyPrefix]:
    return list(session.exec(select(Gs1CompanyPrefix).where(
        Gs1CompanyPrefix.organisation_id == org_id).order_by(col(Gs1CompanyPrefix.prefix))).all())


def _foreign_users(session: Session, org_id: int, prefix: str) -> int:
    """How many products of other organisations carry a GTIN under ``prefix``."""
    pattern = f"_{prefix}%"  # a GTIN-14: the indicator digit, then the GTIN-13
    n = 0
    for table in GTIN_TABLES:
        n += session.connection().execute(sa.select(sa.func.count()).select_from(table).where(
            table.c.gtin.like(pattern), table.c.organisation_id != org_id)).scalar_one()
    return n


def add_prefix(session: Session, org_id: int, prefix: str) -> Gs1CompanyPrefix:
    """Record ``prefix`` (already cleaned) for organisation ``org_id``. Commits."""
    if session.get(Organisation, org_id) is None:
        raise NotFound(f"Tổ chức {org_id} không tồn tại.")
    clash = session.exec(select(Gs1CompanyPrefix).where(or_(
        Gs1CompanyPrefix.prefix == prefix,
        col(Gs1CompanyPrefix.prefix).in_([prefix[:n] for n in range(6, len(prefix))]),
        col(Gs1CompanyPrefix.prefix).startswith(prefix)))).first()
    if clash is not None:
        raise Conflict(f"Tiền tố {prefix} trùng hoặc lồng với tiền tố {clash.prefix} đã ghi "
                       f"cho tổ chức {clash.organisation_id}.")
    used = _foreign_users(session, org_id, prefix)
    if used:
        raise Conflict(f"{used} sản phẩm của tổ chức khác đang dùng mã GTIN thuộc tiền tố "
                       f"{prefix}; hãy xử lý các sản phẩm đó trước.")
    row = Gs1CompanyPrefix(organisation_id=org_id, prefix=prefix)
    session.add(row)
    session.commit()
    session.refresh(row)
    log.info("GS1 company prefix %s recorded for organisation %s", prefix, org_id)
    return row


def remove_prefix(session: Session, org_id: int, prefix: str) -> None:
    row = session.exec(select(Gs1CompanyPrefix).where(
        Gs1CompanyPrefix.organisation_id == org_id, Gs1CompanyPrefix.prefix == prefix)).first()
    if row is None:
        raise NotFound(f"Tổ chức {org_id} không có tiền tố {prefix}.")
    session.delete(row)
    session.commit()
    log.info("GS1 company prefix %s removed from organisation %s", prefix, org_id)
