"""Health of the telemetry store: TimescaleDB jobs, partitions, the once-only window.

:func:`storage_health` returns the checks (``nongso telemetry health`` prints them,
``/metrics`` exports them through :func:`storage_gauges`). A check that is not ``ok`` is an
alert for the operator:

* a TimescaleDB policy job (compression, retention, aggregate refresh) whose last run
  failed, that is switched off, or whose last success is older than twice its schedule;
* on plain partitions: no partition for next month, or a partition older than the
  retention (``nongso telemetry maintain`` is not running);
* ``reading_seqs`` much larger than its window (the store's pruning is not running).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.telemetry.retention import READINGS_KEPT, SEQ_WINDOW, is_timescaledb

__all__ = ["Check", "JobRow", "storage_health", "job_checks", "storage_gauges", "as_lines"]

#: Jobs that keep the store bounded and the charts right.
POLICIES = {"policy_compression": "compression", "policy_retention": "retention",
            "policy_refresh_continuous_aggregate": "refresh"}


@dataclass(slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    labels: dict[str, str] = field(default_factory=dict)
    failures: int = 0


@dataclass(slots=True)
class JobRow:
    job_id: int
    proc: str
    table: str | None
    scheduled: bool
    interval: timedelta
    last_status: str | None
    last_success: datetime | None
    total_runs: int
    total_failures: int
    last_error: str | None = None


def job_checks(jobs: list[JobRow], now: datetime) -> list[Check]:
    """One check per policy job: failed, switched off, or overdue are alerts."""
    out = []
    for j in jobs:
        kind = POLICIES.get(j.proc)
        if kind is None:
            continue
        labels = {"job": str(j.job_id), "kind": kind, "table": j.table or ""}
        name = f"timescaledb {kind} job {j.job_id} on {j.table}"
        if not j.scheduled:
            out.append(Check(name, False, "switched off (scheduled = false)", labels,
                             j.total_failures))
        elif j.last_status == "Failed":
            why = f": {j.last_error}" if j.last_error else ""
            out.append(Check(name, False, f"last run failed ({j.total_failures} of "
                             f"{j.total_runs} runs failed){why}", labels, j.total_failures))
        elif j.last_success is not None and now - j.last_success > 2 * j.interval + \
                timedelta(hours=1):
            out.append(Check(name, False, f"no success since {j.last_success:%Y-%m-%d %H:%M} "
                             f"UTC (every {j.interval})", labels, j.total_failures))
        else:
            state = "never run yet" if not j.total_runs else f"last run {j.last_status}"
            out.append(Check(name, True, state, labels, j.total_failures))
    return out


def _jobs(conn: Connection) -> list[JobRow]:
    rows = conn.execute(sa.text(
        "SELECT j.job_id, j.proc_name, j.hypertable_name, j.scheduled, j.schedule_interval, "
        "s.last_run_status, CASE WHEN s.last_successful_finish = '-infinity' THEN NULL "
        "ELSE s.last_successful_finish END, coalesce(s.total_runs, 0), "
        "coalesce(s.total_failures, 0), (SELECT e.err_message FROM "
        "timescaledb_information.job_errors e WHERE e.job_id = j.job_id "
        "ORDER BY e.start_time DESC LIMIT 1) "
        "FROM timescaledb_information.jobs j LEFT JOIN timescaledb_information.job_stats s "
        "USING (job_id) ORDER BY j.job_id")).all()
    return [JobRow(int(r[0]), str(r[1]), r[2], bool(r[3]), r[4], r[5], r[6], int(r[7]),
                   int(r[8]), r[9]) for r in rows]


def _partition_checks(conn: Connection, now: datetime) -> list[Check]:
    names = conn.execute(sa.text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'readings'::regclass ORDER BY 1")).scalars().all()
    months = sorted(n[-6:] for n in names if n[-6:].isdigit())
    nxt = (now.replace(day=1) + timedelta(days=32)).strftime("%Y%m")
    oldest = months[0] if months else None
    limit = (now - READINGS_KEPT - timedelta(days=31)).strftime("%Y%m")
    return [
        Check("partition for next month", nxt in months,
              f"readings_{nxt} {'exists' if nxt in months else 'missing'}"),
        Check("partitions within retention", oldest is None or oldest >= limit,
              f"oldest readings_{oldest}, {len(months)} partitions"),
    ]


def storage_health(conn: Connection, now: datetime | None = None) -> list[Check]:
    """Every check of the store (PostgreSQL; SQLite has only the once-only window)."""
    now = now or datetime.now(UTC)
    checks: list[Check] = []
    if conn.dialect.name == "postgresql":
        if is_timescaledb(conn):
            checks += job_checks(_jobs(conn), now)
        else:
            checks += _partition_checks(conn, now)
    seqs, devices = conn.execute(sa.text(
        "SELECT (SELECT count(*) FROM reading_seqs), (SELECT count(*) FROM device_states)")).one()
    bound = int(1.5 * SEQ_WINDOW * max(1, int(devices))) + 10_000
    checks.append(Check("once-only window", int(seqs) <= bound,
                        f"{seqs} (device, seq) pairs for {devices} devices (bound {bound})"))
    return checks


def storage_gauges(conn: Connection, gauge: Callable[[str, str], Any]) -> list[Any]:
    """The checks as gauges for ``/metrics``; ``gauge(name, help)`` is server.metrics'
    ``Gauge`` (passed in: this package may not be imported back by core)."""
    failed = gauge("nongso_timescaledb_job_failed", "1 when a TimescaleDB policy job failed "
                   "its last run, is switched off or overdue (nongso telemetry health).")
    failures = gauge("nongso_timescaledb_job_failures", "Failed runs of a TimescaleDB policy "
                     "job, as its job statistics count them.")
    alerts = gauge("nongso_telemetry_storage_alerts", "Telemetry storage checks that are not "
                   "ok (nongso telemetry health says which; -1: the checks failed).")
    try:
        with conn.begin_nested():
            checks = storage_health(conn)
    except sa.exc.SQLAlchemyError:
        alerts.set(-1)
        return [alerts]
    for c in checks:
        if "job" in c.labels:
            failed.set(0.0 if c.ok else 1.0, **c.labels)
            failures.set(float(c.failures), **c.labels)
    alerts.set(float(sum(not c.ok for c in checks)))
    return [failed, failures, alerts]


def as_lines(checks: list[Check]) -> list[str]:
    return [f"{'ok   ' if c.ok else 'ALERT'} {c.name}: {c.detail}" for c in checks]
