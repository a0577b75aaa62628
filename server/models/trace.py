"""Traceability tables (issue 7): products, places, registration codes, lots, EPCIS events,
lot lineage, farm diary, certificates and stamp-block flags.

Identifiers are validated with :mod:`qr.gs1` (GTIN and GLN check digits, AI-82 lot codes);
planting-area and packing-house codes are stored exactly as issued, never recomputed.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from qr import gs1
from server.models import gs1 as _gs1  # noqa: F401  (GS1 company prefixes: registers its table)
from server.models.common import created_at_field
from server.models.trace_claims import (
    CodeMarket,
    CodeMarketCreate,
    CodeMarketPublic,
    ExportOverride,
    ExportOverridePublic,
    GiRight,
    GiRightCreate,
    GiRightPublic,
)
from server.models.trace_flags import LotFlag, LotFlagPublic

__all__ = [
    "LocationKind", "CodeKind", "CodeStatus", "LotLinkRole", "DiaryKind", "CertificateKind",
    "CertificateSubject", "ProductCreate", "ProductPublic", "Product", "LocationCreate",
    "LocationPublic", "Location", "RegistrationCodeCreate", "RegistrationCodePublic",
    "RegistrationCode", "LotCreate", "LotPublic", "Lot", "TraceEvent", "EventLot", "LotLink",
    "DiaryEntryCreate", "DiaryEntryPublic", "DiaryEntry", "CertificatePublic", "Certificate",
    "LotFlag", "LotFlagPublic", "GiRight", "GiRightCreate", "GiRightPublic", "CodeMarket",
    "CodeMarketCreate", "CodeMarketPublic", "ExportOverride", "ExportOverridePublic",
]


def _enum(e: type[enum.Enum]) -> sa.Enum:
    return sa.Enum(e, native_enum=False, length=24)


class LocationKind(str, enum.Enum):
    farm = "farm"
    packing_house = "packing_house"
    warehouse = "warehouse"
    market = "market"


class CodeKind(str, enum.Enum):
    planting_area = "planting_area"  # mã số vùng trồng
    packing_house = "packing_house"  # mã số cơ sở đóng gói


class CodeStatus(str, enum.Enum):
    active = "active"
    suspended = "suspended"


class LotLinkRole(str, enum.Enum):
    input = "input"  # consumed by a transformation
    output = "output"  # produced by a transformation
    subject = "subject"  # observed / commissioned / shipped …
    child = "child"  # packed into a carton (aggregation)


class DiaryKind(str, enum.Enum):
    spraying = "spraying"  # phun thuốc BVTV
    fertilising = "fertilising"  # bón phân
    other = "other"


class CertificateKind(str, enum.Enum):
    vietgap = "vietgap"
    globalgap = "globalgap"
    organic = "organic"
    phytosanitary = "phytosanitary"  # giấy chứng nhận kiểm dịch thực vật
    irradiation = "irradiation"  # treatment record
    fumigation = "fumigation"  # methyl bromide treatment record
    vapour_heat = "vapour_heat"  # xử lý hơi nước nóng (VHT) treatment record
    other = "other"


class CertificateSubject(str, enum.Enum):
    lot = "lot"
    farm = "farm"
    organisation = "organisation"


# --------------------------------------------------------------------------- products


class ProductBase(SQLModel):
    name: str = Field(min_length=2, max_length=200)
    #: GTIN-8/12/13/14 as given; stored as GTIN-14. Must be a valid GS1 Vietnam (893) GTIN.
    gtin: str = Field(min_length=8, max_length=14)
    crop: str | None = Field(default=None, max_length=40)
    #: UN/CEFACT unit code used for lots of this product (KGM = kilogram).
    unit: str = Field(default="KGM", max_length=8, schema_extra={"pattern": r"^[A-Z0-9]{2,3}$"})


class ProductCreate(ProductBase):
    organisation_id: int

    @field_validator("gtin")
    @classmethod
    def _gtin(cls, v: str) -> str:
        v = v.strip()
        if not gs1.gtin_is_valid(v):
            raise ValueError("not a valid GTIN (length or check digit)")
        if not gs1.is_vietnam_gtin(v):
            raise ValueError("GTIN is not under GS1 Vietnam's prefix 893")
        return gs1.normalize_gtin(v)


class Product(ProductBase, table=True):
    __tablename__ = "trace_products"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    gtin: str = Field(max_length=14, sa_column_kwargs={"unique": True})
    created_at: datetime = created_at_field()
    #: The product photo: a JPEG the server made from the upload (``server/trace/photos.py``),
    #: named by its content digest so that it can be cached for ever.
    photo_digest: str | None = Field(default=None, max_length=64)
    photo_width: int | None = None
    photo_height: int | None = None

    @property
    def photo_url(self) -> str | None:
        """The photo's public path (no login; shown on consumer pages), if there is one."""
        if not self.photo_digest:
            return None
        return f"/media/products/{self.id}/{self.photo_digest}.jpg"


