"""A failing compression or retention job is an alert: in ``nongso telemetry health`` (exit
1) and in ``/metrics`` (issue 20). Partitions: a missing next month is one too."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from server import metrics
from server.telemetry.health import JobRow, job_checks, storage_health
from tests.server.telemetry.conftest import Telemetry
from tests.server.telemetry.test_storage_reads import hypertable

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _job(**kw: object) -> JobRow:
    base: dict[str, object] = dict(job_id=1000, proc="policy_compression", table="readings",
                                   scheduled=True, interval=timedelta(hours=12),
                                   last_status="Success", last_success=NOW - timedelta(hours=1),
                                   total_runs=5, total_failures=0)
    base.update(kw)
    return JobRow(**base)  # type: ignore[arg-type]


def test_job_states_that_are_alerts() -> None:
    rows = [_job(), _job(job_id=1001, total_runs=0, last_status=None, last_success=None),
            _job(job_id=1002, last_status="Failed", total_failures=2, last_error="disk full"),
            _job(job_id=1003, scheduled=False),
            _job(job_id=1004, proc="policy_retention", last_success=NOW - timedelta(days=2)),
            _job(job_id=3, proc="policy_job_stat_history_retention", last_status="Failed")]
    checks = {c.labels["job"]: c for c in job_checks(rows, NOW)}
    assert set(checks) == {"1000", "1001", "1002", "1003", "1004"}  # policies only
    assert checks["1000"].ok and checks["1001"].ok
    assert not checks["1002"].ok and "disk full" in checks["1002"].detail
    assert not checks["1003"].ok and "switched off" in checks["1003"].detail
    assert not checks["1004"].ok and checks["1004"].labels["kind"] == "retention"


def _cli(url: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NONGSO_")}
    env.update(NONGSO_DATABASE_URL=url.replace("postgresql+psycopg://", "postgresql://"),
               NONGSO_VAR_DIR=str(tmp / "var"))
    return subprocess.run([sys.executable, "-m", "server", "telemetry", "health"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


def _break_retention_job(tel: Telemetry) -> int:
    """Hand the retention policy to a role that may not touch ``readings`` and let the
    scheduler run it: a real failed run in the job statistics."""
    job = int(tel.scalar("SELECT job_id FROM timescaledb_information.jobs WHERE "
                         "proc_name = 'policy_retention' AND hypertable_name = 'readings'"))
    runs = tel.scalar("SELECT coalesce(total_failures, 0) FROM timescaledb_information.job_stats"
                      " WHERE job_id = :j", j=job) or 0
    role = "nobody_" + str(tel.scalar("SELECT current_database()"))
    with tel.engine.begin() as c:
        c.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
        c.execute(sa.text(f"UPDATE _timescaledb_config.bgw_job SET owner = '\"{role}\"'::regrole "
                          "WHERE id = :j"), {"j": job})
        c.execute(sa.text("SELECT alter_job(:j, next_start => now())"), {"j": job})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        failed = tel.scalar("SELECT total_failures FROM timescaledb_information.job_stats "
                            "WHERE job_id = :j", j=job) or 0
        if failed > runs:
            return job
        time.sleep(0.3)
    raise AssertionError("the scheduler did not run the broken job")


def test_a_failing_job_or_missing_partition_is_an_alert(tel_pg: Telemetry, pg_storage_url: str,
                                                        tmp_path: Path) -> None:
    tel = tel_pg
    if hypertable(tel):
        with tel.engine.connect() as c:
            kinds = {(ch.labels["kind"], ch.labels["table"]) for ch in storage_health(c)
                     if "job" in ch.labels}
        assert {("compression", "readings"), ("retention", "readings"),
                ("refresh", "readings_hourly"), ("compression", "readings_hourly"),
                ("retention", "readings_hourly")} <= kinds
        job = _break_retention_job(tel)
        label = f'job="{job}"'
    else:
        with tel.engine.connect() as c:
            assert all(ch.ok for ch in storage_health(c))
        nxt = (datetime.now(UTC).replace(day=1) + timedelta(days=32)).strftime("%Y%m")
        with tel.engine.begin() as c:
            c.execute(sa.text(f"DROP TABLE readings_parts.readings_{nxt}"))
        label = ""
    with tel.engine.connect() as c:
        bad = [ch for ch in storage_health(c) if not ch.ok]
    assert bad
    if label:  # the job we broke, with its own error (here every background run also
        # fails with "cannot drop portal": ../shared/timescaledb/README.md)
        assert any(b.labels.get("job") == str(job) and "must be owner" in b.detail for b in bad)
    text = metrics.render_with_db(tel.engine)
    alerts = [ln for ln in text.splitlines() if ln.startswith("nongso_telemetry_storage_alerts ")]
    assert alerts and float(alerts[0].split()[-1]) >= 1
    if label:
        line = next(ln for ln in text.splitlines()
                    if ln.startswith("nongso_timescaledb_job_failed{") and label in ln)
        assert 'kind="retention"' in line and line.endswith(" 1")
    r = _cli(pg_storage_url, tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "ALERT" in r.stdout and "alert" in r.stdout.splitlines()[-1]
