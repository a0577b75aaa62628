"""issue 17: GI rights, scoped certificates, export readiness

Adds ``trace_gi_rights`` (recorded rights to use a geographical indication),
``trace_code_markets`` (a planting-area / packing-house code registered for one market,
with issue and expiry dates and revocation), ``trace_export_overrides`` (an inspector's
recorded permission to ship a lot that misses a market's requirements), and the scope of
a certificate (product, planting area, free-text scope) on ``trace_certificates``.
The certificate kind ``vapour_heat`` needs no DDL (non-native enum without a CHECK).

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trace_gi_rights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gi_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('registration_number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('product', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('crop', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('variety', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('area_communes', sa.JSON(), nullable=False),
    sa.Column('area_note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('verified_by', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verified_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('trace_gi_rights', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_gi_rights_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('trace_code_markets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('market', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('revoked_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['trace_registration_codes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_id', 'market', name='uq_trace_code_market')
    )
    with op.batch_alter_table('trace_code_markets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_code_markets_code_id'), ['code_id'], unique=False)

    op.create_table('trace_export_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('market', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('missing', sa.JSON(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('overridden_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['trace_lots.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['overridden_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('trace_export_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_export_overrides_lot_id'), ['lot_id'], unique=False)

    with op.batch_alter_table('trace_certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('product_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('zone_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.create_foreign_key('fk_trace_certificates_product_id', 'trace_products', ['product_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key('fk_trace_certificates_zone_id', 'zones', ['zone_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('trace_certificates', schema=None) as batch_op:
        batch_op.drop_constraint('fk_trace_certificates_zone_id', type_='foreignkey')
        batch_op.drop_constraint('fk_trace_certificates_product_id', type_='foreignkey')
        batch_op.drop_column('scope')
        batch_op.drop_column('zone_id')
        batch_op.drop_column('product_id')
    with op.batch_alter_table('trace_export_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_export_overrides_lot_id'))
    op.drop_table('trace_export_overrides')
    with op.batch_alter_table('trace_code_markets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_code_markets_code_id'))
    op.drop_table('trace_code_markets')
    with op.batch_alter_table('trace_gi_rights', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_gi_rights_organisation_id'))
    op.drop_table('trace_gi_rights')
