"""the catalog version: one row changed with anything a buyer may see (cache keys)

Revision ID: 0012_catalog_version
Revises: 0011_notifications

"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_catalog_version'
down_revision = '0011_notifications'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('catalog_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'version': uuid.uuid4().hex}])


def downgrade():
    op.drop_table('catalog_version')
