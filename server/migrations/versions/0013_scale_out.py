"""issue 23: shared state for more than one process — failure counters per key and window
(``throttle_counters``), the controller's read cursors (``irrigation_cursors``), fallback
runs keyed by the device's event seq, one unresolved alert per key (partial unique index)

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString
_UNRESOLVED = sa.text("state != 'resolved'")


def upgrade() -> None:
    op.create_table(
        "throttle_counters",
        sa.Column("key", _S(length=64), nullable=False),
        sa.Column("window", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window"),
    )
    op.create_table(
        "irrigation_cursors",
        sa.Column("name", _S(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("irrigation_log") as batch:
        batch.add_column(sa.Column("event_seq", sa.BigInteger(), nullable=True))
        batch.create_unique_constraint("uq_irrigation_log_event", ["device_id", "event_seq"])
    # Two controllers may have opened the same alert twice: keep the newest open.
    op.execute("UPDATE alerts SET state = 'resolved', resolved_at = last_seen_at "
               "WHERE state != 'resolved' AND id NOT IN (SELECT max(id) FROM alerts "
               "WHERE state != 'resolved' GROUP BY key)")
    op.create_index("uq_alerts_open_key", "alerts", ["key"], unique=True,
                    postgresql_where=_UNRESOLVED, sqlite_where=_UNRESOLVED)


def downgrade() -> None:
    op.drop_index("uq_alerts_open_key", table_name="alerts",
                  postgresql_where=_UNRESOLVED, sqlite_where=_UNRESOLVED)
    with op.batch_alter_table("irrigation_log") as batch:
        batch.drop_constraint("uq_irrigation_log_event", type_="unique")
        batch.drop_column("event_seq")
    op.drop_table("irrigation_cursors")
    op.drop_table("throttle_counters")
