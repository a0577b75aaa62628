"""Read side: downsampled series, CSV export, latest state, device health, sequence gaps.

Buckets use PostgreSQL's ``date_bin`` (origin 2000-01-01T00:00Z) and the same arithmetic on
SQLite, so both give the same buckets. Readings whose time the device did not know are
stored at their receive time but left out of the series (counted in ``untimed``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from server.errors import Invalid
from server.models import Device
from server.models.telemetry import READING_METRICS, DeviceState
from server.telemetry import aggregates as agg
from server.timeutil import as_utc

__all__ = ["parse_bucket", "series", "series_many", "export_csv", "device_health", "sequence_gaps",
           "DEFAULT_INTERVAL_S", "MAX_BUCKETS", "ORIGIN"]

ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
_ORIGIN_EPOCH = int(ORIGIN.timestamp())
MAX_BUCKETS = 5000
#: Report interval assumed for a device that never said when it reports next.
DEFAULT_INTERVAL_S = 900
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_bucket(text: str) -> int:
    """``300``, ``90s``, ``15m``, ``1h``, ``1d`` → seconds."""
    m = re.fullmatch(r"\s*(\d{1,7})\s*([smhd]?)\s*", text or "")
    if not m or int(m.group(1)) == 0:
        raise Invalid("bucket must be a positive number of seconds or like 15m, 1h, 1d.")
    return int(m.group(1)) * _UNITS[m.group(2) or "s"]



def _sqlite_ts(dt: datetime) -> str:
    return as_utc(dt).strftime("%Y-%m-%d %H:%M:%S.%f")


def _check(metric: str, start: datetime, end: datetime, bucket_s: int) -> tuple[datetime,
                                                                                datetime]:
    if metric not in READING_METRICS:
        raise Invalid(f"metric must be one of {', '.join(READING_METRICS)}.")
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        raise Invalid("'to' must be after 'from'.")
    if (end - start).total_seconds() / bucket_s > MAX_BUCKETS:
        raise Invalid(f"too many buckets (more than {MAX_BUCKETS}); choose a larger bucket.")
    return start, end


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _out(key: str, ident: int, metric: str, start: datetime, end: datetime, bucket_s: int,
         cells: agg.Cells) -> dict[str, Any]:
    out = []
    for b in sorted(cells.buckets):
        c = cells.buckets[b]
        out.append({"t": _iso(datetime.fromtimestamp(b, UTC)), "n": c.n, "min": _round(c.lo),
                    "mean": _round(c.total / c.n), "max": _round(c.hi)})
    return {key: ident, "metric": metric, "bucket_s": bucket_s, "from": _iso(start),
            "to": _iso(end), "untimed": cells.untimed, "buckets": out}


def series_many(session: Session, *, start: datetime, end: datetime, bucket_s: int,
                metric: str = "m", zone_ids: list[int] | None = None,
                device_ids: list[int] | None = None) -> dict[int, dict[str, Any]]:
    """:func:`series` for many zones (or devices) at once: a dashboard in at most three
    statements whatever the number of zones (PostgreSQL)."""
    start, end = _check(metric, start, end, bucket_s)
    key, ids = ("zone_id", zone_ids) if zone_ids is not None else ("device_id", device_ids)
    if not ids:
        return {}
    ids = sorted({int(i) for i in ids})
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        got = agg.pg_cells(conn, key, ids, metric, start, end, bucket_s)
    else:
        got = {i: _sqlite_cells(conn, key, i, metric, start, end, bucket_s) for i in ids}
    return {i: _out(key, i, metric, start, end, bucket_s, got[i]) for i in ids}


def series(session: Session, *, start: datetime, end: datetime, bucket_s: int,
           metric: str = "m", zone_id: int | None = None,
           device_id: int | None = None) -> dict[str, Any]:
    """min/mean/max of ``metric`` per bucket in [start, end) for one zone or one device.

    On TimescaleDB a range longer than a few days in whole-hour buckets reads the hourly
    aggregate joined with the raw tail (:mod:`server.telemetry.aggregates`), with the same
    numbers as the raw rows; otherwise the raw rows."""
    if zone_id is None and device_id is None:
        raise Invalid("a zone or a device is required.")
    if zone_id is not None:
        return series_many(session, start=start, end=end, bucket_s=bucket_s, metric=metric,
                           zone_ids=[zone_id])[int(zone_id)]
    assert device_id is not None
    return series_many(session, start=start, end=end, bucket_s=bucket_s, metric=metric,
                       device_ids=[device_id])[int(device_id)]


def _sqlite_cells(conn: Any, key: str, ident: int, metric: str, start: datetime,
                  end: datetime, bucket_s: int) -> agg.Cells:
    bucket = (f"((CAST(strftime('%s', time) AS INTEGER) - {_ORIGIN_EPOCH}) / :b) * :b "
              f"+ {_ORIGIN_EPOCH}")
    params = {"b": bucket_s, "id": ident, "lo": _sqlite_ts(start), "hi": _sqlite_ts(end)}
    out = agg.Cells()
    rows = conn.execute(sa.text(
        f"SELECT {bucket}, count({metric}), sum({metric}), min({metric}), max({metric}) "
        f"FROM readings WHERE {agg.ONE_SQL[key]} AND time >= :lo AND time < :hi "
        f"AND time_known AND {metric} IS NOT NULL GROUP BY 1"), params).all()
    for b, n, total, lo, hi in rows:
        out.buckets.setdefault(int(b), agg.Cell()).add(n, total, lo, hi)
    out.untimed = int(conn.execute(sa.text(
        f"SELECT count(*) FROM readings WHERE {agg.ONE_SQL[key]} AND time >= :lo "
        "AND time < :hi AND NOT time_known"), params).scalar_one())
    return out


def _round(x: Any) -> float | None:
    return None if x is None else round(float(x), 3)


def export_csv(session: Session, *, start: datetime, end: datetime, zone_id: int | None = None,
               device_id: int | None = None, limit: int = 1_000_000) -> Iterator[str]:
    """Every reading in [start, end) as CSV lines (header first), oldest first."""
    key, ident = ("zone_id", zone_id) if zone_id is not None else ("device_id", device_id)
    pg = session.get_bind().dialect.name == "postgresql"
    lo, hi = (as_utc(start), as_utc(end)) if pg else (_sqlite_ts(start), _sqlite_ts(end))
    cols = ", ".join(f"r.{c}" for c in READING_METRICS)
    # stream this statement only (Connection.execution_options would change the session's
    # connection for every later statement, which then fail as server-side cursors)
    result = session.connection().execute(sa.text(
        f"SELECT r.time, d.uid, r.seq, r.time_known, {cols}, r.extra FROM readings r "
        f"JOIN devices d ON d.id = r.device_id WHERE r.{agg.ONE_SQL[key]} AND r.time >= :lo "
        "AND r.time < :hi ORDER BY r.time, d.uid, r.seq LIMIT :lim"),
        {"id": ident, "lo": lo, "hi": hi, "lim": limit},
        execution_options={"stream_results": True})
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["time_utc", "device", "seq", "time_known", *READING_METRICS, "extra"])
    yield buf.getvalue()
    for row in result:
        buf.seek(0)
        buf.truncate()
        t = row[0] if isinstance(row[0], datetime) else datetime.fromisoformat(str(row[0]))
        extra = row[-1]
        if extra is not None and not isinstance(extra, str):
            import json

            extra = json.dumps(extra, separators=(",", ":"), ensure_ascii=False)
        w.writerow([as_utc(t).isoformat().replace("+00:00", "Z"), row[1], row[2],
                    bool(row[3]), *("" if v is None else v for v in row[4:-1]), extra or ""])
        yield buf.getvalue()


def device_health(device: Device, state: DeviceState | None,
                  now: datetime | None = None) -> dict[str, Any]:
    """online / asleep / offline (with why) / never_seen, and the honest counters."""
    now = now or datetime.now(UTC)
    out: dict[str, Any] = {"status": "never_seen", "why": None, "last_seen_at": None,
                           "expected_interval_s": DEFAULT_INTERVAL_S, "battery_mv": None,
                           "rssi_dbm": None, "firmware": device.firmware_version,
                           "buffer_dropped": None, "last_seq": None, "missing_readings": 0,
                           "moisture_pct": None, "moisture_at": None, "valve_open": None}
    if state is None or state.last_seen_at is None:
        return out
    interval = state.next_s or DEFAULT_INTERVAL_S
    seen = as_utc(state.last_seen_at)
    if state.state == "offline":
        status, why = "offline", "last_will"
    elif now - seen > timedelta(seconds=2 * interval + 60):
        status, why = "offline", "silent"
    elif state.state == "sleep":
        status, why = "asleep", None
    else:
        status, why = "online", None
    missing = 0
    if state.first_seq is not None and state.last_seq is not None:
        missing = max(0, state.last_seq - state.first_seq + 1 - state.received)
    out.update(status=status, why=why, last_seen_at=seen, expected_interval_s=interval,
               battery_mv=state.bat, rssi_dbm=state.rssi, buffer_dropped=state.dropped,
               last_seq=state.last_seq, missing_readings=missing,
               moisture_pct=state.m, moisture_at=as_utc(state.m_at) if state.m_at else None,
               valve_open=None if state.vs is None else bool(state.vs))
    return out


def sequence_gaps(session: Session, device_id: int, limit: int = 100) -> list[dict[str, int]]:
    """Ranges of sequence numbers that never arrived, within the once-only window (the last
    :data:`server.telemetry.retention.SEQ_WINDOW` sequence numbers of the device)."""
    rows = session.connection().execute(sa.text(
        "SELECT seq + 1, nxt - 1 FROM (SELECT seq, lead(seq) OVER (ORDER BY seq) AS nxt "
        "FROM reading_seqs WHERE device_id = CAST(:d AS integer)) s WHERE nxt > seq + 1 "
        "ORDER BY seq LIMIT :n"),
        {"d": device_id, "n": limit}).all()
    return [{"from": int(a), "to": int(b), "count": int(b) - int(a) + 1} for a, b in rows]


def _age_vi(seconds: float) -> str:
    if seconds < 90:
        return "vừa xong"
    if seconds < 5400:
        return f"{round(seconds / 60)} phút trước"
    if seconds < 2 * 86400:
        return f"{round(seconds / 3600)} giờ trước"
    return f"{round(seconds / 86400)} ngày trước"


def zone_summary(session: Session, devices: list[Device] | Any) -> dict[str, Any] | None:
    """Latest soil moisture of a zone's devices and its age, for the farmer page."""
    ids = [d.id for d in devices]
    if not ids:
        return None
    states = [session.get(DeviceState, i) for i in ids]
    moist = [s for s in states if s is not None and s.m_at is not None and s.m is not None]
    seen = [as_utc(s.last_seen_at) for s in states if s is not None and s.last_seen_at]
    if not moist and not seen:
        return None
    now = datetime.now(UTC)
    out: dict[str, Any] = {"moisture_pct": None, "moisture_age": None,
                           "last_seen_at": max(seen) if seen else None}
    if moist:
        best = max(moist, key=lambda s: as_utc(s.m_at))  # type: ignore[arg-type]
        out["moisture_pct"] = best.m
        out["moisture_age"] = _age_vi((now - as_utc(best.m_at)).total_seconds())  # type: ignore[arg-type]
    return out
