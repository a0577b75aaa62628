"""issue 18: crop calendar (zone variety, season date, stage state and log), water sizing
(emitters, measured line flow), daily weather with reference ET₀

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("zones") as b:
        b.add_column(sa.Column("variety", _S(length=40), nullable=True))
        b.add_column(sa.Column("season_date", sa.Date(), nullable=True))
        b.add_column(sa.Column("emitters", sa.Integer(), nullable=True))
        b.add_column(sa.Column("emitter_lph", sa.Float(), nullable=True))
        b.add_column(sa.Column("measured_lpm", sa.Float(), nullable=True))
    op.create_table(
        "zone_crop_states",
        sa.Column("zone_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("calendar_stage", _S(length=40), nullable=False),
        sa.Column("override_stage", _S(length=40), nullable=True),
        sa.Column("override_by", sa.Integer(), nullable=True),
        sa.Column("override_at", _TS, nullable=True),
        sa.Column("applied_at", _TS, nullable=True),
        sa.Column("flow_checked_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["override_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("zone_id"),
    )
    op.create_table(
        "zone_stage_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("kind", _S(length=16), nullable=False),
        sa.Column("stage_from", _S(length=40), nullable=False),
        sa.Column("stage_to", _S(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("note", _S(length=300), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_zone_stage_events_zone_id"), "zone_stage_events", ["zone_id"],
                    unique=False)
    op.create_table(
        "weather_days",
        sa.Column("zone_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tmin", sa.Float(), nullable=True),
        sa.Column("tmax", sa.Float(), nullable=True),
        sa.Column("rh_min", sa.Float(), nullable=True),
        sa.Column("rh_max", sa.Float(), nullable=True),
        sa.Column("rs_mj", sa.Float(), nullable=True),
        sa.Column("rain_mm", sa.Float(), nullable=True),
        sa.Column("et0_mm", sa.Float(), nullable=True),
        sa.Column("method", _S(length=4), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("zone_id", "day"),
    )


def downgrade() -> None:
    op.drop_table("weather_days")
    op.drop_index(op.f("ix_zone_stage_events_zone_id"), table_name="zone_stage_events")
    op.drop_table("zone_stage_events")
    op.drop_table("zone_crop_states")
    with op.batch_alter_table("zones") as b:
        for c in ("measured_lpm", "emitter_lph", "emitters", "season_date", "variety"):
            b.drop_column(c)
