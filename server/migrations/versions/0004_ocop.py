"""ocop tables: products, dossiers, answers, council scores, events, documents,
certificates, notifications (issue 9). Self-contained: touches only ocop_* tables.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ocop_products',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('subgroup', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('commune_code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('product_group', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('gtin', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('gtin'),
    sa.UniqueConstraint('organisation_id', 'name', name='uq_ocop_product_name')
    )
    with op.batch_alter_table('ocop_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocop_products_organisation_id'), ['organisation_id'], unique=False)
    op.create_table('ocop_dossiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('criteria_set', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('status', sa.Enum('draft', 'precheck', 'council', 'returned', 'approved', 'certified', 'rejected', name='dossierstatus', native_enum=False, length=16), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('rules_date', sa.Date(), nullable=True),
    sa.Column('self_total', sa.Float(), nullable=True),
    sa.Column('self_stars', sa.Integer(), nullable=True),
    sa.Column('result_total', sa.Float(), nullable=True),
    sa.Column('result_stars', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['ocop_products.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ocop_dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocop_dossiers_product_id'), ['product_id'], unique=False)
    op.create_table('ocop_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('criterion', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('option', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('points', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['ocop_dossiers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dossier_id', 'criterion', name='uq_ocop_answer')
    )
    with op.batch_alter_table('ocop_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocop_answers_dossier_id'), ['dossier_id'], unique=False)
    op.create_table('ocop_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=True),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('criteria_set', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('revoked_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['ocop_dossiers.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['ocop_products.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('ocop_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocop_certificates_product_id'), ['product_id'], unique=False)
    op.create_table('ocop_council_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('criterion', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('option', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['ocop_dossiers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluator_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dossier_id', 'level', 'evaluator_id', 'criterion', name='uq_ocop_council_score')
    )
    with op.batch_alter_table('ocop_council_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocop_council_scores_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ocop_council_scores_evaluator_id'), ['evaluator_id'], unique=False)
    op.create_table('ocop_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('stored_name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['ocop_dossiers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stored_name')
    )
    with op.batch_alter_table('ocop_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocop_documents_dossier_id'), ['dossier_id'], unique=False)
    op.create_table('ocop_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('from_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('to_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['ocop_dossiers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ocop_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocop_events_dossier_id'), ['dossier_id'], unique=False)
    op.create_table('ocop_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['ocop_certificates.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('ocop_notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocop_notifications_organisation_id'), ['organisation_id'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table('ocop_notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocop_notifications_organisation_id'))
    op.drop_table('ocop_notifications')
    with op.batch_alter_table('ocop_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocop_events_dossier_id'))
    op.drop_table('ocop_events')
    with op.batch_alter_table('ocop_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocop_documents_dossier_id'))
    op.drop_table('ocop_documents')
    with op.batch_alter_table('ocop_council_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocop_council_scores_evaluator_id'))
        batch_op.drop_index(batch_op.f('ix_ocop_council_scores_dossier_id'))
    op.drop_table('ocop_council_scores')
    with op.batch_alter_table('ocop_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocop_certificates_product_id'))
    op.drop_table('ocop_certificates')
    with op.batch_alter_table('ocop_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocop_answers_dossier_id'))
    op.drop_table('ocop_answers')
    with op.batch_alter_table('ocop_dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocop_dossiers_product_id'))
    op.drop_table('ocop_dossiers')
    with op.batch_alter_table('ocop_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocop_products_organisation_id'))
    op.drop_table('ocop_products')
    # ### end Alembic commands ###
