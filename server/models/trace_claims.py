"""The records behind what a consumer page claims (issue 17): geographical-indication rights,
market registrations of planting-area / packing-house codes, and inspectors' export
overrides. Re-exported by :mod:`server.models.trace`, like every trace table.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from server.models.common import clean_name, created_at_field

__all__ = ["GiRightBase", "GiRightCreate", "GiRightPublic", "GiRight", "CodeMarketCreate",
           "CodeMarketPublic", "CodeMarket", "ExportOverride", "ExportOverridePublic",
           "MARKETS"]

#: Markets of the export rules (``server/trace/data/markets.json``): ISO 3166 alpha-2, and
#: EU for the European Union (one phytosanitary regime, Regulation (EU) 2016/2031).
MARKETS = ("JP", "US", "AU", "EU", "CN", "KR")


class GiRightBase(SQLModel):
    """A recorded right to use a geographical indication (Law on Intellectual Property
    2005, art. 79–83 and 121: the State owns a GI; the holder of the registration lets
    producers in the area use it)."""

    #: The indication itself, e.g. "Thanh Hà".
    gi_name: str = Field(min_length=2, max_length=120)
    #: Number of the GI registration certificate (Giấy chứng nhận đăng ký chỉ dẫn địa lý).
    registration_number: str = Field(min_length=1, max_length=60)
    #: Who manages the registration (tổ chức quản lý chỉ dẫn địa lý).
    holder: str = Field(min_length=2, max_length=200)
    #: The protected product as registered, e.g. "Quả vải thiều".
    product: str = Field(min_length=2, max_length=200)
    #: Crop key the lot's product must have, and a word its name must contain ("vải thiều":
    #: not every lychee is a vải thiều).
    crop: str = Field(min_length=2, max_length=40)
    variety: str = Field(min_length=2, max_length=80)
    #: Communes the registered area covers: current codes (since 1 July 2025) and/or the
    #: pre-2025 codes the registration map was drawn with.
    area_communes: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    area_note: str | None = Field(default=None, max_length=500)
    valid_from: date
    valid_until: date | None = None

    @field_validator("area_communes")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        if not v or any(not (isinstance(c, str) and len(c) == 5 and c.isdigit()) for c in v):
            raise ValueError("area_communes: one or more 5-digit commune codes")
        return sorted(set(v))

    @field_validator("gi_name", "holder", "product", "variety")
    @classmethod
    def _names(cls, v: str) -> str:
        return clean_name(v.strip())


class GiRightCreate(GiRightBase):
    organisation_id: int | None = None


class GiRight(GiRightBase, table=True):
    __tablename__ = "trace_gi_rights"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    #: The inspector who checked the right against the registration (None: not yet; any
    #: edit by the co-op clears it). Only verified rights appear on consumer pages.
    verified_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    verified_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = created_at_field()


class GiRightPublic(GiRightBase):
    id: int
    organisation_id: int
    verified_by: int | None
    verified_at: datetime | None


class CodeMarketCreate(SQLModel):
    market: str = Field(min_length=2, max_length=2)
    issued_on: date
    valid_until: date | None = None
    note: str | None = Field(default=None, max_length=500)

    @field_validator("market")
    @classmethod
    def _market(cls, v: str) -> str:
        if v.upper() not in MARKETS:
            raise ValueError(f"market must be one of {', '.join(MARKETS)}")
        return v.upper()


class CodeMarket(SQLModel, table=True):
    """A planting-area or packing-house code registered for one importing country's list
    (the market's NPPO approves codes one market at a time)."""

    __tablename__ = "trace_code_markets"
    __table_args__ = (sa.UniqueConstraint("code_id", "market", name="uq_trace_code_market"),)
    id: int | None = Field(default=None, primary_key=True)
    code_id: int = Field(foreign_key="trace_registration_codes.id", index=True,
                         ondelete="CASCADE")
    market: str = Field(max_length=2)
    issued_on: date
    valid_until: date | None = None
    note: str | None = Field(default=None, max_length=500)
    revoked_on: date | None = None
    revoked_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = created_at_field()

    def active_on(self, day: date) -> bool:
        return (self.issued_on <= day and (self.valid_until is None or day <= self.valid_until)
                and (self.revoked_on is None or day < self.revoked_on))


class CodeMarketPublic(CodeMarketCreate):
    id: int
    code_id: int
    revoked_on: date | None
    revoked_reason: str | None


class ExportOverride(SQLModel, table=True):
    """An inspector let a lot ship to a market although items were missing (recorded,
    never deleted: who, when, why, and what was missing)."""

    __tablename__ = "trace_export_overrides"
    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="trace_lots.id", index=True, ondelete="CASCADE")
    market: str = Field(max_length=2)
    missing: list[Any] = Field(default_factory=list, sa_type=sa.JSON)
    reason: str = Field(max_length=1000)
    overridden_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()


class ExportOverridePublic(SQLModel):
    id: int
    lot_id: int
    market: str
    missing: list[Any]
    reason: str
    overridden_by: int | None
    created_at: datetime
