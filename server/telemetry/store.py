"""Batched writes of decoded messages: one transaction per batch.

PostgreSQL: readings go through ``COPY`` into a temporary table, then one statement keeps
only (device, seq) pairs never seen before (``reading_seqs``, ``ON CONFLICT DO NOTHING``)
and moves those rows into ``readings`` (``ON CONFLICT DO NOTHING`` again: the guard keeps
only a bounded window, server/telemetry/retention.py). SQLite: ``INSERT OR IGNORE``.
Then the latest state per device is upserted (newer wins, column by column), device
statuses and acks are written, and the dead letters. The caller acknowledges the messages
to the broker only after :meth:`Store.write` returned.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from server.models.telemetry import READING_METRICS, DeadLetter, DeviceAck, DeviceState
from server.telemetry.retention import prune_seqs

__all__ = ["ReadingRow", "StateDelta", "Batch", "WriteResult", "Store"]

log = logging.getLogger(__name__)

COLUMNS = ("device_id", "time", "seq", "zone_id", "time_known", "received_at",
           *READING_METRICS, "extra")
_STATE = DeviceState.__table__  # type: ignore[attr-defined]
#: The once-only guard is pruned to its window this often (server/telemetry/retention.py).
PRUNE_EVERY_S = 600.0
#: ``devices.last_seen_at`` is refreshed at most this often (the state row has the truth).
_DEVICE_TOUCH = timedelta(seconds=60)


@dataclass(slots=True)
class ReadingRow:
    device_id: int
    zone_id: int
    seq: int
    time: datetime
    time_known: bool
    received_at: datetime
    metrics: dict[str, Any]
    extra: dict[str, Any] | None

    def as_tuple(self) -> tuple[Any, ...]:
        m = self.metrics
        return (self.device_id, self.time, self.seq, self.zone_id, self.time_known,
                self.received_at, *(m.get(k) for k in READING_METRICS),
                json.dumps(self.extra) if self.extra else None)

    def as_dict(self) -> dict[str, Any]:
        d = {"device_id": self.device_id, "time": self.time, "seq": self.seq,
             "zone_id": self.zone_id, "time_known": self.time_known,
             "received_at": self.received_at, "extra": self.extra}
        for k in READING_METRICS:
            d[k] = self.metrics.get(k)
        return d


@dataclass(slots=True)
class StateDelta:
    """What a batch says about one device besides its readings."""

    last_seen_at: datetime
    dropped: int | None = None
    status: dict[str, Any] = field(default_factory=dict)
    fw: str | None = None


@dataclass(slots=True)
class Batch:
    readings: list[ReadingRow] = field(default_factory=list)
    states: dict[int, StateDelta] = field(default_factory=dict)
    acks: list[dict[str, Any]] = field(default_factory=list)
    dead: list[dict[str, Any]] = field(default_factory=list)

    def delta(self, device_id: int, now: datetime) -> StateDelta:
        d = self.states.get(device_id)
        if d is None:
            d = self.states[device_id] = StateDelta(now)
        elif now > d.last_seen_at:
            d.last_seen_at = now
        return d


@dataclass(slots=True)
class WriteResult:
    inserted: int
    duplicates: int


def _newer(ex: Any, at: str) -> Any:
    old = _STATE.c[at]
    return sa.and_(ex[at].is_not(None), sa.or_(old.is_(None), ex[at] >= old))


class Store:
    """Writes :class:`Batch` objects through one engine (PostgreSQL or SQLite)."""

    def __init__(self, engine: Engine, prune_every_s: float = PRUNE_EVERY_S) -> None:
        self.engine = engine
        self.prune_every_s = prune_every_s
        self._pruned_at = time.monotonic()
        self.pg = engine.dialect.name == "postgresql"
        self._months: set[tuple[int, int]] = set()
        self._partitioned: bool | None = None
        self._upsert = self._state_upsert()
        self._touched: dict[int, datetime] = {}
        self._pending_touch: dict[int, datetime] = {}

    # ---- latest state ----------------------------------------------------------------
    def _greatest(self, a: Any, b: Any) -> Any:
        if self.pg:
            return sa.func.greatest(a, b)
        return sa.func.max(sa.func.coalesce(a, b), sa.func.coalesce(b, a))

    def _least(self, a: Any, b: Any) -> Any:
        if self.pg:
            return sa.func.least(a, b)
        return sa.func.min(sa.func.coalesce(a, b), sa.func.coalesce(b, a))

    def _state_upsert(self) -> Any:
        ins = (pg_insert if self.pg else sqlite_insert)(_STATE)
        ex = ins.excluded
        c = _STATE.c
        from_status = ex.state_at.is_not(None)
        set_: dict[str, Any] = {
            "last_seen_at": self._greatest(c.last_seen_at, ex.last_seen_at),
            "first_seq": self._least(c.first_seq, ex.first_seq),
            "last_seq": self._greatest(c.last_seq, ex.last_seq),
            "received": c.received + ex.received,
            # the largest drop counter seen (docs/protocol.md: deltas are data loss)
            "dropped": self._greatest(c.dropped, ex.dropped),
        }
        newer = _newer(ex, "reading_at")
        for col in ("reading_at", "values"):
            set_[col] = sa.case((newer, ex[col]), else_=c[col])
        for key in ("m", "vs", "bat"):
            n = _newer(ex, f"{key}_at")
            set_[key] = sa.case((n, ex[key]), else_=c[key])
            set_[f"{key}_at"] = sa.case((n, ex[f"{key}_at"]), else_=c[f"{key}_at"])
        for col in ("state", "state_at", "lease"):
            set_[col] = sa.case((from_status, ex[col]), else_=c[col])
        for col in ("next_s", "rssi", "boot", "cfg_rev", "pending"):
            set_[col] = sa.func.coalesce(ex[col], c[col])
        return ins.on_conflict_do_update(index_elements=[c.device_id], set_=set_)

    @staticmethod
    def _state_rows(batch: Batch, readings: list[ReadingRow],
                    new_keys: set[tuple[int, int]]) -> list[dict[str, Any]]:
        rows: dict[int, dict[str, Any]] = {}
        for dev, d in batch.states.items():
            st = d.status
            rows[dev] = {
                "device_id": dev, "last_seen_at": d.last_seen_at, "first_seq": None,
                "last_seq": None, "received": 0, "reading_at": None, "values": None,
                "m": None, "m_at": None, "vs": None, "vs_at": None, "bat": None,
                "bat_at": None, "dropped": max((x for x in (d.dropped, st.get("drop"))
                                                if x is not None), default=None),
                "state": st.get("state"), "state_at": st.get("at"), "lease": st.get("lease"),
                "next_s": st.get("next_s"), "rssi": st.get("rssi"), "boot": st.get("bt"),
                "cfg_rev": st.get("cfg"), "pending": st.get("pend"),
            }
            if st.get("vs") is not None:  # a status's valve state counts too (issue 22)
                rows[dev]["vs"], rows[dev]["vs_at"] = st["vs"], st["at"]
        for r in readings:
            if (r.device_id, r.seq) not in new_keys:
                continue
            row = rows[r.device_id]
            row["received"] += 1
            if row["first_seq"] is None or r.seq < row["first_seq"]:
                row["first_seq"] = r.seq
            if row["last_seq"] is None or r.seq > row["last_seq"]:
                row["last_seq"] = r.seq
            if not r.time_known:
                continue
            if row["reading_at"] is None or r.time >= row["reading_at"]:
                row["reading_at"] = r.time
                vals = {k: v for k, v in r.metrics.items()}
                if r.extra:
                    vals.update(r.extra)
                row["values"] = vals
            for key in ("m", "vs", "bat"):
                if key in r.metrics and (row[f"{key}_at"] is None or r.time >= row[f"{key}_at"]):
                    row[key] = r.metrics[key]
                    row[f"{key}_at"] = r.time
        return [rows[k] for k in sorted(rows)]

    # ---- readings --------------------------------------------------------------------
    def _ensure_partitions(self, conn: Connection, rows: Sequence[ReadingRow]) -> None:
        if self._partitioned is None:
            self._partitioned = conn.execute(sa.text(
                "SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'readings'::regclass"
            )).first() is not None
        if not self._partitioned:
            return
        months = {(r.time.year, r.time.month) for r in rows} - self._months
        for y, m in sorted(months):
            conn.execute(sa.text("SELECT readings_ensure_partition(:ts)"),
                         {"ts": datetime(y, m, 1, tzinfo=UTC)})
        self._months |= months

    def _pg_readings(self, conn: Connection, rows: list[ReadingRow]) -> set[tuple[int, int]]:
        self._ensure_partitions(conn, rows)
        cols = ", ".join(COLUMNS)
        conn.execute(sa.text("CREATE TEMP TABLE IF NOT EXISTS ingest_readings "
                             "(LIKE readings INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"))
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            with cur.copy(f"COPY ingest_readings ({cols}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r.as_tuple())
            cur.execute(
                "WITH fresh AS (INSERT INTO reading_seqs (device_id, seq) "
                "SELECT device_id, seq FROM ingest_readings ON CONFLICT DO NOTHING "
                "RETURNING device_id, seq) "
                f"INSERT INTO readings ({cols}) SELECT {', '.join('t.' + c for c in COLUMNS)} "
                "FROM ingest_readings t JOIN fresh USING (device_id, seq) "
                "ON CONFLICT DO NOTHING RETURNING device_id, seq")
            return {(d, s) for d, s in cur.fetchall()}

    def _sqlite_readings(self, conn: Connection, rows: list[ReadingRow]) -> set[tuple[int, int]]:
        fresh = []
        ins = sa.text("INSERT OR IGNORE INTO reading_seqs (device_id, seq) VALUES (:d, :s)")
        for r in rows:
            if conn.execute(ins, {"d": r.device_id, "s": r.seq}).rowcount == 1:
                fresh.append(r)
        if fresh:
            put = sa.insert(sa.table("readings", *(sa.column(c) for c in COLUMNS)))
            keys: set[tuple[int, int]] = set()
            for r in fresh:  # OR IGNORE: a re-sent reading older than the guard's window
                if conn.execute(put.prefix_with("OR IGNORE"), self._sqlite_row(r)).rowcount:
                    keys.add((r.device_id, r.seq))
            return keys
        return set()

    @staticmethod
    def _sqlite_row(r: ReadingRow) -> dict[str, Any]:
        d = r.as_dict()
        d["time"] = r.time.strftime("%Y-%m-%d %H:%M:%S.%f")
        d["received_at"] = r.received_at.strftime("%Y-%m-%d %H:%M:%S.%f")
        d["extra"] = json.dumps(r.extra) if r.extra else None
        return d

    # ---- the batch -------------------------------------------------------------------
    def write(self, batch: Batch) -> WriteResult:
        """Write ``batch`` in one transaction; raise on any database error (nothing kept)."""
        unique: dict[tuple[int, int], ReadingRow] = {}
        for r in batch.readings:
            unique.setdefault((r.device_id, r.seq), r)
        rows = list(unique.values())
        self._pending_touch = {}
        months = set(self._months)
        try:
            with self.engine.begin() as conn:
                new_keys: set[tuple[int, int]] = set()
                if rows:
                    new_keys = (self._pg_readings if self.pg else self._sqlite_readings)(conn,
                                                                                         rows)
                if batch.states:
                    conn.execute(self._upsert, self._state_rows(batch, rows, new_keys))
                    self._touch_devices(conn, batch)
                if batch.acks:
                    conn.execute(sa.insert(DeviceAck.__table__), batch.acks)  # type: ignore[attr-defined]
                if batch.dead:
                    conn.execute(sa.insert(DeadLetter.__table__), batch.dead)  # type: ignore[attr-defined]
        except BaseException:
            self._months = months  # partitions created in the rolled-back transaction are gone
            raise
        self._touched.update(self._pending_touch)
        self._pending_touch = {}
        if rows and time.monotonic() - self._pruned_at >= self.prune_every_s:
            self.prune()
        return WriteResult(len(new_keys), len(batch.readings) - len(new_keys))

    def prune(self) -> int:
        """Bound the once-only guard (its own transaction; a failure only logs)."""
        self._pruned_at = time.monotonic()
        try:
            with self.engine.begin() as conn:
                return prune_seqs(conn)
        except Exception as exc:  # the batch is committed; the next prune tries again
            log.warning("pruning reading_seqs failed (%s: %s)", type(exc).__name__, exc)
            return 0

    def _touch_devices(self, conn: Connection, batch: Batch) -> None:
        """Mark devices active / refresh ``last_seen_at`` (at most once a minute each)."""
        todo: list[dict[str, Any]] = []
        for dev in sorted(batch.states):
            d = batch.states[dev]
            last = self._touched.get(dev)
            if d.fw or last is None or d.last_seen_at - last >= _DEVICE_TOUCH:
                todo.append({"id": dev, "ts": d.last_seen_at, "fw": d.fw,
                             "stale": d.last_seen_at - _DEVICE_TOUCH})
        if not todo:
            return
        differs = "IS DISTINCT FROM" if self.pg else "IS NOT"
        conn.execute(sa.text(
            "UPDATE devices SET last_seen_at = :ts, status = 'active', "
            "firmware_version = COALESCE(:fw, firmware_version) WHERE id = :id "
            "AND status <> 'revoked' AND (last_seen_at IS NULL OR last_seen_at < :stale "
            f"OR status = 'pending' OR (:fw IS NOT NULL AND firmware_version {differs} :fw))"
        ).bindparams(sa.bindparam("fw", type_=sa.String())), todo)
        self._pending_touch = {t["id"]: t["ts"] for t in todo}
