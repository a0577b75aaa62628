"""issue 19: OCOP council rosters (who scores, chairs, keeps the minutes, pre-checks), and
``ocop_products.show_lots`` (the co-op lets the public catalogue list its stamped lots)

Reminders need no new table: ``ocop_notifications.key`` is already unique, and the
reminder job inserts with ``ON CONFLICT (key) DO NOTHING`` so each reminder is written
(and sent) once, whatever the number of server processes or restarts.

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ocop_products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("show_lots", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        "ocop_council_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("commune_code", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "level", "user_id", name="uq_ocop_council_member"),
    )
    with op.batch_alter_table("ocop_council_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ocop_council_members_organisation_id"),
                              ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ocop_council_members_user_id"), ["user_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ocop_council_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ocop_council_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_ocop_council_members_organisation_id"))
    op.drop_table("ocop_council_members")
    with op.batch_alter_table("ocop_products", schema=None) as batch_op:
        batch_op.drop_column("show_lots")
