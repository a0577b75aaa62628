"""GS1 company prefixes held by organisations, and who owns a GTIN (issue 15 item 11).

A GTIN belongs to the organisation that holds its GS1 company prefix: GS1 Vietnam licenses a
prefix (6–12 digits starting with its GS1 prefix 893) to a member, who numbers its own
products under it. The platform admin records each organisation's prefixes
(``/api/v1/organisations/{org_id}/gs1-prefixes``); traceability products and OCOP products
are refused a GTIN that is not their organisation's (:func:`gtin_refusal`; the callers raise
:class:`server.errors.GtinNotOwned`, 409 — this module stays free of the error mapping).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, Session, SQLModel, col, select

from server.models.common import created_at_field

__all__ = ["Gs1CompanyPrefixCreate", "Gs1CompanyPrefix", "Gs1CompanyPrefixPublic",
           "gs1_prefix_is_assigned", "clean_company_prefix", "gtin13", "prefix_holder",
           "gtin_users", "gtin_refusal", "GTIN_TABLES", "SsccCounter", "Carton"]

#: GS1 prefixes (first three digits) that GS1 Member Organisations license company prefixes
#: under, as inclusive ranges (GS1 General Specifications, "GS1 Prefixes"). Left out: 020–029,
#: 040–049 and 200–299 (restricted circulation), 050–059 (coupons), 140–199 and other
#: unassigned ranges, 951–952 and 960–969 (GS1 Global Office special uses), 977–999 (ISSN,
#: ISBN, refund receipts, coupons).
_MO_PREFIXES: tuple[tuple[int, int], ...] = (
    (1, 19), (30, 39), (60, 139), (300, 509), (520, 521), (528, 531), (535, 535), (539, 549),
    (560, 560), (569, 579), (590, 590), (594, 594), (599, 601), (603, 609), (611, 611),
    (613, 613), (615, 631), (640, 649), (680, 681), (690, 709), (729, 746), (750, 750),
    (754, 755), (759, 771), (773, 773), (775, 775), (777, 780), (784, 784), (786, 786),
    (789, 790), (800, 850), (858, 860), (865, 865), (867, 881), (883, 885), (888, 888),
    (890, 890), (893, 894), (896, 896), (899, 919), (930, 950), (955, 955), (958, 958),
)


def gs1_prefix_is_assigned(code: str) -> bool:
    """True if ``code`` starts with a GS1 prefix that member organisations license from."""
    if len(code) < 3 or not code[:3].isdigit():
        return False
    head = int(code[:3])
    return any(lo <= head <= hi for lo, hi in _MO_PREFIXES)


def clean_company_prefix(value: str) -> str:
    """A company prefix: 6–12 ASCII digits under an assigned GS1 prefix (``ValueError``)."""
    value = value.strip()
    if not (6 <= len(value) <= 12 and value.isascii() and value.isdigit()):
        raise ValueError("a GS1 company prefix is 6 to 12 digits")
    if not gs1_prefix_is_assigned(value):
        raise ValueError(f"{value[:3]} is not a GS1 prefix that company prefixes are licensed "
                         "under (GS1 Vietnam's is 893)")
    return value


def gtin13(gtin14: str) -> str | None:
    """The GTIN-13 form of a GTIN-14 (the indicator digit dropped) that company prefixes are
    matched against; ``None`` for a GTIN-8, which has no company prefix."""
    if gtin14.startswith("000000"):
        return None
    return gtin14[1:]


class Gs1CompanyPrefixCreate(SQLModel):
    prefix: str = Field(min_length=6, max_length=12, schema_extra={"pattern": r"^[0-9]{6,12}$"})

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        return clean_company_prefix(v)


class Gs1CompanyPrefix(SQLModel, table=True):
    __tablename__ = "gs1_company_prefixes"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    prefix: str = Field(max_length=12, sa_column_kwargs={"unique": True})
    created_at: datetime = created_at_field()


class Gs1CompanyPrefixPublic(SQLModel):
    id: int
    organisation_id: int
    prefix: str
    created_at: datetime


def prefix_holder(session: Session, gtin14: str) -> Gs1CompanyPrefix | None:
    """The recorded company prefix this GTIN-14 is numbered under, if any (prefixes never nest,
    so at most one matches)."""
    code = gtin13(gtin14)
    if code is None:
        return None
    candidates = [code[:n] for n in range(6, 13)]
    return session.exec(select(Gs1CompanyPrefix).where(
        col(Gs1CompanyPrefix.prefix).in_(candidates))).first()


#: The tables whose rows carry a GTIN for an organisation (named, not imported: the trace
#: models import this module to register the prefix table).
GTIN_TABLES = tuple(sa.table(name, sa.column("organisation_id"), sa.column("gtin"))
                    for name in ("trace_products", "ocop_products"))


def gtin_users(session: Session, gtin14: str) -> set[int]:
    """Organisations whose traceability or OCOP products carry this GTIN-14."""
    users: set[int] = set()
    for table in GTIN_TABLES:
        rows = session.connection().execute(
            sa.select(table.c.organisation_id).where(table.c.gtin == gtin14))
        users |= {int(r[0]) for r in rows}
    return users


def gtin_refusal(session: Session, organisation_id: int, gtin14: str) -> str | None:
    """Why the organisation may not use this GTIN-14 (a Vietnamese message), or None if it may.

    The rule: a GTIN numbered under a recorded company prefix belongs to the prefix's holder
    and to nobody else. Under no recorded prefix, first come first served: the GTIN is
    accepted only if no *other* organisation already uses it (a traceability or an OCOP
    product). Why not refuse GTINs under unrecorded prefixes outright: most co-ops' prefixes
    are not on the platform yet (the admin records them from GS1 Vietnam's membership
    papers), and refusing would stop every co-op from registering a product until then;
    first come first served still stops a second co-op from borrowing a GTIN that is in
    use — the case that puts one co-op's stars on another's stamps. The two rules never
    disagree about an existing product: recording a prefix is refused while another
    organisation uses a GTIN under it (:mod:`server.trace.prefixes`).
    """
    shown = gtin14.lstrip("0") or gtin14
    holder = prefix_holder(session, gtin14)
    if holder is not None:
        if holder.organisation_id != organisation_id:
            return f"Mã GTIN {shown} thuộc tiền tố doanh nghiệp GS1 của một tổ chức khác."
        return None
    if gtin_users(session, gtin14) - {organisation_id}:
        return f"Mã GTIN {shown} đã được một tổ chức khác sử dụng."
    return None


# --------------------------------------------------------------- logistic units (issue 16)


class SsccCounter(SQLModel, table=True):
    """The next free SSCC serial reference under one company prefix and extension digit.

    Allocation takes a block with one atomic ``UPDATE … SET next_ref = next_ref + n
    RETURNING next_ref`` (:mod:`server.trace.sscc`): two packing stations allocating at once
    get disjoint blocks; the unique ``sscc`` of :class:`Carton` is the second guard."""

    __tablename__ = "gs1_sscc_counters"
    __table_args__ = (sa.UniqueConstraint("prefix", "extension", name="uq_gs1_sscc_counter"),)
    id: int | None = Field(default=None, primary_key=True)
    prefix: str = Field(max_length=12)
    extension: int = Field(default=0, ge=0, le=9)
    next_ref: int = Field(default=1, sa_type=sa.BigInteger)


class Carton(SQLModel, table=True):
    """A logistic unit (carton or pallet) identified by its SSCC (GS1 AI 00): 18 digits —
    extension digit, the organisation's GS1 company prefix, serial reference, check digit."""

    __tablename__ = "gs1_cartons"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    sscc: str = Field(max_length=18, sa_column_kwargs={"unique": True})
    lot_id: int | None = Field(default=None, foreign_key="trace_lots.id", index=True,
                               ondelete="SET NULL")
    net_quantity: float | None = None
    unit: str = Field(default="KGM", max_length=8)
    packed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    shipped_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = created_at_field()
