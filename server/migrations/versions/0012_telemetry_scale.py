"""issue 20: telemetry storage at a province's scale (TimescaleDB path).

On a TimescaleDB database (docs/storage.md):
* ``readings_hourly`` is rebuilt so that it can answer every zone chart exactly as the
  raw rows do: per (zone, hour) and per metric the count, sum, min and max of the
  time-known readings, plus the count of time-unknown ones (``materialized_only``: reads
  join the raw tail themselves, see ``server/telemetry/aggregates.py``); device charts
  read the raw rows (one device is one compressed segment);
* its refresh policy has no start offset: each run re-materialises only the hours the
  invalidation log marks, at any age, so a week (or a month) of buffered readings that a
  device uploads after an outage is aggregated by the next run;
* the aggregate has 30-day chunks (few chunks to plan over for a year), compressed after
  7 days, kept 5 years (readings 3);
* new chunks of ``readings`` span 3 days and are compressed when 3 days old (was 7 and 7:
  uncompressed rows cost ≈ 250 bytes with their indexes, so the uncompressed part went
  from ≈ 10 days on average to ≈ 4.5);
* compressed chunks of ``readings`` get a min/max sparse index on ``zone_id`` instead of
  the automatic bloom filters (a batch is one device, so one zone; and the composite
  blooms on (time, seq) and (time, zone_id) cost ≈ 2 bytes a reading for nothing), where
  the TimescaleDB version has ``compress_index`` (else a notice, nothing changes).
PostgreSQL without TimescaleDB and SQLite: nothing changes (charts read the raw rows).

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

METRICS = ("m", "raw", "vwc", "st", "bat", "vs", "fl", "pc")


def _hourly() -> str:
    cols = ["count(*) FILTER (WHERE NOT time_known) AS untimed"]
    for k in METRICS:
        known = "FILTER (WHERE time_known)"
        cols += [f"count({k}) {known} AS {k}_n", f"sum({k}::float8) {known} AS {k}_sum",
                 f"min({k}) {known} AS {k}_min", f"max({k}) {known} AS {k}_max"]
    return ("CREATE MATERIALIZED VIEW readings_hourly WITH (timescaledb.continuous, "
            "timescaledb.materialized_only = true) AS "
            "SELECT zone_id, time_bucket(INTERVAL '1 hour', time) AS bucket, "
            f"{', '.join(cols)} FROM readings GROUP BY zone_id, bucket WITH NO DATA")


def _compress_index(value: str | None) -> str:
    action = f"SET (timescaledb.compress_index = '{value}')" if value else \
        "RESET (timescaledb.compress_index)"
    return ("DO $$ BEGIN EXECUTE 'ALTER TABLE readings " + action.replace("'", "''") + "'; "
            "EXCEPTION WHEN OTHERS THEN RAISE NOTICE USING MESSAGE = "
            "'readings: compress_index unchanged: ' || SQLERRM; END $$")


OLD_HOURLY = """
CREATE MATERIALIZED VIEW readings_hourly WITH (timescaledb.continuous) AS
SELECT zone_id, device_id, time_bucket(INTERVAL '1 hour', time) AS bucket,
       count(*) AS n,
       min(m) AS m_min, avg(m) AS m_mean, max(m) AS m_max,
       min(vwc) AS vwc_min, avg(vwc) AS vwc_mean, max(vwc) AS vwc_max,
       min(st) AS st_min, avg(st) AS st_mean, max(st) AS st_max,
       min(bat) AS bat_min, max(bat) AS bat_max, max(fl) AS fl_max
FROM readings WHERE time_known
GROUP BY zone_id, device_id, bucket
WITH NO DATA
"""


def _timescaledb() -> bool:
    """True when ``readings`` is a TimescaleDB hypertable (0002 made it one)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or bind.execute(sa.text(
            "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")).first() is None:
        return False
    return bind.execute(sa.text("SELECT 1 FROM timescaledb_information.hypertables "
                                "WHERE hypertable_name = 'readings'")).first() is not None


def _chunks(interval: str) -> None:
    """New chunks of ``readings`` span ``interval`` and are compressed when that old."""
    op.execute(f"SELECT set_chunk_time_interval('readings', INTERVAL '{interval}')")
    op.execute("SELECT remove_compression_policy('readings', if_exists => true)")
    op.execute(f"SELECT add_compression_policy('readings', INTERVAL '{interval}')")


def upgrade() -> None:
    if not _timescaledb():
        return
    op.execute(_compress_index('minmax("zone_id")'))
    _chunks("3 days")
    op.execute("DROP MATERIALIZED VIEW IF EXISTS readings_hourly CASCADE")
    op.execute(_hourly())
    op.execute("SELECT set_chunk_time_interval('readings_hourly', INTERVAL '30 days')")
    op.execute("SELECT add_continuous_aggregate_policy('readings_hourly', "
               "start_offset => NULL, end_offset => INTERVAL '1 hour', "
               "schedule_interval => INTERVAL '30 minutes')")
    op.execute("ALTER MATERIALIZED VIEW readings_hourly SET (timescaledb.compress = true)")
    op.execute("SELECT add_compression_policy('readings_hourly', "
               "compress_after => INTERVAL '7 days')")
    op.execute("SELECT add_retention_policy('readings_hourly', INTERVAL '5 years')")


def downgrade() -> None:
    if not _timescaledb():
        return
    op.execute(_compress_index(None))
    _chunks("7 days")
    op.execute("DROP MATERIALIZED VIEW IF EXISTS readings_hourly CASCADE")
    op.execute(OLD_HOURLY)
    op.execute("SELECT add_continuous_aggregate_policy('readings_hourly', "
               "start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', "
               "schedule_interval => INTERVAL '30 minutes')")