class ProductPublic(ProductBase):
    id: int
    organisation_id: int
    photo_url: str | None = None


# --------------------------------------------------------------------------- locations


class LocationBase(SQLModel):
    name: str = Field(min_length=2, max_length=200)
    kind: LocationKind
    gln: str | None = Field(default=None, max_length=13)
    farm_id: int | None = None


class LocationCreate(LocationBase):
    organisation_id: int

    @field_validator("gln")
    @classmethod
    def _gln(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if not gs1.gln_is_valid(v.strip()):
            raise ValueError("not a valid GLN (13 digits with a correct check digit)")
        return v.strip()


class Location(LocationBase, table=True):
    __tablename__ = "trace_locations"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    kind: LocationKind = Field(sa_type=_enum(LocationKind))
    farm_id: int | None = Field(default=None, foreign_key="farms.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()


class LocationPublic(LocationBase):
    id: int
    organisation_id: int


# --------------------------------------------------------------- registration codes


class RegistrationCodeBase(SQLModel):
    kind: CodeKind
    #: The code exactly as issued, e.g. ``VN-30-07-13-001-21`` (Decision 3156/QĐ-BNN-TT).
    code: str = Field(min_length=3, max_length=64)
    authority: str = Field(min_length=2, max_length=200)
    issued_on: date
    status: CodeStatus = CodeStatus.active
    farm_id: int | None = None
    zone_id: int | None = None
    location_id: int | None = None
    note: str | None = Field(default=None, max_length=500)


class RegistrationCodeCreate(RegistrationCodeBase):
    organisation_id: int

    @field_validator("code")
    @classmethod
    def _as_issued(cls, v: str) -> str:
        v = v.strip()
        if any(c.isspace() for c in v):
            raise ValueError("a code has no spaces inside")
        return v


class RegistrationCode(RegistrationCodeBase, table=True):
    __tablename__ = "trace_registration_codes"
    __table_args__ = (sa.UniqueConstraint("kind", "code", name="uq_trace_code"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    kind: CodeKind = Field(sa_type=_enum(CodeKind))
    status: CodeStatus = Field(default=CodeStatus.active, sa_type=_enum(CodeStatus))
    farm_id: int | None = Field(default=None, foreign_key="farms.id", ondelete="SET NULL")
    zone_id: int | None = Field(default=None, foreign_key="zones.id", ondelete="SET NULL")
    location_id: int | None = Field(default=None, foreign_key="trace_locations.id",
                                    ondelete="SET NULL")
    created_at: datetime = created_at_field()


class RegistrationCodePublic(RegistrationCodeBase):
    id: int
    organisation_id: int


# --------------------------------------------------------------------------- lots


class LotBase(SQLModel):
    #: Lot code (GS1 AI 10): 1–20 characters of AI encodable set 82.
    code: str = Field(min_length=1, max_length=20)
    product_id: int
    quantity: float = Field(gt=0, le=1e9)
    unit: str = Field(default="KGM", max_length=8, schema_extra={"pattern": r"^[A-Z0-9]{2,3}$"})
    #: Where it grew (origin zone); empty for lots made by transformation.
    zone_id: int | None = None


class LotCreate(LotBase):
    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not gs1.ai82_is_valid(v, gs1.MAX_LOT_LENGTH):
            raise ValueError("lot code must be 1-20 characters of GS1 AI set 82")
        return v


class Lot(LotBase, table=True):
    __tablename__ = "trace_lots"
    __table_args__ = (sa.UniqueConstraint("product_id", "code", name="uq_trace_lot_code"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    product_id: int = Field(foreign_key="trace_products.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=20, index=True)
    zone_id: int | None = Field(default=None, foreign_key="zones.id", ondelete="SET NULL")
    harvested_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = created_at_field()


class LotPublic(LotBase):
    id: int
    organisation_id: int
    harvested_at: datetime | None
    gtin: str | None = None
    blocked: bool = False


# --------------------------------------------------------------------------- events


class TraceEvent(SQLModel, table=True):
    """One EPCIS 2.0 event; ``document`` is the event exactly as exported / captured."""

    __tablename__ = "trace_events"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "content_hash",
                                          name="uq_trace_event_content"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    #: The EPCIS ``eventID`` (our hash ID, or the partner's own ID when captured).
    event_id: str = Field(max_length=200, index=True)
    #: SHA-256 of the canonical JSON of the event: repeated captures are stored once.
    content_hash: str = Field(max_length=64)
    event_type: str = Field(max_length=32)
    biz_step: str | None = Field(default=None, max_length=200)
    event_time: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
    tz_offset: str = Field(max_length=6)
    #: ``local`` (recorded here) or ``capture`` (from a partner's EPCIS document).
    source: str = Field(default="local", max_length=16)
    recorded_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    document: dict[str, Any] = Field(sa_type=sa.JSON)
    created_at: datetime = created_at_field()


class EventLot(SQLModel, table=True):
    __tablename__ = "trace_event_lots"
    __table_args__ = (sa.UniqueConstraint("event_id", "lot_id", "role", name="uq_trace_event_lot"),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="trace_events.id", index=True, ondelete="CASCADE")
    lot_id: int = Field(foreign_key="trace_lots.id", index=True, ondelete="CASCADE")
    role: LotLinkRole = Field(sa_type=_enum(LotLinkRole))
    quantity: float | None = None


class LotLink(SQLModel, table=True):
    """An edge of the lineage graph: ``parent`` went into ``child`` (split, merge, grading)."""

    __tablename__ = "trace_lot_links"
    __table_args__ = (sa.UniqueConstraint("parent_id", "child_id", "event_id",
                                          name="uq_trace_lot_link"),)
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int = Field(foreign_key="trace_lots.id", index=True, ondelete="CASCADE")
    child_id: int = Field(foreign_key="trace_lots.id", index=True, ondelete="CASCADE")
    event_id: int = Field(foreign_key="trace_events.id", ondelete="CASCADE")


# --------------------------------------------------------------------------- diary


class DiaryEntryBase(SQLModel):
    kind: DiaryKind
    performed_at: datetime
    #: Trade name of the pesticide or fertiliser.
    product_name: str = Field(min_length=1, max_length=200)
    active_ingredient: str | None = Field(default=None, max_length=200)
    dose: float | None = Field(default=None, gt=0, le=1e6)
    dose_unit: str | None = Field(default=None, max_length=20)
    #: Pre-harvest interval (thời gian cách ly) in days, from the product label.
    phi_days: int | None = Field(default=None, ge=0, le=365)
    note: str | None = Field(default=None, max_length=1000)


class DiaryEntryCreate(DiaryEntryBase):
    pass


class DiaryEntry(DiaryEntryBase, table=True):
    __tablename__ = "trace_diary_entries"
    id: int | None = Field(default=None, primary_key=True)
    zone_id: int = Field(foreign_key="zones.id", index=True, ondelete="CASCADE")
    kind: DiaryKind = Field(sa_type=_enum(DiaryKind))
    performed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    recorded_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()


class DiaryEntryPublic(DiaryEntryBase):
    id: int
    zone_id: int


# --------------------------------------------------------------------------- certificates


class Certificate(SQLModel, table=True):
    __tablename__ = "trace_certificates"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    subject: CertificateSubject = Field(sa_type=_enum(CertificateSubject))
    lot_id: int | None = Field(default=None, foreign_key="trace_lots.id", index=True,
                               ondelete="CASCADE")
    farm_id: int | None = Field(default=None, foreign_key="farms.id", ondelete="CASCADE")
    #: Scope, where the certificate names one: a product and/or a planting area (zone).
    product_id: int | None = Field(default=None, foreign_key="trace_products.id",
                                   ondelete="CASCADE")
    zone_id: int | None = Field(default=None, foreign_key="zones.id", ondelete="CASCADE")
    scope: str | None = Field(default=None, max_length=500)
    kind: CertificateKind = Field(sa_type=_enum(CertificateKind))
    number: str = Field(max_length=100)
    issuer: str = Field(max_length=200)
    valid_from: date
    valid_until: date | None = None
    #: Stored file name under ``<var_dir>/trace/certificates/`` (server-generated).
    document_name: str | None = Field(default=None, max_length=80)
    document_type: str | None = Field(default=None, max_length=40)
    document_size: int | None = None
    created_at: datetime = created_at_field()


class CertificatePublic(SQLModel):
    id: int
    organisation_id: int
    subject: CertificateSubject
    lot_id: int | None
    farm_id: int | None
    product_id: int | None = None
    zone_id: int | None = None
    scope: str | None = None
    kind: CertificateKind
    number: str
    issuer: str
    valid_from: date
    valid_until: date | None
    has_document: bool = False
