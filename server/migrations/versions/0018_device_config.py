"""issue 22: per-device config published to devices (``device_configs``)

The device's own settings (calibration, intervals, …), the config last published retained
on ``nongso/v1/<id>/config`` and the device's ack to it (docs/protocol.md, "config").

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "device_configs",
        sa.Column("interval_s", sa.Integer(), nullable=True),
        sa.Column("upload_every", sa.Integer(), nullable=True),
        sa.Column("samples", sa.Integer(), nullable=True),
        sa.Column("cal_dry", sa.Integer(), nullable=True),
        sa.Column("cal_wet", sa.Integer(), nullable=True),
        sa.Column("vwc_a", sa.Float(), nullable=True),
        sa.Column("vwc_b", sa.Float(), nullable=True),
        sa.Column("grace_s", sa.Integer(), nullable=True),
        sa.Column("rest_s", sa.Integer(), nullable=True),
        sa.Column("fallback_s", sa.Integer(), nullable=True),
        sa.Column("ppl", sa.Float(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("payload", _S(length=4096), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ack_rev", sa.Integer(), nullable=True),
        sa.Column("ack_res", _S(length=16), nullable=True),
        sa.Column("ack_reason", _S(length=64), nullable=True),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id"),
    )


def downgrade() -> None:
    op.drop_table("device_configs")
