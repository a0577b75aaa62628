"""OCOP workflow tables (issue 9): products, dossiers, scores, events, certificates.

The OCOP subject is the platform's organisation. Rules (criteria, scoring, stars,
expiry, evaluating levels) come from the leaf library :mod:`ocop`; these tables only
store what happened. A product links to traceability products by its GTIN string
(stored as GTIN-14, validated with :func:`qr.gs1.gtin_is_valid`), not by a foreign key.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from ocop.groups import ProductGroup, Subgroup
from qr.gs1 import gtin_is_valid, normalize_gtin
from server.models.common import COMMUNE_PATTERN, created_at_field

__all__ = [
    "DossierStatus", "OcopProductBase", "OcopProductCreate", "OcopProductPublic", "OcopProduct",
    "OcopDossier", "OcopAnswer", "OcopCouncilScore", "OcopEvent", "OcopDocument",
    "OcopCertificate", "OcopNotification", "OcopCouncilMember", "clean_gtin",
]


class DossierStatus(str, enum.Enum):
    """States of a dossier (hồ sơ); :mod:`server.ocop_workflow.workflow` moves them."""

    draft = "draft"  # the co-op fills the self-assessment and uploads documents
    precheck = "precheck"  # commune pre-check (since 1489/QĐ-TTg)
    council = "council"  # a council scores at ``level`` (district, province or central)
    returned = "returned"  # sent back for more documents; resubmitted to the same level
    approved = "approved"  # result known, certificate to be issued at ``level``
    certified = "certified"  # certificate issued
    rejected = "rejected"  # below 3 stars or failed the pre-check


def clean_gtin(value: str | None) -> str | None:
    """A GTIN-8/12/13/14 as its GTIN-14 form; ``None``/blank stays ``None``.

    Raises ``ValueError`` for anything that is not a GTIN with a correct check digit.
    """
    if value is None or not value.strip():
        return None
    code = value.strip()
    if not gtin_is_valid(code):
        raise ValueError("GTIN must be 8, 12, 13 or 14 digits with a correct check digit")
    return normalize_gtin(code)


class OcopProductBase(SQLModel):
    name: str = Field(min_length=2, max_length=200)
    subgroup: str = Field(max_length=40)
    description: str | None = Field(default=None, max_length=2000)
    gtin: str | None = Field(default=None, max_length=14)
    #: Commune where it is produced (5-digit code, Decision 19/2025); defaults to the subject's.
    commune_code: str | None = Field(default=None, max_length=5,
                                     schema_extra={"pattern": COMMUNE_PATTERN})
    #: The co-op lets the public catalogue list this product's stamped lots (issue 19).
    show_lots: bool = False


class OcopProductCreate(OcopProductBase):
    organisation_id: int

    @field_validator("subgroup")
    @classmethod
    def _subgroup(cls, v: str) -> str:
        try:
            return Subgroup(v).value
        except ValueError:
            raise ValueError(f"unknown OCOP subgroup {v!r}") from None

    @field_validator("gtin")
    @classmethod
    def _gtin(cls, v: str | None) -> str | None:
        return clean_gtin(v)


class OcopProduct(OcopProductBase, table=True):
    __tablename__ = "ocop_products"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name", name="uq_ocop_product_name"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    #: One of the six programme groups (:class:`ocop.groups.ProductGroup` value).
    product_group: str = Field(max_length=16)
    gtin: str | None = Field(default=None, max_length=14, sa_column_kwargs={"unique": True})
    created_at: datetime = created_at_field()

    @property
    def group_enum(self) -> ProductGroup:
        return ProductGroup(self.product_group)


class OcopProductPublic(OcopProductBase):
    id: int
    organisation_id: int
    product_group: str


class OcopDossier(SQLModel, table=True):
    """One evaluation round of a product (a renewal is a new dossier)."""

    __tablename__ = "ocop_dossiers"
    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="ocop_products.id", index=True, ondelete="CASCADE")
    #: Key of the :mod:`ocop.criteria` set in force when the dossier was opened.
    criteria_set: str = Field(max_length=60)
    status: DossierStatus = Field(
        default=DossierStatus.draft, sa_type=sa.Enum(DossierStatus, native_enum=False, length=16))
    #: Level currently holding the dossier (:class:`ocop.scoring.EvaluationLevel` value).
    level: str | None = Field(default=None, max_length=16)
    #: The day whose rules apply (first submission): 1489 (2025), 148 (2023) or 1048.
    rules_date: date | None = None
    self_total: float | None = None
    self_stars: int | None = None
    result_total: float | None = None
    result_stars: int | None = None
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class OcopAnswer(SQLModel, table=True):
    """The co-op's self-assessment: one row per answered criterion."""

    __tablename__ = "ocop_answers"
    __table_args__ = (sa.UniqueConstraint("dossier_id", "criterion", name="uq_ocop_answer"),)
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="ocop_dossiers.id", index=True, ondelete="CASCADE")
    criterion: str = Field(max_length=12)
    option: str | None = Field(default=None, max_length=16)
    points: float


