"""irrigation: zone settings, valve commands, irrigation log, alerts, alert webhooks

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('alert_webhooks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('url', _S(length=500), nullable=False),
    sa.Column('secret', _S(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', _S(length=300), nullable=True),
    sa.Column('extra', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_alert_webhooks_organisation_id'), 'alert_webhooks', ['organisation_id'], unique=False)
    op.create_table('irrigation_zones',
    sa.Column('zone_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('mode', _S(length=16), nullable=False),
    sa.Column('profile', _S(length=40), nullable=False),
    sa.Column('stage', _S(length=40), nullable=False),
    sa.Column('start_kpa', sa.Float(), nullable=True),
    sa.Column('max_kpa', sa.Float(), nullable=True),
    sa.Column('on_pct', sa.Float(), nullable=False),
    sa.Column('off_pct', sa.Float(), nullable=False),
    sa.Column('dry_alert_pct', sa.Float(), nullable=False),
    sa.Column('wet_alert_pct', sa.Float(), nullable=False),
    sa.Column('windows', _S(length=200), nullable=False),
    sa.Column('max_litres_day', sa.Float(), nullable=False),
    sa.Column('max_run_s', sa.Integer(), nullable=False),
    sa.Column('lease_s', sa.Integer(), nullable=False),
    sa.Column('flow_lpm', sa.Float(), nullable=False),
    sa.Column('rain_skip_mm', sa.Float(), nullable=False),
    sa.Column('kc', sa.Float(), nullable=False),
    sa.Column('deficit_trigger_mm', sa.Float(), nullable=False),
    sa.Column('et0_mm_day', sa.Float(), nullable=False),
    sa.Column('deficit_mm', sa.Float(), nullable=False),
    sa.Column('deficit_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('zone_id')
    )
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('kind', _S(length=32), nullable=False),
    sa.Column('key', _S(length=120), nullable=False),
    sa.Column('state', _S(length=16), nullable=False),
    sa.Column('message', _S(length=300), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_alerts_key_state', 'alerts', ['key', 'state'], unique=False)
    op.create_index('ix_alerts_org_state', 'alerts', ['organisation_id', 'state'], unique=False)
    op.create_table('irrigation_cmd_counters',
    sa.Column('device_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_id')
    )
    op.create_table('irrigation_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('litres', sa.Float(), nullable=True),
    sa.Column('trigger', _S(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('why', _S(length=64), nullable=True),
    sa.Column('meter_start', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_irrigation_log_zone_start', 'irrigation_log', ['zone_id', 'started_at'], unique=False)
    op.create_table('irrigation_commands',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('cmd_id', sa.BigInteger(), nullable=False),
    sa.Column('op', _S(length=8), nullable=False),
    sa.Column('dur_s', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', _S(length=16), nullable=False),
    sa.Column('reason', _S(length=64), nullable=True),
    sa.Column('trigger', _S(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('acked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('granted_s', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_s', sa.Integer(), nullable=True),
    sa.Column('litres', sa.Float(), nullable=True),
    sa.Column('log_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['log_id'], ['irrigation_log.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('device_id', 'cmd_id', name='uq_irrigation_cmd')
    )
    op.create_index('ix_irrigation_commands_status', 'irrigation_commands', ['status'], unique=False)
    op.create_index(op.f('ix_irrigation_commands_zone_id'), 'irrigation_commands', ['zone_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_irrigation_commands_zone_id'), table_name='irrigation_commands')
    op.drop_index('ix_irrigation_commands_status', table_name='irrigation_commands')
    op.drop_table('irrigation_commands')
    op.drop_index('ix_irrigation_log_zone_start', table_name='irrigation_log')
    op.drop_table('irrigation_log')
    op.drop_table('irrigation_cmd_counters')
    op.drop_index('ix_alerts_org_state', table_name='alerts')
    op.drop_index('ix_alerts_key_state', table_name='alerts')
    op.drop_table('alerts')
    op.drop_table('irrigation_zones')
    op.drop_index(op.f('ix_alert_webhooks_organisation_id'), table_name='alert_webhooks')
    op.drop_table('alert_webhooks')
