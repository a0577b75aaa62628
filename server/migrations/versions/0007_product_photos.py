"""product photos: a server-made JPEG per product, named by its digest

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("trace_products") as batch:
        batch.add_column(sa.Column("photo_digest", _S(length=64), nullable=True))
        batch.add_column(sa.Column("photo_width", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("photo_height", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trace_products") as batch:
        batch.drop_column("photo_height")
        batch.drop_column("photo_width")
        batch.drop_column("photo_digest")
