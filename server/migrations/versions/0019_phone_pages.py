"""issue 21: phone pages, offline diary -- ``diary_submissions``: each diary entry sent from
a phone (perhaps several times, after being kept offline) stored once, by the phone's key

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "diary_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", _S(length=64), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("activity", _S(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("photo", _S(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["entry_id"], ["trace_diary_entries.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(op.f("ix_diary_submissions_entry_id"), "diary_submissions", ["entry_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_diary_submissions_entry_id"), table_name="diary_submissions")
    op.drop_table("diary_submissions")
