"""stamps: batches, stamps, scans, lot recalls

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "stamp_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("request_id", _S(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("layout", _S(length=16), nullable=False),
        sa.Column("with_pin", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["lot_id"], ["trace_lots.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "request_id", name="uq_stamp_request"),
    )
    with op.batch_alter_table("stamp_batches") as b:
        b.create_index(b.f("ix_stamp_batches_lot_id"), ["lot_id"], unique=False)
        b.create_index(b.f("ix_stamp_batches_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "lot_recalls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("reason", _S(length=500), nullable=False),
        sa.Column("recalled_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["trace_lots.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recalled_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lot_recalls") as b:
        b.create_index(b.f("ix_lot_recalls_lot_id"), ["lot_id"], unique=True)
    op.create_table(
        "stamps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("serial", _S(length=20), nullable=False),
        sa.Column("pin_hash", _S(length=255), nullable=True),
        sa.Column("pin_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", _S(length=300), nullable=True),
        sa.Column("scan_count", sa.Integer(), nullable=False),
        sa.Column("first_scan_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clone_suspected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clone_reason", _S(length=300), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["stamp_batches.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lot_id"], ["trace_lots.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("serial"),
    )
    with op.batch_alter_table("stamps") as b:
        b.create_index(b.f("ix_stamps_batch_id"), ["batch_id"], unique=False)
        b.create_index(b.f("ix_stamps_lot_id"), ["lot_id"], unique=False)
    op.create_table(
        "stamp_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", _S(length=40), nullable=False),
        sa.ForeignKeyConstraint(["stamp_id"], ["stamps.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stamp_scans") as b:
        b.create_index(b.f("ix_stamp_scans_at"), ["at"], unique=False)
        b.create_index(b.f("ix_stamp_scans_stamp_id"), ["stamp_id"], unique=False)


def downgrade() -> None:
    op.drop_table("stamp_scans")
    op.drop_table("stamps")
    op.drop_table("lot_recalls")
    op.drop_table("stamp_batches")
