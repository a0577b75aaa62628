"""stamp hardening: PIN lock and per-address PIN throttle, one scan per visitor per hour,
the scan's network kept beside a shared position, the co-op's review of a clone flag

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("stamps") as batch:
        batch.add_column(sa.Column("pin_failures", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("pin_locked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("clone_review", _S(length=16), nullable=True))
        batch.add_column(sa.Column("clone_review_note", _S(length=300), nullable=True))
        batch.add_column(sa.Column("clone_cleared_at", sa.DateTime(timezone=True),
                                   nullable=True))
    with op.batch_alter_table("stamp_scans") as batch:
        batch.add_column(sa.Column("net", _S(length=40), nullable=True))
        batch.add_column(sa.Column("visitor", _S(length=32), nullable=True))
        batch.create_unique_constraint("uq_stamp_scan_visitor", ["stamp_id", "visitor"])
    # Older scans: their place is their network unless the consumer shared a position.
    op.execute("UPDATE stamp_scans SET net = place WHERE place LIKE 'net:%'")
    op.create_table(
        "stamp_pin_attempts",
        sa.Column("key", _S(length=32), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("stamp_pin_attempts")
    with op.batch_alter_table("stamp_scans") as batch:
        batch.drop_constraint("uq_stamp_scan_visitor", type_="unique")
        batch.drop_column("visitor")
        batch.drop_column("net")
    with op.batch_alter_table("stamps") as batch:
        batch.drop_column("clone_cleared_at")
        batch.drop_column("clone_review_note")
        batch.drop_column("clone_review")
        batch.drop_column("pin_locked_at")
        batch.drop_column("pin_failures")
