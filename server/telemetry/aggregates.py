"""Long charts from the hourly continuous aggregate, joined with the raw tail.

On TimescaleDB, ``readings_hourly`` (migration 0012) holds per (zone, hour) and per metric
the count, sum, min and max of the time-known readings, and the count of untimed ones. A
zone chart whose buckets are whole hours and whose range is longer than
:data:`AGGREGATE_AFTER` reads

* the whole hours in the range that the aggregate has materialised, from the aggregate;
* the partial hour at the start, the partial hour at the end and everything after the
  aggregate's last materialised hour (the raw tail), from ``readings``;

and merges them per bucket: counts and sums add up, minima and maxima combine, the mean
is sum / count, exactly the arithmetic of the raw query (docs/storage.md). On plain
partitions and SQLite there is no aggregate: the caller reads the raw rows.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

__all__ = ["AGGREGATE_AFTER", "Cell", "Cells", "has_hourly", "use_hourly", "pg_cells",
           "bucket_of", "HOUR", "KEY_SQL", "ONE_SQL"]

#: Ranges longer than this read the aggregate (shorter ones are cheap raw).
AGGREGATE_AFTER = timedelta(days=3)
#: More changed-but-not-refreshed ranges than this: read the raw rows instead.
MAX_HOLES = 16
HOUR = 3600
ORIGIN_EPOCH = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp())
_KNOWN: weakref.WeakKeyDictionary[Engine, str | None] = weakref.WeakKeyDictionary()
#: zone and device ids are ``integer`` columns: bind them as such (docs/storage.md).
KEY_SQL = {"zone_id": "zone_id = ANY(CAST(:ids AS integer[]))",
           "device_id": "device_id = ANY(CAST(:ids AS integer[]))"}
#: The same for one id (``:id``), for the statements that read one zone or device.
ONE_SQL = {"zone_id": "zone_id = CAST(:id AS integer)",
           "device_id": "device_id = CAST(:id AS integer)"}


@dataclass(slots=True)
class Cell:
    """count / sum / min / max of one metric in one bucket."""

    n: int = 0
    total: float = 0.0
    lo: float | None = None
    hi: float | None = None

    def add(self, n: Any, total: Any, lo: Any, hi: Any) -> None:
        if not n:
            return
        self.n += int(n)
        self.total += float(total)
        self.lo = float(lo) if self.lo is None else min(self.lo, float(lo))
        self.hi = float(hi) if self.hi is None else max(self.hi, float(hi))


def bucket_of(epoch: int, bucket_s: int) -> int:
    """``date_bin(bucket_s, t, 2000-01-01T00:00Z)`` as epoch seconds."""
    return (epoch - ORIGIN_EPOCH) // bucket_s * bucket_s + ORIGIN_EPOCH


def _hourly_info(conn: Connection) -> str | None:
    """The statement that gives the aggregate's watermark and the stale ranges below it,
    or None without the 0012 aggregate (partitions, SQLite). Cached per engine."""
    engine = conn.engine
    if engine in _KNOWN:
        return _KNOWN[engine]
    sql = None
    if conn.dialect.name == "postgresql" and conn.execute(sa.text(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'readings_hourly' "
            "AND column_name = 'm_n'")).first() is not None:
        mat, raw = conn.execute(sa.text(
            "SELECT mat_hypertable_id, raw_hypertable_id FROM _timescaledb_catalog."
            "continuous_agg WHERE user_view_name = 'readings_hourly'")).one()
        mark = "(SELECT max(bucket) + INTERVAL '1 hour' FROM readings_hourly)"
        if conn.execute(sa.text("SELECT to_regprocedure("
                                "'_timescaledb_functions.cagg_watermark(integer)')")).scalar():
            # 2.12+: no planning over every chunk of the aggregate
            mark = ("greatest(_timescaledb_functions.to_timestamp(_timescaledb_functions."
                    f"cagg_watermark({int(mat)})), TIMESTAMPTZ '1970-01-01 00:00:00+00')")
        stale = "SELECT NULL::bigint AS lo, NULL::bigint AS hi WHERE false"
        if conn.execute(sa.text("SELECT to_regclass('_timescaledb_catalog."
                                "continuous_aggs_hypertable_invalidation_log')")).scalar():
            stale = (  # hours changed since they were materialised (a late upload)
                "SELECT lowest_modified_value AS lo, greatest_modified_value AS hi FROM "
                "_timescaledb_catalog.continuous_aggs_hypertable_invalidation_log WHERE "
                f"hypertable_id = {int(raw)} UNION ALL SELECT lowest_modified_value, "
                "greatest_modified_value FROM _timescaledb_catalog."
                "continuous_aggs_materialization_invalidation_log WHERE "
                f"materialization_id = {int(mat)}")
        # (greatest and least ignore NULLs: no stale range must stay NULL)
        sql = (f"SELECT {mark}, CASE WHEN s.lo IS NOT NULL THEN _timescaledb_functions."
               "to_timestamp(greatest(s.lo, 0)) END, CASE WHEN s.hi IS NOT NULL THEN "
               "_timescaledb_functions.to_timestamp(least(s.hi, 4102444800000000)) END "
               f"FROM (SELECT 1) one LEFT JOIN ({stale}) s ON s.hi >= :lo AND s.lo < :hi")
    _KNOWN[engine] = sql
    return sql


def has_hourly(conn: Connection) -> bool:
    """Does this database have the 0012 aggregate (TimescaleDB)?"""
    return _hourly_info(conn) is not None


def use_hourly(conn: Connection, key: str, start: datetime, end: datetime,
               bucket_s: int) -> bool:
    """Zone charts in whole hours over more than a few days, where the aggregate exists
    (device charts read the raw rows: one device is one compressed segment)."""
    return (key == "zone_id" and bucket_s % HOUR == 0 and end - start > AGGREGATE_AFTER
            and has_hourly(conn))


def _hour_ceil(t: datetime) -> datetime:
    floor = t.replace(minute=0, second=0, microsecond=0)
    return floor if floor == t else floor + timedelta(hours=1)


def _micros(t: datetime) -> int:
    return int((t - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()) * 1_000_000


def _watermark(conn: Connection, h0: datetime,
               h1: datetime) -> tuple[datetime | None, list[tuple[datetime, datetime]]]:
    """Where the materialised hours end, and the whole hours in [h0, h1) that changed
    since they were materialised (read raw until the next refresh)."""
    sql = _hourly_info(conn)
    if sql is None:
        return None, []
    rows = conn.execute(sa.text(sql), {"lo": _micros(h0), "hi": _micros(h1)}).all()
    mark = rows[0][0] if rows and isinstance(rows[0][0], datetime) else None
    holes: list[tuple[datetime, datetime]] = []
    for _, lo, hi in sorted(rows, key=lambda r: (r[1] is None, r[1])):
        if lo is None or hi is None:
            continue
        lo = max(h0, lo.replace(minute=0, second=0, microsecond=0))
        hi = min(h1, _hour_ceil(hi + timedelta(microseconds=1)))
        if hi <= lo:
            continue
        if holes and lo <= holes[-1][1]:
            holes[-1] = (holes[-1][0], max(hi, holes[-1][1]))
        else:
            holes.append((lo, hi))
    return mark, holes


@dataclass(slots=True)
class Cells:
    """One zone's or device's buckets (epoch → :class:`Cell`) and its untimed count."""

    buckets: dict[int, Cell] = field(default_factory=dict)
    untimed: int = 0


_BIN = ("extract(epoch FROM date_bin(make_interval(secs => :b), {col}, "
        "TIMESTAMPTZ '2000-01-01 00:00:00+00'))::bigint")


def _raw(conn: Connection, key: str, ids: list[int], metric: str,
         ranges: list[tuple[datetime, datetime]], bucket_s: int, out: dict[int, Cells]) -> None:
    """Add the raw readings of ``ranges`` to ``out``: one statement."""
    ranges = [(lo, hi) for lo, hi in ranges if hi > lo]
    if not ranges:
        return
    params: dict[str, Any] = {"b": bucket_s, "ids": ids}
    where = []
    for i, (lo, hi) in enumerate(ranges):
        where.append(f"(time >= :lo{i} AND time < :hi{i})")
        params[f"lo{i}"], params[f"hi{i}"] = lo, hi
    known = "FILTER (WHERE time_known)"
    rows = conn.execute(sa.text(
        f"SELECT {key}, {_BIN.format(col='time')}, count({metric}) {known}, "
        f"sum({metric}::float8) {known}, min({metric}) {known}, max({metric}) {known}, "
        f"count(*) FILTER (WHERE NOT time_known) FROM readings WHERE {KEY_SQL[key]} "
        f"AND ({' OR '.join(where)}) GROUP BY 1, 2"), params).all()
    for ident, b, n, total, mn, mx, untimed in rows:
        c = out[int(ident)]
        c.untimed += int(untimed)
        if n:
            c.buckets.setdefault(int(b), Cell()).add(n, total, mn, mx)


def _hourly(conn: Connection, key: str, ids: list[int], metric: str,
            span: tuple[datetime, datetime], holes: list[tuple[datetime, datetime]],
            bucket_s: int, out: dict[int, Cells]) -> None:
    """Add the aggregate's hours in ``span`` except the ``holes`` to ``out``."""
    params: dict[str, Any] = {"b": bucket_s, "ids": ids, "lo": span[0], "hi": span[1]}
    skip = ""
    for i, (lo, hi) in enumerate(holes):
        skip += f" AND NOT (bucket >= :s{i} AND bucket < :e{i})"
        params[f"s{i}"], params[f"e{i}"] = lo, hi
    rows = conn.execute(sa.text(
        f"SELECT {key}, {_BIN.format(col='bucket')}, sum({metric}_n), "
        f"sum({metric}_sum), min({metric}_min), max({metric}_max), sum(untimed) "
        f"FROM readings_hourly WHERE {KEY_SQL[key]} AND bucket >= :lo "
        f"AND bucket < :hi{skip} GROUP BY 1, 2"), params).all()
    for ident, b, n, total, mn, mx, untimed in rows:
        c = out[int(ident)]
        c.untimed += int(untimed or 0)
        if n:
            c.buckets.setdefault(int(b), Cell()).add(n, total, mn, mx)


def pg_cells(conn: Connection, key: str, ids: list[int], metric: str, start: datetime,
             end: datetime, bucket_s: int) -> dict[int, Cells]:
    """Buckets of [start, end) per id: from the aggregate plus the raw edges and tail when
    :func:`use_hourly`, else raw; three statements at most, whatever the number of ids."""
    out = {i: Cells() for i in ids}
    ranges = [(start, end)]
    if use_hourly(conn, key, start, end, bucket_s):
        h0, h1 = _hour_ceil(start), end.replace(minute=0, second=0, microsecond=0)
        mark, holes = _watermark(conn, h0, h1)
        h1 = min(h1, mark) if mark else h0
        if h1 > h0 and len(holes) <= MAX_HOLES:
            holes = [(lo, min(hi, h1)) for lo, hi in holes if lo < h1]
            ranges = [(start, h0), *holes, (h1, end)]
            _hourly(conn, key, ids, metric, (h0, h1), holes, bucket_s, out)
    _raw(conn, key, ids, metric, ranges, bucket_s, out)
    return out
