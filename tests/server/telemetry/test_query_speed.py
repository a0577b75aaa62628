"""A 30-day chart of one zone in under 100 ms with a year of one-minute data (PostgreSQL)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from server.telemetry.queries import series
from tests.server.telemetry.conftest import Telemetry

END = datetime(2026, 6, 1, tzinfo=UTC)


def test_thirty_day_chart_under_100ms_over_a_year_of_minutes(tel_pg: Telemetry) -> None:
    tel = tel_pg
    tel.add("year-1", zone="lychee")
    start = END - timedelta(days=365)
    with tel.engine.begin() as c:
        hypertable = c.execute(sa.text(
            "SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'")).scalar() == 1
        if hypertable:  # TimescaleDB makes its chunks itself
            assert c.execute(sa.text("SELECT count(*) FROM timescaledb_information.hypertables "
                                     "WHERE hypertable_name = 'readings'")).scalar() == 1
        else:
            assert c.execute(sa.text("SELECT count(*) FROM pg_partitioned_table")).scalar() == 1
            c.execute(sa.text("SELECT readings_ensure_partition(g) FROM generate_series("
                              ":a, :b, interval '1 month') g"), {"a": start, "b": END})
        for uid, zone in (("year-1", "lychee"),):
            c.execute(sa.text(
                "INSERT INTO readings (device_id, time, seq, zone_id, time_known, received_at, m) "
                "SELECT :d, :s + n * interval '1 minute', n + 1, :z, true, "
                ":s + n * interval '1 minute', 30 + 10 * sin(n / 1440.0 * 6.283) "
                "FROM generate_series(0, 525599) n"),
                {"d": tel.devices[uid], "z": tel.ids["zones"][zone], "s": start})
        c.execute(sa.text("ANALYZE readings"))
    assert tel.scalar("SELECT count(*) FROM readings") == 525_600
    zone = tel.ids["zones"]["lychee"]
    timings = []
    with Session(tel.engine) as s:
        for _ in range(3):
            t0 = time.perf_counter()
            out = series(s, start=END - timedelta(days=30), end=END, bucket_s=3600, zone_id=zone)
            timings.append(time.perf_counter() - t0)
    assert len(out["buckets"]) == 720 and all(b["n"] == 60 for b in out["buckets"])
    assert 19.9 < min(b["min"] for b in out["buckets"]) and max(b["max"] for b in out["buckets"]) < 40.1
    print(f"30-day chart, 720 hourly buckets: best {min(timings) * 1000:.1f} ms")
    assert min(timings) < 0.100, timings
    plan = "\n".join(r[0] for r in tel.rows(
        "EXPLAIN SELECT count(*) FROM readings WHERE zone_id = :z AND time >= :a AND time < :b",
        z=zone, a=END - timedelta(days=30), b=END))
    assert plan.count("readings_parts.readings_") <= 2, plan  # partitions pruned
