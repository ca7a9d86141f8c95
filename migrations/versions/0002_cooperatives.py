"""cooperatives, members, unions, certifications

Revision ID: 0002_cooperatives
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa
import marketplace.dbtypes

revision = '0002_cooperatives'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cooperatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_form', sa.String(length=20), nullable=False),
    sa.Column('registration_number', sa.String(length=60), nullable=False),
    sa.Column('ice', sa.String(length=15), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('sector', sa.String(length=30), nullable=False),
    sa.Column('founded_on', sa.Date(), nullable=True),
    sa.Column('description', sa.JSON(), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('union_id', sa.Integer(), nullable=True),
    sa.Column('commission_bps', sa.Integer(), nullable=False),
    sa.Column('reserve_bps', sa.Integer(), nullable=False),
    sa.Column('distribution_policy', sa.String(length=20), nullable=False),
    sa.Column('created_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('verified_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['union_id'], ['cooperatives.id'], name=op.f('fk_cooperatives_union_id_cooperatives'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cooperatives')),
    sa.UniqueConstraint('ice', name=op.f('uq_cooperatives_ice'))
    )
    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cooperatives_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_cooperatives_sector'), ['sector'], unique=False)
        batch_op.create_index(batch_op.f('ix_cooperatives_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_cooperatives_union_id'), ['union_id'], unique=False)

    op.create_table('certifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('document_path', sa.String(length=255), nullable=False),
    sa.Column('document_content_type', sa.String(length=50), nullable=False),
    sa.Column('created_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_certifications_cooperative_id_cooperatives'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_certifications_decided_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certifications'))
    )
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certifications_cooperative_id'), ['cooperative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_expires_on'), ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_number'), ['number'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_status'), ['status'], unique=False)

    op.create_table('cooperative_managers',
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_cooperative_managers_cooperative_id_cooperatives'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cooperative_managers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cooperative_id', 'user_id', name=op.f('pk_cooperative_managers'))
    )
    with op.batch_alter_table('cooperative_managers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cooperative_managers_user_id'), ['user_id'], unique=False)

    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('gender', sa.String(length=10), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('capital_shares', sa.Integer(), nullable=False),
    sa.Column('payout_method', sa.String(length=20), nullable=False),
    sa.Column('payout_account', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_members_cooperative_id_cooperatives'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_cooperative_id'), ['cooperative_id'], unique=False)

    op.create_table('certification_products',
    sa.Column('certification_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['certification_id'], ['certifications.id'], name=op.f('fk_certification_products_certification_id_certifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('certification_id', 'product_id', name=op.f('pk_certification_products'))
    )
    with op.batch_alter_table('certification_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certification_products_product_id'), ['product_id'], unique=False)


def downgrade():
    with op.batch_alter_table('certification_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certification_products_product_id'))

    op.drop_table('certification_products')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_cooperative_id'))

    op.drop_table('members')

    with op.batch_alter_table('cooperative_managers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cooperative_managers_user_id'))

    op.drop_table('cooperative_managers')

    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certifications_status'))
        batch_op.drop_index(batch_op.f('ix_certifications_number'))
        batch_op.drop_index(batch_op.f('ix_certifications_expires_on'))
        batch_op.drop_index(batch_op.f('ix_certifications_cooperative_id'))

    op.drop_table('certifications')

    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cooperatives_union_id'))
        batch_op.drop_index(batch_op.f('ix_cooperatives_status'))
        batch_op.drop_index(batch_op.f('ix_cooperatives_sector'))
        batch_op.drop_index(batch_op.f('ix_cooperatives_region'))

    op.drop_table('cooperatives')
