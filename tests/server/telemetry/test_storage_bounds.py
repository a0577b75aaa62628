"""Once-only at bounded cost, retention of everything, late backfill aggregated (issue 20).

Both storage paths (monthly partitions and a TimescaleDB hypertable with compressed chunks).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from server.telemetry import aggregates, queries, retention
from server.telemetry.store import Batch, Store
from tests.server.telemetry.conftest import Telemetry
from tests.server.telemetry.test_storage_reads import (
    END,
    compress_and_refresh,
    expected,
    hypertable,
    readings,
    write,
)


def _run_job(tel: Telemetry, where: str) -> None:
    """Run a TimescaleDB policy job now, as its scheduler would (autocommit: it commits)."""
    job = tel.scalar(f"SELECT job_id FROM timescaledb_information.jobs WHERE {where}")
    assert job is not None, where
    with tel.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(sa.text(f"CALL run_job({int(job)})"))


def test_once_only_guard_keeps_a_bounded_window(tel_pg: Telemetry) -> None:
    tel = tel_pg
    tel.add("once-1")
    dev, zone = tel.devices["once-1"], tel.ids["zones"]["lychee"]
    n = retention.SEQ_WINDOW + 1000
    rows = readings(dev, zone, END - timedelta(minutes=5 * n), END, 5)
    assert len(rows) == n
    store = Store(tel.engine, prune_every_s=0)  # prune after every batch
    assert write(store, rows) == n
    seqs = tel.rows("SELECT count(*), min(seq), max(seq) FROM reading_seqs WHERE device_id = :d",
                    d=dev)[0]
    assert tuple(seqs) == (retention.SEQ_WINDOW, n - retention.SEQ_WINDOW + 1, n)
    if hypertable(tel):
        compress_and_refresh(tel)
    # a re-send inside the window: refused by the guard; an older one (a device cannot
    # re-send it, but if one did): refused by the primary key, on a compressed chunk too
    for r in (rows[-5], rows[9], rows[-5]):
        batch = Batch()
        batch.readings.append(r)
        batch.delta(dev, datetime.now(UTC))
        got = store.write(batch)
        assert (got.inserted, got.duplicates) == (0, 1), r.seq
    assert tel.scalar("SELECT count(*) FROM readings WHERE device_id = :d", d=dev) == n
    assert tel.scalar("SELECT count(DISTINCT seq) FROM readings WHERE device_id = :d", d=dev) == n
    assert tel.scalar("SELECT received FROM device_states WHERE device_id = :d", d=dev) == n
    assert retention.maintain(tel.engine)["reading_seqs_pruned"] == 0


def test_retention_covers_every_table(tel_pg: Telemetry) -> None:
    tel = tel_pg
    tel.add("old-1")
    dev, zone = tel.devices["old-1"], tel.ids["zones"]["lychee"]
    now = datetime.now(UTC)
    ancient = now - retention.READINGS_KEPT - timedelta(days=62)
    with tel.engine.begin() as c:
        for age in (100, 10):
            c.execute(sa.text("INSERT INTO dead_letters (received_at, topic, reason, payload, "
                              "size) VALUES (:t, 'x', 'json', '\\x00', 1)"),
                      {"t": now - timedelta(days=age)})
    store = Store(tel.engine)
    write(store, readings(dev, zone, ancient, ancient + timedelta(hours=2), 30)
          + readings(dev, zone, now - timedelta(hours=2), now, 30, first_seq=100))
    assert tel.scalar("SELECT count(*) FROM readings") == 8
    ts = hypertable(tel)
    if ts:
        jobs = {(r[0], r[1]): r[2] for r in tel.rows(
            "SELECT proc_name, hypertable_name, config FROM timescaledb_information.jobs")}
        assert jobs[("policy_retention", "readings")]["drop_after"] == "3 years"
        assert jobs[("policy_retention", "readings_hourly")]["drop_after"] == "5 years"
        assert jobs[("policy_compression", "readings_hourly")]["compress_after"] == "7 days"
        _run_job(tel, "proc_name = 'policy_retention' AND hypertable_name = 'readings'")
    out = retention.maintain(tel.engine, now)
    assert out["dead_letters_deleted"] == 1
    assert tel.scalar("SELECT count(*) FROM dead_letters") == 1
    if not ts:
        assert out["partitions_dropped"] == [f"readings_{ancient:%Y%m}"]
    assert tel.scalar("SELECT count(*) FROM readings") == 4  # the old month is gone


def test_a_week_uploaded_late_is_in_the_long_charts(tel_pg: Telemetry) -> None:
    tel = tel_pg
    for uid in ("late-1", "late-2"):
        tel.add(uid)
    d, zone = tel.devices, tel.ids["zones"]["lychee"]
    start = END - timedelta(days=21)
    rows = readings(d["late-1"], zone, start, END, 30)
    write(Store(tel.engine), rows)
    ts = hypertable(tel)
    if ts:
        compress_and_refresh(tel)
        mark = tel.scalar("SELECT max(bucket) FROM readings_hourly")
        assert mark >= END - timedelta(hours=2)
    # after an outage, late-2 uploads a week of buffered readings, 15 to 8 days old
    late = readings(d["late-2"], zone, END - timedelta(days=15), END - timedelta(days=8), 10)
    write(Store(tel.engine), late)
    lo, hi = start + timedelta(minutes=45), END - timedelta(minutes=10)

    def chart() -> list[dict[str, object]]:
        with Session(tel.engine) as s:
            return queries.series(s, start=lo, end=hi, bucket_s=86400,  # type: ignore[no-any-return]
                                  zone_id=zone)["buckets"]

    want = expected([r for r in rows + late if lo <= r.time < hi], "m", 86400)

    def holes() -> list[tuple[datetime, datetime]]:
        with tel.engine.connect() as c:
            return aggregates._watermark(c, start, END)[1]

    if ts:  # not refreshed yet: the changed hours are read raw, the others from the aggregate
        assert holes() == [(END - timedelta(days=15), END - timedelta(days=8))]
        assert chart() == want
        _run_job(tel, "proc_name = 'policy_refresh_continuous_aggregate'")
        assert holes() == []  # the policy aggregated the late week
    assert chart() == want
