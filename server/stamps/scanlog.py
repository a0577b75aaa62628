"""Write-behind scan log: the consumer page never waits for a write.

A scan is put on an in-memory queue and written by one background thread (started by
the first scan) in batches (every ``FLUSH_S`` or ``BATCH`` scans): the scan rows, the
stamps' counters (incremented in SQL, so concurrent workers never lose a count) and the
clone rules for stamps that have enough scans to break one (:mod:`server.stamps.clone`).
The page shows the stored count plus this process's scans still queued, so a consumer
always sees their own scan.

A scan counts once per *visitor* per stamp per hour (:func:`server.stamps.clone.visitor`):
this process remembers the visitors it queued this hour, and the database keeps one row
per ``(stamp, visitor)`` (a unique key; another process's duplicate is not inserted and not
counted). A loop of GETs from one client counts once.

What this trades: a crash of the API process loses at most the last ``FLUSH_S`` of scan
*statistics* (never a stamp, a lot or anything a user entered); a clean stop (Ctrl-C,
SIGTERM, the app's shutdown) flushes everything. If the database is down, scans wait in
the queue (bounded by ``MAX_QUEUE``; beyond that new scans' statistics are dropped and
counted in ``dropped``) and are written when it is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server.models.common import utcnow
from server.models.stamps import Scan, Stamp
from server.stamps import clone
from server.timeutil import as_utc

__all__ = ["ScanLog", "Queued", "FLUSH_S", "BATCH"]

log = logging.getLogger(__name__)
FLUSH_S = 0.5
BATCH = 500
MAX_QUEUE = 200_000
#: Visitors remembered for the current hour (beyond: forgotten; the database still keeps
#: one row per visitor, so a duplicate is then shown once but never stored or counted).
MAX_SEEN = 100_000


class Queued(NamedTuple):
    """A scan waiting to be written."""

    stamp_id: int
    at: datetime
    place: str
    net: str | None
    visitor: str | None


class ScanLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._q: deque[Queued] = deque()
        #: (stamp id, visitor) queued by this process in the current hour
        self._seen: set[tuple[int, str]] = set()
        self._seen_hour = ""
        self._pending: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one flush at a time (the writer, stop, tests)
        self._inflight = 0  # queued scans (from the left) a flush is writing now
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.written = 0
        self.dropped = 0
        self._thread: threading.Thread | None = None

    def _start(self) -> None:  # under self._lock
        if self._thread is None and not self._stop.is_set():
            self._thread = threading.Thread(target=self._run, name="nongso-scanlog",
                                            daemon=True)
            self._thread.start()

    def add(self, stamp_id: int, place: str, at: datetime | None = None, *,
            net: str | None = None, visitor: str | None = None) -> int | None:
        """Queue a scan; return how many of this stamp's scans this process has queued,
        or None if this ``visitor`` (:func:`~server.stamps.clone.visitor`, which names
        the hour) was already queued for this stamp: not counted again."""
        at = at or utcnow()
        if net is None and place.startswith("net:"):
            net = place
        with self._lock:
            self._start()
            if visitor is not None:
                hour = visitor[:10]
                if hour != self._seen_hour or len(self._seen) > MAX_SEEN:
                    self._seen, self._seen_hour = set(), hour
                if (stamp_id, visitor) in self._seen:
                    return None
                self._seen.add((stamp_id, visitor))
            if len(self._q) >= MAX_QUEUE:
                # Not the oldest: a flush may be writing those right now.
                self.dropped += 1
                return self._pending[stamp_id] + 1
            self._q.append(Queued(stamp_id, at, place, net, visitor))
            self._pending[stamp_id] += 1
            n = self._pending[stamp_id]
            if len(self._q) >= BATCH:
                self._wake.set()
        return n

    def refine(self, stamp_id: int, place: str, max_age: timedelta,
               visitor: str | None = None) -> bool:
        """Give this stamp's latest queued scan (of ``visitor``, if given) a more precise
        ``place`` (the consumer shared a position after the page loaded), if it is still
        queued here, not being written, younger than ``max_age`` and not already a
        position."""
        now = utcnow()
        with self._lock:
            for i in range(len(self._q) - 1, self._inflight - 1, -1):
                q = self._q[i]
                if q.stamp_id != stamp_id or (visitor is not None and q.visitor != visitor):
                    continue
                if q.place.startswith("geo:") or now - q.at > max_age:
                    return False
                self._q[i] = q._replace(place=place)
                return True
        return False

    def pending(self, stamp_id: int) -> int:
        with self._lock:
            return self._pending.get(stamp_id, 0)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(FLUSH_S)
            self._wake.clear()
            self._flush_or_wait()
        self._flush_or_wait()

    def _flush_or_wait(self) -> None:
        if not self.flush():
            time.sleep(1)  # the database may be restarting: the scans wait in the queue

    def flush(self) -> bool:
        """Write what is queued now; False if that failed (it stays queued)."""
        with self._flushing:
            return self._flush()

    def _flush(self) -> bool:
        with self._lock:
            batch = list(self._q)
            self._inflight = len(batch)  # refine() leaves these alone
        if not batch:
            return True
        try:
            self._write(batch)
        except Exception:  # noqa: BLE001 - never let the writer thread die
            log.warning("scan log: %d scans not written yet; will retry", len(batch),
                        exc_info=True)
            with self._lock:
                self._inflight = 0
            return False
        with self._lock:
            self._inflight = 0
            for _ in range(len(batch)):
                sid = self._q.popleft().stamp_id
                self._pending[sid] -= 1
                if self._pending[sid] <= 0:
                    del self._pending[sid]
            self.written += len(batch)
        return True

    def _write(self, batch: list[Queued]) -> None:
        geo = {q.stamp_id for q in batch if q.place.startswith("geo:")}
        with Session(self.engine) as s:
            counts = _insert_and_count(s, batch)
            now = max(q.at for q in batch)
            # The clone rules read recent scans only for stamps that could break one.
            check = [sid for sid, (count, flagged) in counts.items()
                     if flagged is None and (count >= clone.PLACES_LIMIT or sid in geo)]
            for sid in _suspects(s, check, now):
                since = now - clone.WINDOW
                cleared = s.execute(sa.select(col(Stamp.clone_cleared_at))
                                    .where(col(Stamp.id) == sid)).scalar()
                recent = [sc for sc in s.exec(select(Scan).where(Scan.stamp_id == sid)
                                              .where(col(Scan.at) >= since))
                          if cleared is None or as_utc(sc.at) > as_utc(cleared)]
                reason = clone.suspicion(recent, now)
                if reason:
                    s.execute(sa.update(Stamp).where(col(Stamp.id) == sid)
                              .values(clone_suspected_at=now, clone_reason=reason))
            s.commit()

    def stop(self, timeout: float = 10.0) -> None:
        """Flush everything queued and stop the writer."""
        with self._lock:
            self._stop.set()
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout)
        else:
            self.flush()


def _insert_and_count(s: Session, batch: list[Queued]
                      ) -> dict[int, tuple[int, datetime | None]]:
    """Store the scans and add them to their stamps' counters (in SQL: concurrent workers
    never lose a count); a scan whose ``(stamp, visitor)`` is stored already is neither
    stored nor counted. Return ``{stamp id: (scan count, clone flag)}`` for the stamps
    counted. One statement on PostgreSQL."""
    if s.get_bind().dialect.name == "postgresql":
        # A batch touches a few hundred of maybe millions of stamps: always by primary key.
        # Right after a large issue the table has no statistics yet and the planner would
        # hash the whole table for every batch (measured: 50 ms instead of 2 ms a batch).
        s.execute(sa.text("SET LOCAL enable_seqscan = off"))
        rows = s.execute(sa.text(
            f"WITH logged AS (INSERT INTO {Scan.__tablename__} "
            "(stamp_id, at, place, net, visitor) "
            "SELECT * FROM unnest(CAST(:sids AS integer[]), CAST(:ats AS timestamptz[]), "
            "CAST(:places AS varchar[]), CAST(:nets AS varchar[]), "
            "CAST(:visitors AS varchar[])) "
            "ON CONFLICT (stamp_id, visitor) DO NOTHING RETURNING stamp_id, at), "
            "v AS (SELECT stamp_id AS id, count(*) AS n, min(at) AS first FROM logged "
            "GROUP BY stamp_id) "
            f"UPDATE {Stamp.__tablename__} AS s SET scan_count = s.scan_count + v.n, "
            "first_scan_at = COALESCE(s.first_scan_at, v.first) FROM v "
            "WHERE s.id = v.id RETURNING s.id, s.scan_count, s.clone_suspected_at"),
            {"sids": [q.stamp_id for q in batch], "ats": [q.at for q in batch],
             "places": [q.place for q in batch], "nets": [q.net for q in batch],
             "visitors": [q.visitor for q in batch]})
        return {sid: (count, flagged) for sid, count, flagged in rows}
    per_stamp: Counter[int] = Counter()
    first: dict[int, datetime] = {}
    for q in batch:  # SQLite (one process, the demo): row by row, duplicates ignored
        done = s.execute(sqlite_insert(Scan).values(q._asdict()).on_conflict_do_nothing())
        if done.rowcount:  # type: ignore[attr-defined]
            per_stamp[q.stamp_id] += 1
            first.setdefault(q.stamp_id, q.at)
    out = {}
    for sid in sorted(per_stamp):
        count, flagged = s.execute(
            sa.update(Stamp).where(col(Stamp.id) == sid)
            .values(scan_count=Stamp.scan_count + per_stamp[sid],
                    first_scan_at=sa.func.coalesce(Stamp.first_scan_at, first[sid]))
            .returning(col(Stamp.scan_count), col(Stamp.clone_suspected_at))).one()
        out[sid] = (count, flagged)
    return out


def _suspects(s: Session, stamp_ids: list[int], now: datetime) -> list[int]:
    """Of these stamps, those whose recent scans could break a clone rule, found by one
    aggregate query: enough networks in the day, enough scans in the hour, or a shared
    phone position (the travel rule). Only these are read scan by scan."""
    if not stamp_ids:
        return []
    at, place, net = col(Scan.at), col(Scan.place), col(Scan.net)
    rows = s.execute(
        sa.select(col(Scan.stamp_id),
                  sa.func.count(sa.distinct(net)).filter(at >= now - clone.PLACES_WINDOW),
                  sa.func.count().filter(at >= now - clone.RATE_WINDOW),
                  sa.func.max(sa.case((place.startswith("geo:"), 1), else_=0)))
        .where(col(Scan.stamp_id).in_(stamp_ids)).where(at >= now - clone.WINDOW)
        .group_by(col(Scan.stamp_id)))
    return [sid for sid, places, in_hour, geo in rows
            if places >= clone.PLACES_LIMIT or in_hour > clone.RATE_LIMIT or geo]
