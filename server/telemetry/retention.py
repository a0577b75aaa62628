"""Everything telemetry keeps is bounded (docs/storage.md, "Retention").

| what | kept | by |
|---|---|---|
| ``readings`` | 3 years | TimescaleDB retention policy / :func:`maintain` drops partitions |
| ``readings_hourly`` | 5 years | TimescaleDB retention policy (no aggregate on partitions) |
| ``reading_seqs`` | last :data:`SEQ_WINDOW` seqs a device | :func:`prune_seqs` (store, each 10 min) |
| ``dead_letters`` | 90 days | :func:`maintain` |
| ``device_acks`` | 1 year | :func:`maintain` |

The once-only guard needs a device's sequence numbers only as far back as the device can
re-send: a reading leaves the device's flash buffer only after its PUBACK, acknowledgements
move a cursor (firmware/app/ringbuf.py), so a reading the device can still re-send is among
its last *capacity* readings. The default buffer is 16 segments × 4096 B and a record is at
least 27 B (8 framing, 14 header, ≥ 5 of values): at most 2,427 readings. Older duplicates
with a known time are still refused by the primary key of ``readings`` (device, time, seq).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

__all__ = ["SEQ_WINDOW", "READINGS_KEPT", "DEAD_LETTERS_KEPT", "ACKS_KEPT", "prune_seqs",
           "maintain", "is_timescaledb"]

log = logging.getLogger(__name__)

#: Sequence numbers kept per device by the once-only guard (≥ the buffer's 2,427 + 20 %).
SEQ_WINDOW = 3000
READINGS_KEPT = timedelta(days=3 * 365)
DEAD_LETTERS_KEPT = timedelta(days=90)
ACKS_KEPT = timedelta(days=365)


def is_timescaledb(conn: Connection) -> bool:
    """Is ``readings`` a TimescaleDB hypertable here?"""
    if conn.dialect.name != "postgresql" or conn.execute(sa.text(
            "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")).first() is None:
        return False
    return conn.execute(sa.text("SELECT 1 FROM timescaledb_information.hypertables "
                                "WHERE hypertable_name = 'readings'")).first() is not None


def prune_seqs(conn: Connection, window: int = SEQ_WINDOW) -> int:
    """Forget (device, seq) pairs more than ``window`` below the device's last seq."""
    return int(conn.execute(sa.text(
        "DELETE FROM reading_seqs WHERE EXISTS (SELECT 1 FROM device_states d "
        "WHERE d.device_id = reading_seqs.device_id AND reading_seqs.seq <= d.last_seq - :w)"),
        {"w": window}).rowcount or 0)


def _drop_old_partitions(conn: Connection, before: datetime) -> list[str]:
    """Monthly partitions wholly before ``before`` (the partition path)."""
    rows = conn.execute(sa.text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE i.inhparent = 'readings'::regclass AND n.nspname = 'readings_parts' "
        "ORDER BY 1")).scalars().all()
    dropped = []
    for name in rows:
        try:
            start = datetime.strptime(name[-6:], "%Y%m").replace(tzinfo=UTC)
        except ValueError:
            continue
        end = (start + timedelta(days=32)).replace(day=1)
        if end <= before:
            conn.execute(sa.text(f'DROP TABLE readings_parts."{name}"'))
            dropped.append(name)
    return dropped


def maintain(engine: Engine, now: datetime | None = None) -> dict[str, Any]:
    """One pass of retention (``nongso telemetry maintain``, daily from cron).

    On TimescaleDB the readings and the aggregate are the policies' job; here only the
    once-only window, dead letters and acks, and on partitions the old months."""
    now = now or datetime.now(UTC)
    out: dict[str, Any] = {}
    with engine.begin() as conn:
        out["reading_seqs_pruned"] = prune_seqs(conn)
        pg = conn.dialect.name == "postgresql"

        def ts(t: datetime) -> Any:
            return t if pg else t.strftime("%Y-%m-%d %H:%M:%S.%f")

        out["dead_letters_deleted"] = conn.execute(sa.text(
            "DELETE FROM dead_letters WHERE received_at < :t"),
            {"t": ts(now - DEAD_LETTERS_KEPT)}).rowcount
        out["device_acks_deleted"] = conn.execute(sa.text(
            "DELETE FROM device_acks WHERE received_at < :t"), {"t": ts(now - ACKS_KEPT)}).rowcount
        if pg and not is_timescaledb(conn):
            out["partitions_dropped"] = _drop_old_partitions(conn, now - READINGS_KEPT)
            conn.execute(sa.text("SELECT readings_ensure_partition(now() + "
                                 "make_interval(months => m)) FROM generate_series(0, 2) m"))
        elif not pg:
            out["readings_deleted"] = conn.execute(sa.text(
                "DELETE FROM readings WHERE time < :t"),
                {"t": ts(now - READINGS_KEPT)}).rowcount
    log.info("telemetry retention: %s", out)
    return out
