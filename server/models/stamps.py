"""Stamps: issued batches, each stamp's serial and PIN, consumer scans, lot recalls (issue 8)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from server.models.common import created_at_field

__all__ = ["StampBatch", "Stamp", "Scan", "LotRecall", "StampBatchPublic", "StampIssueRequest",
           "PinAttempt", "ThrottleCounter"]


class StampIssueRequest(SQLModel):
    #: Client-chosen id that makes issuing idempotent: a retry returns the same batch.
    request_id: str = Field(min_length=8, max_length=64, schema_extra={"pattern": r"^[A-Za-z0-9_.:-]+$"})
    count: int = Field(ge=1, le=100_000)
    layout: str = Field(default="a4", schema_extra={"pattern": r"^(a4|roll-30x20|roll-40x30)$"})
    with_pin: bool = False


class StampBatch(SQLModel, table=True):
    __tablename__ = "stamp_batches"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "request_id", name="uq_stamp_request"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    lot_id: int = Field(foreign_key="trace_lots.id", index=True, ondelete="CASCADE")
    request_id: str = Field(max_length=64)
    count: int
    layout: str = Field(max_length=16)
    with_pin: bool = False
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()


class StampBatchPublic(SQLModel):
    id: int
    lot_id: int
    request_id: str
    count: int
    layout: str
    with_pin: bool
    created_at: datetime


class Stamp(SQLModel, table=True):
    __tablename__ = "stamps"
    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="stamp_batches.id", index=True, ondelete="CASCADE")
    lot_id: int = Field(foreign_key="trace_lots.id", index=True, ondelete="CASCADE")
    #: The signed serial (GS1 AI 21); unique across the platform.
    serial: str = Field(max_length=20, sa_column_kwargs={"unique": True})
    #: argon2 hash of the scratch-off PIN, if the batch has PINs.
    pin_hash: str | None = Field(default=None, max_length=255)
    pin_used_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    #: Wrong PINs entered since issue or the co-op's last reset; at the limit the PIN locks.
    pin_failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    pin_locked_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    revoked_reason: str | None = Field(default=None, max_length=300)
    scan_count: int = 0
    first_scan_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    #: Set when scans from places or at rates one physical stamp cannot explain.
    clone_suspected_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    clone_reason: str | None = Field(default=None, max_length=300)
    #: The co-op's review of a clone flag: ``cleared`` (scans up to ``clone_cleared_at`` are
    #: no longer evidence) or ``confirmed``, with their reason.
    clone_review: str | None = Field(default=None, max_length=16)
    clone_review_note: str | None = Field(default=None, max_length=300)
    clone_cleared_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class Scan(SQLModel, table=True):
    """One consumer scan. No personal data: a coarse place only, never the address."""

    __tablename__ = "stamp_scans"
    __table_args__ = (sa.UniqueConstraint("stamp_id", "visitor", name="uq_stamp_scan_visitor"),)
    id: int | None = Field(default=None, primary_key=True)
    stamp_id: int = Field(foreign_key="stamps.id", index=True, ondelete="CASCADE")
    at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
    #: ``net:<hash of the /16 (IPv4) or /32 (IPv6) network>`` or ``geo:<lat 0.1°>,<lon 0.1°>``.
    place: str = Field(max_length=40)
    #: ``net:<hash>`` of the scan's network, also when ``place`` became a shared position.
    net: str | None = Field(default=None, max_length=40)
    #: One scan per visitor per stamp per hour: a salted hash of the hour, the client's
    #: address and its browser family (it links nothing across hours). None: older scans.
    visitor: str | None = Field(default=None, max_length=32)


class PinAttempt(SQLModel, table=True):
    """Wrong scratch-off PINs from one client address (a salted hash) in a fixed window:
    stored, so the throttle holds across API processes and restarts."""

    __tablename__ = "stamp_pin_attempts"
    key: str = Field(primary_key=True, max_length=32)
    window_start: datetime = Field(sa_type=sa.DateTime(timezone=True))
    failures: int = 0


class ThrottleCounter(SQLModel, table=True):
    """Failures counted for one key in one fixed window (``server/throttle.py``
    :class:`~server.throttle.DbThrottle`): one row per key and window, bumped by
    ``INSERT … ON CONFLICT … DO UPDATE … RETURNING``, so every API process and node counts
    against the same limit and a restart resets nothing. The stamp resolver's failed
    lookups per client address use it."""

    __tablename__ = "throttle_counters"
    key: str = Field(primary_key=True, max_length=64)
    #: The window's start, in whole seconds since the epoch (a multiple of its length).
    window: int = Field(primary_key=True, sa_type=sa.BigInteger,
                        sa_column_kwargs={"autoincrement": False})
    count: int = 0


class LotRecall(SQLModel, table=True):
    __tablename__ = "lot_recalls"
    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="trace_lots.id", index=True, ondelete="CASCADE",
                        sa_column_kwargs={"unique": True})
    reason: str = Field(max_length=500)
    recalled_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
