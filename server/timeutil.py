"""Time helpers shared by every package: one place that makes a datetime aware and UTC."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["as_utc", "utcnow"]


def as_utc(dt: datetime) -> datetime:
    """``dt`` as an aware UTC datetime; a naive value (SQLite returns those) is taken as UTC."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
