"""GS1 company prefixes held by organisations (who owns a GTIN)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "gs1_company_prefixes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("prefix", _S(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prefix"),
    )
    with op.batch_alter_table("gs1_company_prefixes") as b:
        b.create_index(b.f("ix_gs1_company_prefixes_organisation_id"), ["organisation_id"],
                       unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gs1_company_prefixes") as b:
        b.drop_index(b.f("ix_gs1_company_prefixes_organisation_id"))
    op.drop_table("gs1_company_prefixes")