class OcopCouncilScore(SQLModel, table=True):
    """One council member's points for one criterion, at one level."""

    __tablename__ = "ocop_council_scores"
    __table_args__ = (sa.UniqueConstraint("dossier_id", "level", "evaluator_id", "criterion",
                                          name="uq_ocop_council_score"),)
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="ocop_dossiers.id", index=True, ondelete="CASCADE")
    level: str = Field(max_length=16)
    evaluator_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    criterion: str = Field(max_length=12)
    option: str | None = Field(default=None, max_length=16)
    points: float
    scored_at: datetime = created_at_field()


class OcopEvent(SQLModel, table=True):
    """Every step of a dossier: who, when, from which state to which."""

    __tablename__ = "ocop_events"
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="ocop_dossiers.id", index=True, ondelete="CASCADE")
    step: str = Field(max_length=24)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    level: str | None = Field(default=None, max_length=16)
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    note: str | None = Field(default=None, max_length=2000)
    at: datetime = created_at_field()


class OcopDocument(SQLModel, table=True):
    """A dossier document stored under ``<var_dir>/ocop/uploads`` with a generated name."""

    __tablename__ = "ocop_documents"
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="ocop_dossiers.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=32)
    #: The uploader's file name, for display only (never used as a path).
    title: str = Field(max_length=200)
    stored_name: str = Field(max_length=80, sa_column_kwargs={"unique": True})
    content_type: str = Field(max_length=40)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    uploaded_at: datetime = created_at_field()


class OcopCertificate(SQLModel, table=True):
    """An OCOP certificate (giấy chứng nhận); valid 36 months unless revoked."""

    __tablename__ = "ocop_certificates"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=60, sa_column_kwargs={"unique": True})
    product_id: int = Field(foreign_key="ocop_products.id", index=True, ondelete="CASCADE")
    dossier_id: int | None = Field(default=None, foreign_key="ocop_dossiers.id",
                                   ondelete="SET NULL")
    stars: int
    total: float
    level: str = Field(max_length=16)
    criteria_set: str = Field(max_length=60)
    issued_on: date
    expires_on: date
    revoked_on: date | None = None
    revoked_reason: str | None = Field(default=None, max_length=500)
    revoked_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()


class OcopNotification(SQLModel, table=True):
    """In-app notifications of an organisation (certificate expiry reminders, ...).

    ``key`` makes each reminder unique, so writing them is idempotent.
    """

    __tablename__ = "ocop_notifications"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, sa_column_kwargs={"unique": True})
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    certificate_id: int | None = Field(default=None, foreign_key="ocop_certificates.id",
                                       ondelete="CASCADE")
    kind: str = Field(max_length=32)
    message: str = Field(max_length=500)
    due_on: date
    created_at: datetime = created_at_field()
    read_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class OcopCouncilMember(SQLModel, table=True):
    """A seat on an OCOP council (issue 19): who does which duty, at which level.

    ``organisation_id`` is the authority (kind ``authority``) whose council it is: its
    province for the province council, its commune (``commune_code``, else the
    authority's) for commune officials; the central council's authority for ``central``.
    ``role`` is a :class:`ocop.council.CouncilRole` value. Rules: :mod:`ocop.council`.
    """

    __tablename__ = "ocop_council_members"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "level", "user_id",
                                          name="uq_ocop_council_member"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    level: str = Field(max_length=16)
    role: str = Field(max_length=20)
    commune_code: str | None = Field(default=None, max_length=5)
    active: bool = True
    created_at: datetime = created_at_field()
