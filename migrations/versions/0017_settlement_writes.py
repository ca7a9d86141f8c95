"""a settled share's run is its settled parcel's: no key of its own; its parcel is looked up through the unique
(settled_parcel_id, member_id), so the single-column index goes

Revision ID: 0017_settlement_writes
Revises: 0016_provider_fee

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017_settlement_writes'
down_revision = '0016_provider_fee'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('settled_shares', schema=None) as batch_op:
        batch_op.drop_constraint('fk_settled_shares_run_id_settlement_runs', type_='foreignkey')
        batch_op.drop_index('ix_settled_shares_settled_parcel_id')


def downgrade():
    with op.batch_alter_table('settled_shares', schema=None) as batch_op:
        batch_op.create_index('ix_settled_shares_settled_parcel_id', ['settled_parcel_id'], unique=False)
        batch_op.create_foreign_key('fk_settled_shares_run_id_settlement_runs', 'settlement_runs', ['run_id'],
                                    ['id'])
