"""Storage benchmark: a province's year of readings, bytes on disk and chart latency.

    uv run python bench/storage.py [--scale 1.0] [--paths timescaledb,partitions]

Starts its own throw-away PostgreSQL 15 cluster (tests/support/services.py). For each
storage path — a TimescaleDB hypertable when the extension is installed, and plain monthly
partitions side by side — it migrates a fresh database, registers 125 zones × 4 devices
(× scale, at least one zone) and writes one reading per device every 5 minutes for a year
(≈ 52 M readings at scale 1) through the real store (``server.telemetry.store.Store``:
COPY, the once-only guard, device state), in time order, 2,000 readings a batch. Then the
TimescaleDB policies run as their scheduler would (compression of chunks older than 7 days,
the hourly aggregate's refresh and compression), the once-only guard is pruned, and it
measures

* bytes per reading on disk: the readings with every index (compressed chunks, the
  current uncompressed week), the hourly aggregate and the once-only guard;
* a 30-day zone chart (hourly buckets), a 1-year zone chart (daily buckets), both the
  median over 5 zones; a co-op dashboard: 7-day 6-hour charts of 50 zones in one session
  (the median of 3) — all through ``server.telemetry.queries.series``.

Scale shrinks the number of zones, never the year: a zone's chart reads a full zone-year at
any scale. The last line is ``storage: readings=… bytes_per_reading=… chart_30d_ms=…
chart_1y_ms=… dashboard_ms=…`` for TimescaleDB (or partitions when it is not installed).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from server.db import make_engine  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from server.telemetry.queries import series, series_many  # noqa: E402
from server.telemetry.store import Batch, ReadingRow, Store  # noqa: E402
from tests.support.services import PostgresCluster  # noqa: E402

ZONES, PER_ZONE, STEP_S, DAYS, BATCH = 125, 4, 300, 365, 2000


@dataclass
class Result:
    path: str
    readings: int = 0
    write_s: float = 0.0
    maintain_s: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)
    chart_30d_ms: float = 0.0
    chart_1y_ms: float = 0.0
    dashboard_ms: float = 0.0
    dashboard_zones: int = 0
    note: str = ""

    @property
    def bytes_per_reading(self) -> float:
        return sum(self.sizes.values()) / max(1, self.readings)


def world(engine: Engine, zones: int) -> list[tuple[int, int]]:
    """An organisation, a farm, ``zones`` zones of 4 sensors each: [(device, zone)]."""
    with engine.begin() as c:
        org = c.execute(sa.text("INSERT INTO organisations (name, kind, province_code, "
                                "created_at) VALUES ('HTX bench', 'htx', '31', now()) "
                                "RETURNING id")).scalar_one()
        farm = c.execute(sa.text("INSERT INTO farms (name, organisation_id, province_code, "
                                 "commune_code, created_at) VALUES ('Farm bench', :o, '31', "
                                 "'10741', now()) RETURNING id"), {"o": org}).scalar_one()
        out = []
        for z in range(zones):
            zone = c.execute(sa.text("INSERT INTO zones (farm_id, name, crop, area_m2, "
                                     "created_at) VALUES (:f, :n, 'lychee', 1000, now()) "
                                     "RETURNING id"), {"f": farm, "n": f"Khu {z + 1}"}).scalar_one()
            for d in range(PER_ZONE):
                dev = c.execute(sa.text(
                    "INSERT INTO devices (uid, zone_id, role, status, created_at) VALUES "
                    "(:u, :z, 'sensor', 'active', now()) RETURNING id"),
                    {"u": f"bench-{z:03d}-{d}", "z": zone}).scalar_one()
                out.append((int(dev), int(zone)))
    return out


def _values(i: int, tick: int) -> dict[str, Any]:
    """A sensor's reading as the firmware sends it: m (0.1 %), raw, st (0.01 °C), bat."""
    day = 2 * math.pi * tick / 288
    m = 35 + 8 * math.sin(day / 7 + i) + ((tick * 7919 + i * 104729) % 11 - 5) / 10
    return {"m": round(m, 1), "raw": 52000 - int(m * 300),
            "st": round(26 + 4 * math.sin(day + i / 3), 2), "bat": 4150 - tick // 400}


def write_year(engine: Engine, devices: list[tuple[int, int]], end: datetime) -> tuple[int, float]:
    store = Store(engine, prune_every_s=float("inf"))  # pruned per simulated day below
    ticks = DAYS * 86400 // STEP_S
    start = end - timedelta(seconds=ticks * STEP_S)
    t0, n, batch = time.perf_counter(), 0, Batch()
    for tick in range(ticks):
        at = start + timedelta(seconds=tick * STEP_S)
        got = at + timedelta(seconds=2)
        for i, (dev, zone) in enumerate(devices):
            batch.readings.append(ReadingRow(dev, zone, tick + 1, at, True, got,
                                             _values(i, tick), None))
            batch.delta(dev, got)
        if len(batch.readings) >= BATCH or tick == ticks - 1:
            n += store.write(batch).inserted
            batch = Batch()
        if tick % 288 == 287:  # the store prunes every 10 min; autovacuum reuses the space
            store.prune()
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(sa.text("VACUUM reading_seqs"))
        if tick % (ticks // 20) == 0 and tick:
            rate = n / (time.perf_counter() - t0)
            print(f"  {tick * 100 // ticks:3d}% {n:,} readings, {rate:,.0f}/s", flush=True)
    store.prune()
    return n, time.perf_counter() - t0


def _run_job(engine: Engine, where: str) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        for (job,) in c.execute(sa.text(
                f"SELECT job_id FROM timescaledb_information.jobs WHERE {where}")).all():
            c.execute(sa.text(f"CALL run_job({int(job)})"))


def maintain(engine: Engine, ts: bool) -> float:
    """What the scheduler and autovacuum would have done by now."""
    t0 = time.perf_counter()
    if ts:
        _run_job(engine, "proc_name = 'policy_compression' AND hypertable_name = 'readings'")
        _run_job(engine, "proc_name = 'policy_refresh_continuous_aggregate'")
        _run_job(engine, "proc_name = 'policy_compression' AND hypertable_name <> 'readings'")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(sa.text("VACUUM ANALYZE"))
    return time.perf_counter() - t0


def sizes(engine: Engine, ts: bool) -> dict[str, int]:
    with engine.connect() as c:
        q = c.execute
        out = {"reading_seqs": int(q(sa.text(
            "SELECT pg_total_relation_size('reading_seqs')")).scalar_one())}
        if ts:
            out["readings"] = int(q(sa.text("SELECT hypertable_size('readings')")).scalar_one())
            out["readings_hourly"] = int(q(sa.text(
                "SELECT hypertable_size(format('%I.%I', materialization_hypertable_schema, "
                "materialization_hypertable_name)::regclass) FROM "
                "timescaledb_information.continuous_aggregates WHERE view_name = "
                "'readings_hourly'")).scalar_one())
        else:
            out["readings"] = int(q(sa.text(
                "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits "
                "WHERE inhparent = 'readings'::regclass")).scalar_one())
    return out


def _timed(engine: Engine, fn: Any) -> float:
    with Session(engine) as s:
        t0 = time.perf_counter()
        fn(s)
        return (time.perf_counter() - t0) * 1000


def charts(engine: Engine, zones: list[int], end: datetime, r: Result) -> None:
    def chart(zone: int, days: int, bucket: int, want: int) -> Any:
        def run(s: Session) -> None:
            got = series(s, start=end - timedelta(days=days), end=end, bucket_s=bucket,
                         zone_id=zone)["buckets"]
            assert want - 1 <= len(got) <= want + 1, (zone, days, len(got))
        return run

    sample = zones[:5]
    _timed(engine, chart(sample[0], 30, 3600, 720))  # warm-up (plans, catalog caches)
    r.chart_30d_ms = statistics.median(_timed(engine, chart(z, 30, 3600, 720)) for z in sample)
    r.chart_1y_ms = statistics.median(_timed(engine, chart(z, 365, 86400, 365)) for z in sample)
    board = zones[:50]  # fewer than 50 zones at a small scale: the dashboard has fewer
    r.dashboard_zones = len(board)

    def dashboard(s: Session) -> None:
        got = series_many(s, start=end - timedelta(days=7), end=end, bucket_s=6 * 3600,
                          zone_ids=board)
        assert len(got) == len(board) and all(len(v["buckets"]) >= 28 for v in got.values())

    r.dashboard_ms = statistics.median(_timed(engine, dashboard) for _ in range(3))


def run_path(cluster: PostgresCluster, path: str, zones: int, end: datetime) -> Result:
    ts = path == "timescaledb"
    url = cluster.create_database(timescaledb=ts)
    upgrade(url)
    engine = make_engine(url)
    r = Result(path)
    try:
        devices = world(engine, zones)
        print(f"[{path}] writing {len(devices)} devices × {DAYS * 86400 // STEP_S:,} readings",
              flush=True)
        r.readings, r.write_s = write_year(engine, devices, end)
        r.maintain_s = maintain(engine, ts)
        r.sizes = sizes(engine, ts)
        if ts:
            with engine.connect() as c:
                n, before, after = c.execute(sa.text(
                    "SELECT count(*), sum(before_compression_total_bytes), "
                    "sum(after_compression_total_bytes) FROM chunk_compression_stats('readings') "
                    "WHERE compression_status = 'Compressed'")).one()
                r.note = (f"{n} compressed chunks: {int(before or 0) / 1e6:,.1f} MB → "
                          f"{int(after or 0) / 1e6:,.1f} MB")
        charts(engine, sorted({z for _, z in devices}), end, r)
    finally:
        engine.dispose()
        cluster.drop_database(url.rsplit("/", 1)[1])
    return r


def report(r: Result) -> None:
    mb = {k: f"{v / 1e6:,.1f} MB" for k, v in r.sizes.items()}
    print(f"[{r.path}] readings={r.readings:,} written in {r.write_s:,.0f} s "
          f"({r.readings / max(r.write_s, 1e-9):,.0f}/s), policies+vacuum {r.maintain_s:,.0f} s")
    print(f"[{r.path}] on disk {mb}: {r.bytes_per_reading:.1f} B/reading "
          f"({sum(v for k, v in r.sizes.items() if k != 'readings_hourly') / max(1, r.readings):.1f}"
          " without the aggregate)")
    if r.note:
        print(f"[{r.path}] {r.note}")
    print(f"[{r.path}] chart 30 d {r.chart_30d_ms:.1f} ms, chart 1 y {r.chart_1y_ms:.1f} ms, "
          f"dashboard ({r.dashboard_zones} zones × 7 d) {r.dashboard_ms:.1f} ms", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="share of the 125 zones")
    ap.add_argument("--paths", default="timescaledb,partitions")
    args = ap.parse_args()
    zones = max(1, round(ZONES * args.scale))
    cluster = PostgresCluster({"shared_buffers": "512MB", "work_mem": "32MB",
                               "maintenance_work_mem": "256MB", "max_wal_size": "4GB",
                               "timescaledb.max_background_workers": "0"}).start()
    paths = [p for p in args.paths.split(",") if p]
    if "timescaledb" in paths and not cluster.timescaledb:
        print("TimescaleDB is not installed: plain partitions only")
        paths = [p for p in paths if p != "timescaledb"]
    print(f"scale {args.scale}: {zones} zones × {PER_ZONE} devices, a reading each "
          f"{STEP_S // 60} min for {DAYS} days; paths: {', '.join(paths)}", flush=True)
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    end -= timedelta(minutes=end.minute % 5)
    results = []
    try:
        for p in paths:
            results.append(run_path(cluster, p, zones, end))
            report(results[-1])
    finally:
        cluster.cleanup()
    for r in results:
        report(r)
    main_r = results[0]
    print(f"storage: readings={main_r.readings} bytes_per_reading={main_r.bytes_per_reading:.1f} "
          f"chart_30d_ms={main_r.chart_30d_ms:.1f} chart_1y_ms={main_r.chart_1y_ms:.1f} "
          f"dashboard_ms={main_r.dashboard_ms:.1f}")


if __name__ == "__main__":
    main()
