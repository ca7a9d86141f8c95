"""settled shares without foreign keys: a run writes them from the parcel ids its claim returned and the member
ids it read in the same transaction; the run's key, the parcel's key and the member's key checked row by row
were a sixth of a large run. The single-column parcel index goes too: the unique (settled_parcel_id, member_id)
serves lookups by parcel.

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
        batch_op.drop_constraint('fk_settled_shares_settled_parcel_id_settled_parcels', type_='foreignkey')
        batch_op.drop_constraint('fk_settled_shares_member_id_members', type_='foreignkey')
        batch_op.drop_index('ix_settled_shares_settled_parcel_id')


def downgrade():
    with op.batch_alter_table('settled_shares', schema=None) as batch_op:
        batch_op.create_index('ix_settled_shares_settled_parcel_id', ['settled_parcel_id'], unique=False)
        batch_op.create_foreign_key('fk_settled_shares_member_id_members', 'members', ['member_id'], ['id'])
        batch_op.create_foreign_key('fk_settled_shares_settled_parcel_id_settled_parcels', 'settled_parcels',
                                    ['settled_parcel_id'], ['id'])
        batch_op.create_foreign_key('fk_settled_shares_run_id_settlement_runs', 'settlement_runs', ['run_id'],
                                    ['id'])
