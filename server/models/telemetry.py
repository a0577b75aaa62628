"""Telemetry tables (issue 4): readings, per-device latest state, dead letters, claims, acks.

``readings`` is a plain table on SQLite (the demo) and for ``create_all``; the PostgreSQL
migration creates the same columns as a table partitioned by month on ``time`` (partitions
live in the ``readings_parts`` schema) or as a TimescaleDB hypertable when the extension
is installed. Duplicates are refused by ``reading_seqs`` (device, seq): a unique key on a
partitioned table would have to include ``time``, which a re-sent reading may not repeat.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from server.models.common import created_at_field

__all__ = [
    "JSONType", "Reading", "ReadingSeq", "DeviceState", "DeadLetter", "DeviceClaim", "DeviceAck",
    "READING_METRICS",
]

#: JSON on SQLite, JSONB on PostgreSQL.
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")

#: Numeric measurement fields of docs/protocol.md stored as columns of ``readings``.
READING_METRICS: tuple[str, ...] = ("m", "raw", "vwc", "st", "bat", "vs", "fl", "pc")


def _ts(**kw: Any) -> Any:
    return Field(sa_type=sa.DateTime(timezone=True), **kw)


class Reading(SQLModel, table=True):
    """One reading of one device. ``time`` is the device's UTC stamp; when the device did
    not know the time (``time_known`` false) it is the server's receive time."""

    __tablename__ = "readings"
    __table_args__ = (
        sa.Index("ix_readings_zone_time", "zone_id", "time"),
        sa.Index("ix_readings_time_brin", "time", postgresql_using="brin"),
    )
    device_id: int = Field(primary_key=True, sa_type=sa.Integer, sa_column_kwargs={"autoincrement": False})
    time: datetime = _ts(primary_key=True)
    seq: int = Field(primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False})
    zone_id: int
    time_known: bool = True
    received_at: datetime = _ts()
    m: float | None = Field(default=None, sa_type=sa.REAL)
    raw: int | None = None
    vwc: float | None = Field(default=None, sa_type=sa.REAL)
    st: float | None = Field(default=None, sa_type=sa.REAL)
    bat: int | None = None
    vs: int | None = Field(default=None, sa_type=sa.SmallInteger)
    fl: float | None = Field(default=None, sa_type=sa.REAL)
    pc: int | None = Field(default=None, sa_type=sa.BigInteger)
    #: Everything else of the reading: ev, why, cmd, err, bt/up of an untimed reading.
    extra: dict[str, Any] | None = Field(default=None, sa_type=JSONType)


class ReadingSeq(SQLModel, table=True):
    """Every (device, seq) ever stored: the once-only guard for readings."""

    __tablename__ = "reading_seqs"
    device_id: int = Field(primary_key=True, sa_type=sa.Integer, sa_column_kwargs={"autoincrement": False})
    seq: int = Field(primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False})


class DeviceState(SQLModel, table=True):
    """Latest known state of a device, updated from every ingest batch."""

    __tablename__ = "device_states"
    device_id: int = Field(primary_key=True, foreign_key="devices.id", ondelete="CASCADE",
                           sa_column_kwargs={"autoincrement": False})
    last_seen_at: datetime | None = _ts(default=None)
    first_seq: int | None = Field(default=None, sa_type=sa.BigInteger)
    last_seq: int | None = Field(default=None, sa_type=sa.BigInteger)
    #: Distinct readings stored; ``last_seq - first_seq + 1 - received`` never arrived.
    received: int = Field(default=0, sa_type=sa.BigInteger)
    reading_at: datetime | None = _ts(default=None)
    values: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    m: float | None = None
    m_at: datetime | None = _ts(default=None)
    vs: int | None = None
    vs_at: datetime | None = _ts(default=None)
    bat: int | None = None
    bat_at: datetime | None = _ts(default=None)
    #: Readings the device's buffer dropped (its own counter, from telemetry or status).
    dropped: int | None = Field(default=None, sa_type=sa.BigInteger)
    state: str | None = Field(default=None, max_length=16)
    state_at: datetime | None = _ts(default=None)
    next_s: int | None = None
    rssi: int | None = None
    boot: int | None = None
    cfg_rev: int | None = None
    pending: int | None = None
    lease: int | None = Field(default=None, sa_type=sa.BigInteger)


class DeadLetter(SQLModel, table=True):
    """A message that broke the contract, with the reason and (capped) raw bytes."""

    __tablename__ = "dead_letters"
    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = _ts(index=True)
    topic: str = Field(max_length=200)
    device_uid: str | None = Field(default=None, max_length=64, index=True)
    reason: str = Field(max_length=64)
    detail: str | None = Field(default=None, max_length=300)
    payload: bytes = Field(sa_type=sa.LargeBinary)
    size: int


class DeviceClaim(SQLModel, table=True):
    """A board made ahead (uid and MQTT password flashed), waiting for a farmer's claim."""

    __tablename__ = "device_claims"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    uid: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    role: str = Field(max_length=16)
    #: SHA-256 of the claim code (a random token printed as a QR code on the board).
    code_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    mqtt_password_hash: str = Field(max_length=255)
    created_at: datetime = created_at_field()
    claimed_at: datetime | None = _ts(default=None)
    device_id: int | None = Field(default=None, foreign_key="devices.id", ondelete="SET NULL")


class DeviceAck(SQLModel, table=True):
    """A device's answer to a command or a config (for the irrigation controller)."""

    __tablename__ = "device_acks"
    __table_args__ = (sa.Index("ix_device_acks_device_time", "device_id", "received_at"),)
    id: int | None = Field(default=None, primary_key=True)
    device_id: int = Field(foreign_key="devices.id", ondelete="CASCADE")
    received_at: datetime = _ts()
    cmd_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    cfg_rev: int | None = None
    res: str = Field(max_length=16)
    body: dict[str, Any] = Field(sa_type=JSONType)
