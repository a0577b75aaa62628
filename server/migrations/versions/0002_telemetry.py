"""telemetry: readings (partitioned / hypertable on PostgreSQL), latest state, dead letters.

On PostgreSQL ``readings`` is
* a TimescaleDB hypertable (7-day chunks, compression after 7 days, 3-year retention, an
  hourly continuous aggregate ``readings_hourly``) when the ``timescaledb`` extension is
  installed in the database at migration time (``CREATE EXTENSION timescaledb`` first);
* otherwise a table partitioned by month on ``time`` (native declarative range
  partitioning), the partitions in schema ``readings_parts`` (created ahead by the
  function ``readings_ensure_partition(timestamptz)``, which the ingest worker also
  calls for any month a batch touches), with a BRIN index on ``time``.
SQLite (the demo) gets a plain table.

Revision ID: 0002
Revises: 0001
"""
import logging

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

ENSURE_PARTITION = """
CREATE OR REPLACE FUNCTION readings_ensure_partition(ts timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    lo timestamptz := date_trunc('month', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    part text := 'readings_' || to_char(ts AT TIME ZONE 'UTC', 'YYYYMM');
BEGIN
    IF to_regclass('readings_parts.' || part) IS NULL THEN
        EXECUTE format('CREATE TABLE IF NOT EXISTS readings_parts.%I PARTITION OF readings '
                       'FOR VALUES FROM (%L) TO (%L)', part, lo, lo + interval '1 month');
    END IF;
END $$;
"""

HOURLY = """
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


def _readings_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("device_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("time_known", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("m", sa.REAL(), nullable=True),
        sa.Column("raw", sa.Integer(), nullable=True),
        sa.Column("vwc", sa.REAL(), nullable=True),
        sa.Column("st", sa.REAL(), nullable=True),
        sa.Column("bat", sa.Integer(), nullable=True),
        sa.Column("vs", sa.SmallInteger(), nullable=True),
        sa.Column("fl", sa.REAL(), nullable=True),
        sa.Column("pc", sa.BigInteger(), nullable=True),
        sa.Column("extra", JSON, nullable=True),
        sa.PrimaryKeyConstraint("device_id", "time", "seq"),
    ]


def _has_timescaledb() -> bool:
    bind = op.get_bind()
    found = bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")).first()
    if found is None:
        avail = bind.execute(sa.text(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")).first()
        if avail is not None:
            log.warning("timescaledb is available but not created in this database: using "
                        "native partitioning (run CREATE EXTENSION timescaledb before "
                        "migrating to get a hypertable)")
    return found is not None


def _create_readings() -> None:
    dialect = op.get_bind().dialect.name
    if dialect != "postgresql":
        op.create_table("readings", *_readings_columns())
    elif _has_timescaledb():
        op.create_table("readings", *_readings_columns())
        op.execute("SELECT create_hypertable('readings', 'time', "
                   "chunk_time_interval => INTERVAL '7 days', create_default_indexes => false)")
    else:
        op.execute("CREATE SCHEMA IF NOT EXISTS readings_parts")
        op.create_table("readings", *_readings_columns(), postgresql_partition_by="RANGE (time)")
        op.execute(ENSURE_PARTITION)
        # the current month and two ahead; the worker adds any other month it needs
        op.execute("SELECT readings_ensure_partition(now() + make_interval(months => m)) "
                   "FROM generate_series(0, 2) AS m")
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.create_index("ix_readings_time_brin", ["time"], unique=False,
                              postgresql_using="brin")
        batch_op.create_index("ix_readings_zone_time", ["zone_id", "time"], unique=False)
    if dialect == "postgresql" and _has_timescaledb():
        op.execute("ALTER TABLE readings SET (timescaledb.compress, "
                   "timescaledb.compress_segmentby = 'device_id', "
                   "timescaledb.compress_orderby = 'time DESC, seq DESC')")
        op.execute("SELECT add_compression_policy('readings', INTERVAL '7 days')")
        op.execute("SELECT add_retention_policy('readings', INTERVAL '3 years')")
        op.execute(HOURLY)
        op.execute("SELECT add_continuous_aggregate_policy('readings_hourly', "
                   "start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', "
                   "schedule_interval => INTERVAL '30 minutes')")


def upgrade() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("device_uid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dead_letters_device_uid"), ["device_uid"], unique=False)
        batch_op.create_index(batch_op.f("ix_dead_letters_received_at"), ["received_at"], unique=False)

    op.create_table(
        "reading_seqs",
        sa.Column("device_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("device_id", "seq"),
    )
    _create_readings()

    op.create_table(
        "device_acks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cmd_id", sa.BigInteger(), nullable=True),
        sa.Column("cfg_rev", sa.Integer(), nullable=True),
        sa.Column("res", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("device_acks", schema=None) as batch_op:
        batch_op.create_index("ix_device_acks_device_time", ["device_id", "received_at"], unique=False)

    op.create_table(
        "device_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("uid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("mqtt_password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
        sa.UniqueConstraint("uid"),
    )
    with op.batch_alter_table("device_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_claims_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "device_states",
        sa.Column("device_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_seq", sa.BigInteger(), nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=True),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("reading_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("values", JSON, nullable=True),
        sa.Column("m", sa.Float(), nullable=True),
        sa.Column("m_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("vs", sa.Integer(), nullable=True),
        sa.Column("vs_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bat", sa.Integer(), nullable=True),
        sa.Column("bat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dropped", sa.BigInteger(), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("state_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_s", sa.Integer(), nullable=True),
        sa.Column("rssi", sa.Integer(), nullable=True),
        sa.Column("boot", sa.Integer(), nullable=True),
        sa.Column("cfg_rev", sa.Integer(), nullable=True),
        sa.Column("pending", sa.Integer(), nullable=True),
        sa.Column("lease", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id"),
    )


def downgrade() -> None:
    op.drop_table("device_states")
    with op.batch_alter_table("device_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_claims_organisation_id"))
    op.drop_table("device_claims")
    with op.batch_alter_table("device_acks", schema=None) as batch_op:
        batch_op.drop_index("ix_device_acks_device_time")
    op.drop_table("device_acks")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP MATERIALIZED VIEW IF EXISTS readings_hourly CASCADE")
        op.execute("DROP TABLE readings CASCADE")
        op.execute("DROP FUNCTION IF EXISTS readings_ensure_partition(timestamptz)")
        op.execute("DROP SCHEMA IF EXISTS readings_parts CASCADE")
    else:
        with op.batch_alter_table("readings", schema=None) as batch_op:
            batch_op.drop_index("ix_readings_zone_time")
            batch_op.drop_index("ix_readings_time_brin")
        op.drop_table("readings")
    op.drop_table("reading_seqs")
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dead_letters_received_at"))
        batch_op.drop_index(batch_op.f("ix_dead_letters_device_uid"))
    op.drop_table("dead_letters")
