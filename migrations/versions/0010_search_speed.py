"""search documents indexed by their last sellable day (suggest finds expired documents without a scan)

Revision ID: 0010_search_speed
Revises: 0009_settlement

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_search_speed'
down_revision = '0009_settlement'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_search_documents_sellable_until', 'search_documents', ['sellable_until'], unique=False)


def downgrade():
    op.drop_index('ix_search_documents_sellable_until', table_name='search_documents')
