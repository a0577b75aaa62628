"""issue 20: telemetry storage at scale (placeholder: filled in by that issue's work)

Revision ID: 0012
Revises: 0011
"""
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
