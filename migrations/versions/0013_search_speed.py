"""search documents indexed by their last sellable day (suggest finds expired documents without a scan)

Revision ID: 0013_search_speed
Revises: 0012_catalog_version

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013_search_speed'
down_revision = '0012_catalog_version'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_search_documents_sellable_until', 'search_documents', ['sellable_until'], unique=False)


def downgrade():
    op.drop_index('ix_search_documents_sellable_until', table_name='search_documents')
