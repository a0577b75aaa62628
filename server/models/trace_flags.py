"""Stamp-block flags of lots (re-exported by :mod:`server.models.trace`, like every trace table)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from server.models.common import created_at_field

__all__ = ["LotFlag", "LotFlagPublic"]


class LotFlag(SQLModel, table=True):
    """A reason a lot may not get consumer stamps, until an inspector overrides it."""

    __tablename__ = "trace_lot_flags"
    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="trace_lots.id", index=True, ondelete="CASCADE")
    #: ``phi``: harvested inside a spraying's pre-harvest interval.
    kind: str = Field(max_length=24)
    reason: str = Field(max_length=500)
    diary_entry_id: int | None = Field(default=None, foreign_key="trace_diary_entries.id",
                                       ondelete="SET NULL")
    created_at: datetime = created_at_field()
    overridden_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    override_reason: str | None = Field(default=None, max_length=1000)
    overridden_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class LotFlagPublic(SQLModel):
    id: int
    lot_id: int
    kind: str
    reason: str
    diary_entry_id: int | None
    created_at: datetime
    overridden_by: int | None
    override_reason: str | None
    overridden_at: datetime | None
