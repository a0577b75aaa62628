"""accounts: invitations, revoked session tokens, login attempts (throttle)

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString
_ROLE = sa.Enum("farmer", "coop_admin", "evaluator", "admin", name="role", native_enum=False,
                length=16)
_STATUS = sa.Enum("pending", "accepted", "declined", "withdrawn", name="invitationstatus",
                  native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", _ROLE, nullable=False),
        sa.Column("status", _STATUS, nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invited_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("invitations") as b:
        b.create_index(b.f("ix_invitations_organisation_id"), ["organisation_id"], unique=False)
        b.create_index(b.f("ix_invitations_user_id"), ["user_id"], unique=False)
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", _S(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("jti"),
    )
    with op.batch_alter_table("revoked_tokens") as b:
        b.create_index(b.f("ix_revoked_tokens_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", _S(length=300), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_attempts") as b:
        b.create_index("ix_login_attempts_key_at", ["key", "at"], unique=False)
        b.create_index(b.f("ix_login_attempts_at"), ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("login_attempts")
    op.drop_table("revoked_tokens")
    op.drop_table("invitations")
