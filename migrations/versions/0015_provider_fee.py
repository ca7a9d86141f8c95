"""the fee the payment provider kept on a card capture, from its balance transaction

Revision ID: 0015_provider_fee
Revises: 0014_payout_accounts

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_provider_fee'
down_revision = '0014_payout_accounts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_fee_mad', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('provider_fee_mad')
