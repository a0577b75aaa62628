"""issue 21: phone pages, offline diary (placeholder: filled in by that issue's work)

Revision ID: 0019
Revises: 0018
"""
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
