"""webhook outbox: alert deliveries sent outside the controller's transactions; per-hook
last success / failure

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("alert_webhooks") as batch:
        batch.add_column(sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "alert_webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hook_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("event", _S(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", _S(length=16), nullable=False),
        sa.Column("last_error", _S(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["hook_id"], ["alert_webhooks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_webhook_deliveries_due", "alert_webhook_deliveries",
                    ["status", "next_attempt_at"], unique=False)
    op.create_index(op.f("ix_alert_webhook_deliveries_hook_id"), "alert_webhook_deliveries",
                    ["hook_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_webhook_deliveries_hook_id"),
                  table_name="alert_webhook_deliveries")
    op.drop_index("ix_alert_webhook_deliveries_due", table_name="alert_webhook_deliveries")
    op.drop_table("alert_webhook_deliveries")
    with op.batch_alter_table("alert_webhooks") as batch:
        batch.drop_column("last_failure_at")
        batch.drop_column("last_success_at")
