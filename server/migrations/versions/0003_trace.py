"""trace tables: products, locations, registration codes, lots, EPCIS events, lineage,
farm diary, certificates and stamp-block flags (issue 7).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trace_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('event_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('biz_step', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('event_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tz_offset', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'content_hash', name='uq_trace_event_content')
    )

    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_events_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_events_event_time'), ['event_time'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_events_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('trace_products',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('crop', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('gtin', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('gtin')
    )

    with op.batch_alter_table('trace_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_products_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('trace_locations',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('gln', sqlmodel.sql.sqltypes.AutoString(length=13), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('farm', 'packing_house', 'warehouse', 'market', name='locationkind', native_enum=False, length=24), nullable=False),
    sa.Column('farm_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['farm_id'], ['farms.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )

    with op.batch_alter_table('trace_locations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_locations_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('trace_diary_entries',
    sa.Column('product_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('active_ingredient', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('dose', sa.Float(), nullable=True),
    sa.Column('dose_unit', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('phi_days', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('spraying', 'fertilising', 'other', name='diarykind', native_enum=False, length=24), nullable=False),
    sa.Column('performed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )

    with op.batch_alter_table('trace_diary_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_diary_entries_zone_id'), ['zone_id'], unique=False)

    op.create_table('trace_lots',
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('harvested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['trace_products.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('product_id', 'code', name='uq_trace_lot_code')
    )

    with op.batch_alter_table('trace_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_lots_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_lots_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_lots_product_id'), ['product_id'], unique=False)

    op.create_table('trace_registration_codes',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('authority', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('planting_area', 'packing_house', name='codekind', native_enum=False, length=24), nullable=False),
    sa.Column('status', sa.Enum('active', 'suspended', name='codestatus', native_enum=False, length=24), nullable=False),
    sa.Column('farm_id', sa.Integer(), nullable=True),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['farm_id'], ['farms.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['location_id'], ['trace_locations.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'code', name='uq_trace_code')
    )

    with op.batch_alter_table('trace_registration_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_registration_codes_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('trace_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.Enum('lot', 'farm', 'organisation', name='certificatesubject', native_enum=False, length=24), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('farm_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('vietgap', 'globalgap', 'organic', 'phytosanitary', 'irradiation', 'fumigation', 'other', name='certificatekind', native_enum=False, length=24), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('document_name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('document_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('document_size', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['farm_id'], ['farms.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lot_id'], ['trace_lots.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )

    with op.batch_alter_table('trace_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_certificates_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_certificates_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('trace_event_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('input', 'output', 'subject', 'child', name='lotlinkrole', native_enum=False, length=24), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['trace_events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lot_id'], ['trace_lots.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'lot_id', 'role', name='uq_trace_event_lot')
    )

    with op.batch_alter_table('trace_event_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_event_lots_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_event_lots_lot_id'), ['lot_id'], unique=False)

    op.create_table('trace_lot_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('diary_entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('overridden_by', sa.Integer(), nullable=True),
    sa.Column('override_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('overridden_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['diary_entry_id'], ['trace_diary_entries.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lot_id'], ['trace_lots.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['overridden_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )

    with op.batch_alter_table('trace_lot_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_lot_flags_lot_id'), ['lot_id'], unique=False)

    op.create_table('trace_lot_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['trace_lots.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['trace_events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['trace_lots.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('parent_id', 'child_id', 'event_id', name='uq_trace_lot_link')
    )

    with op.batch_alter_table('trace_lot_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_lot_links_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_lot_links_parent_id'), ['parent_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('trace_lot_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_lot_links_parent_id'))
        batch_op.drop_index(batch_op.f('ix_trace_lot_links_child_id'))

    op.drop_table('trace_lot_links')

    with op.batch_alter_table('trace_lot_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_lot_flags_lot_id'))

    op.drop_table('trace_lot_flags')

    with op.batch_alter_table('trace_event_lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_event_lots_lot_id'))
        batch_op.drop_index(batch_op.f('ix_trace_event_lots_event_id'))

    op.drop_table('trace_event_lots')

    with op.batch_alter_table('trace_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_certificates_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_trace_certificates_lot_id'))

    op.drop_table('trace_certificates')

    with op.batch_alter_table('trace_registration_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_registration_codes_organisation_id'))

    op.drop_table('trace_registration_codes')

    with op.batch_alter_table('trace_lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_lots_product_id'))
        batch_op.drop_index(batch_op.f('ix_trace_lots_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_trace_lots_code'))

    op.drop_table('trace_lots')

    with op.batch_alter_table('trace_diary_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_diary_entries_zone_id'))

    op.drop_table('trace_diary_entries')

    with op.batch_alter_table('trace_locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_locations_organisation_id'))

    op.drop_table('trace_locations')

    with op.batch_alter_table('trace_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_products_organisation_id'))

    op.drop_table('trace_products')

    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_events_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_trace_events_event_time'))
        batch_op.drop_index(batch_op.f('ix_trace_events_event_id'))

    op.drop_table('trace_events')
