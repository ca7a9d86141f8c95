"""the fee the payment provider kept on a card capture, from its balance transaction; a run's totals in 64 bits
(100,000 parcels pass 2^31 centimes)

Revision ID: 0016_provider_fee
Revises: 0015_search_indexes

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_provider_fee'
down_revision = '0015_search_indexes'
branch_labels = None
depends_on = None


RUN_TOTALS = {
    'settlement_runs': ('captured', 'refunds', 'fees', 'commission', 'reserve', 'members', 'deductions', 'payable'),
    'run_cooperatives': ('captured', 'refunds', 'fees', 'commission', 'reserve', 'members', 'owed', 'deductions',
                         'from_reserve', 'carried', 'payable'),
}


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_fee_mad', sa.Integer(), nullable=True))
    for table, columns in RUN_TOTALS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=sa.Integer(), type_=sa.BigInteger(),
                                      existing_nullable=False)


def downgrade():
    for table, columns in RUN_TOTALS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=sa.BigInteger(), type_=sa.Integer(),
                                      existing_nullable=False)
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('provider_fee_mad')
