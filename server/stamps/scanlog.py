"""Write-behind scan log: the consumer page never waits for a write.

A scan is put on an in-memory queue and written by one background thread in batches
(every ``FLUSH_S`` or ``BATCH`` scans): the scan rows, the stamps' counters (incremented
in SQL, so concurrent workers never lose a count) and the clone rules for stamps that
have enough scans to break one (:mod:`server.stamps.clone`). The page shows the stored
count plus this process's scans still queued, so a consumer always sees their own scan.

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

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server.models.common import utcnow
from server.models.stamps import Scan, Stamp
from server.stamps import clone

__all__ = ["ScanLog", "FLUSH_S", "BATCH"]

log = logging.getLogger(__name__)
FLUSH_S = 0.5
BATCH = 500
MAX_QUEUE = 200_000


class ScanLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._q: deque[tuple[int, datetime, str]] = deque()
        self._pending: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one flush at a time (the writer, stop, tests)
        self._inflight = 0  # queued scans (from the left) a flush is writing now
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.written = 0
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="nongso-scanlog", daemon=True)
        self._thread.start()

    def add(self, stamp_id: int, place: str, at: datetime | None = None) -> int:
        """Queue a scan; return how many of this stamp's scans this process has queued."""
        with self._lock:
            if len(self._q) >= MAX_QUEUE:
                # Not the oldest: a flush may be writing those right now.
                self.dropped += 1
                return self._pending[stamp_id] + 1
            self._q.append((stamp_id, at or utcnow(), place))
            self._pending[stamp_id] += 1
            n = self._pending[stamp_id]
            if len(self._q) >= BATCH:
                self._wake.set()
        return n

    def refine(self, stamp_id: int, place: str, max_age: timedelta) -> bool:
        """Give this stamp's latest queued scan a more precise ``place`` (the consumer
        shared a position after the page loaded), if it is still queued here, not being
        written, younger than ``max_age`` and not already a position."""
        now = utcnow()
        with self._lock:
            for i in range(len(self._q) - 1, self._inflight - 1, -1):
                sid, at, old = self._q[i]
                if sid != stamp_id:
                    continue
                if old.startswith("geo:") or now - at > max_age:
                    return False
                self._q[i] = (sid, at, place)
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
                sid = self._q.popleft()[0]
                self._pending[sid] -= 1
                if self._pending[sid] <= 0:
                    del self._pending[sid]
            self.written += len(batch)
        return True

    def _write(self, batch: list[tuple[int, datetime, str]]) -> None:
        per_stamp = Counter(sid for sid, _, _ in batch)
        first: dict[int, datetime] = {}
        for sid, at, _ in batch:
            first.setdefault(sid, at)
        geo = {sid for sid, _, place in batch if place.startswith("geo:")}
        with Session(self.engine) as s:
            counts = _insert_and_count(s, batch, per_stamp, first)
            now = max(at for _, at, _ in batch)
            # The clone rules read recent scans only for stamps that could break one.
            check = [sid for sid, (count, flagged) in counts.items()
                     if flagged is None and (count >= clone.PLACES_LIMIT or sid in geo)]
            for sid in _suspects(s, check, now):
                recent = list(s.exec(select(Scan).where(Scan.stamp_id == sid)
                                     .where(col(Scan.at) >= now - clone.WINDOW)))
                reason = clone.suspicion(recent, now)
                if reason:
                    s.execute(sa.update(Stamp).where(col(Stamp.id) == sid)
                              .values(clone_suspected_at=now, clone_reason=reason))
            s.commit()

    def stop(self, timeout: float = 10.0) -> None:
        """Flush everything queued and stop the writer."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)


def _insert_and_count(s: Session, batch: list[tuple[int, datetime, str]],
                      per_stamp: Counter[int], first: dict[int, datetime]
                      ) -> dict[int, tuple[int, datetime | None]]:
    """Store the scans and add them to their stamps' counters (in SQL: concurrent workers
    never lose a count); return ``{stamp id: (scan count, clone flag)}``. One statement on
    PostgreSQL."""
    ids = sorted(per_stamp)
    if s.get_bind().dialect.name == "postgresql":
        # A batch touches a few hundred of maybe millions of stamps: always by primary key.
        # Right after a large issue the table has no statistics yet and the planner would
        # hash the whole table for every batch (measured: 50 ms instead of 2 ms a batch).
        s.execute(sa.text("SET LOCAL enable_seqscan = off"))
        rows = s.execute(sa.text(
            f"WITH logged AS (INSERT INTO {Scan.__tablename__} (stamp_id, at, place) "
            "SELECT * FROM unnest(CAST(:sids AS integer[]), CAST(:ats AS timestamptz[]), "
            "CAST(:places AS varchar[]))) "
            f"UPDATE {Stamp.__tablename__} AS s SET scan_count = s.scan_count + v.n, "
            "first_scan_at = COALESCE(s.first_scan_at, v.first) "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:ns AS integer[]), "
            "CAST(:firsts AS timestamptz[])) AS v(id, n, first) "
            "WHERE s.id = v.id RETURNING s.id, s.scan_count, s.clone_suspected_at"),
            {"ids": ids, "ns": [per_stamp[i] for i in ids], "firsts": [first[i] for i in ids],
             "sids": [b[0] for b in batch], "ats": [b[1] for b in batch],
             "places": [b[2] for b in batch]})
        return {sid: (count, flagged) for sid, count, flagged in rows}
    s.execute(sa.insert(Scan), [{"stamp_id": sid, "at": at, "place": place}
                                for sid, at, place in batch])
    out = {}
    for sid in ids:
        count, flagged = s.execute(
            sa.update(Stamp).where(col(Stamp.id) == sid)
            .values(scan_count=Stamp.scan_count + per_stamp[sid],
                    first_scan_at=sa.func.coalesce(Stamp.first_scan_at, first[sid]))
            .returning(col(Stamp.scan_count), col(Stamp.clone_suspected_at))).one()
        out[sid] = (count, flagged)
    return out


def _suspects(s: Session, stamp_ids: list[int], now: datetime) -> list[int]:
    """Of these stamps, those whose recent scans could break a clone rule, found by one
    aggregate query: enough places in the day, enough scans in the hour, or a shared
    phone position (the travel rule). Only these are read scan by scan."""
    if not stamp_ids:
        return []
    at, place = col(Scan.at), col(Scan.place)
    rows = s.execute(
        sa.select(col(Scan.stamp_id),
                  sa.func.count(sa.distinct(place)).filter(at >= now - clone.PLACES_WINDOW),
                  sa.func.count().filter(at >= now - clone.RATE_WINDOW),
                  sa.func.max(sa.case((place.startswith("geo:"), 1), else_=0)))
        .where(col(Scan.stamp_id).in_(stamp_ids)).where(at >= now - clone.WINDOW)
        .group_by(col(Scan.stamp_id)))
    return [sid for sid, places, in_hour, geo in rows
            if places >= clone.PLACES_LIMIT or in_hour > clone.RATE_LIMIT or geo]
