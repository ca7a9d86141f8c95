"""a cooperative's bank account (RIB), where its reserve is paid

Revision ID: 0014_payout_accounts
Revises: 0013_search_speed

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_payout_accounts'
down_revision = '0013_search_speed'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_account', sa.String(length=24), nullable=True))


def downgrade():
    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.drop_column('bank_account')
