"""issue 16: SSCC logistic units (cartons, pallets) and their allocation counters

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "gs1_sscc_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prefix", _S(length=12), nullable=False),
        sa.Column("extension", sa.Integer(), nullable=False),
        sa.Column("next_ref", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prefix", "extension", name="uq_gs1_sscc_counter"),
    )
    op.create_table(
        "gs1_cartons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("sscc", _S(length=18), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("net_quantity", sa.Float(), nullable=True),
        sa.Column("unit", _S(length=8), nullable=False),
        sa.Column("packed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lot_id"], ["trace_lots.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sscc"),
    )
    with op.batch_alter_table("gs1_cartons") as b:
        b.create_index(b.f("ix_gs1_cartons_organisation_id"), ["organisation_id"], unique=False)
        b.create_index(b.f("ix_gs1_cartons_lot_id"), ["lot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gs1_cartons") as b:
        b.drop_index(b.f("ix_gs1_cartons_lot_id"))
        b.drop_index(b.f("ix_gs1_cartons_organisation_id"))
    op.drop_table("gs1_cartons")
    op.drop_table("gs1_sscc_counters")
