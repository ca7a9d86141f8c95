"""search documents, vocabulary, completions and pending index updates

Revision ID: 0004_search
Revises: 0003_catalog
"""
from alembic import op
import sqlalchemy as sa
import marketplace.dbtypes
from sqlalchemy.dialects import postgresql

from catalog.search.models import create_postgres_extensions

revision = '0004_search'
down_revision = '0003_catalog'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        create_postgres_extensions(op.get_bind())

    op.create_table('search_documents',
    sa.Column('product_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('category_slug', sa.String(length=80), nullable=False),
    sa.Column('region', sa.String(length=80), nullable=False),
    sa.Column('certification_kinds', sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), 'postgresql'), nullable=False),
    sa.Column('cooperative_id', sa.BigInteger(), nullable=False),
    sa.Column('price_min', sa.BigInteger(), nullable=False),
    sa.Column('in_stock', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sellable_until', sa.Date(), nullable=True),
    sa.Column('names', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('descriptions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('name_text', sa.Text(), nullable=False),
    sa.Column('meta_text', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=False),
    sa.Column('vocabulary', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('completions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('fingerprint', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_search_documents'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_category_slug', ['category_slug'], unique=False)
        batch_op.create_index('ix_search_documents_cooperative_id', ['cooperative_id'], unique=False)
        batch_op.create_index('ix_search_documents_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_search_documents_name_text_trgm', ['name_text'], unique=False, postgresql_using='gin', postgresql_ops={'name_text': 'gin_trgm_ops'})
        batch_op.create_index('ix_search_documents_price_min', ['price_min'], unique=False)
        batch_op.create_index('ix_search_documents_search_vector', ['search_vector'], unique=False, postgresql_using='gin')

    op.create_table('search_terms',
    sa.Column('word', sa.Text(), nullable=False),
    sa.Column('surface', sa.Text(), nullable=False),
    sa.Column('doc_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('word', 'surface', name=op.f('pk_search_terms'))
    )
    with op.batch_alter_table('search_terms', schema=None) as batch_op:
        batch_op.create_index('ix_search_terms_word_trgm', ['word'], unique=False, postgresql_using='gin', postgresql_ops={'word': 'gin_trgm_ops'})

    op.create_table('search_completions',
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('display', sa.Text(), nullable=False),
    sa.Column('whole', sa.Boolean(), nullable=False),
    sa.Column('doc_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'display', name=op.f('pk_search_completions'))
    )
    with op.batch_alter_table('search_completions', schema=None) as batch_op:
        batch_op.create_index('ix_search_completions_key_prefix', ['key'], unique=False, postgresql_ops={'key': 'text_pattern_ops'})

    op.create_table('search_pending_updates',
    sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('queued_at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_search_pending_updates'))
    )


def downgrade():
    op.drop_table('search_pending_updates')

    with op.batch_alter_table('search_completions', schema=None) as batch_op:
        batch_op.drop_index('ix_search_completions_key_prefix', postgresql_ops={'key': 'text_pattern_ops'})

    op.drop_table('search_completions')

    with op.batch_alter_table('search_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_search_terms_word_trgm', postgresql_using='gin', postgresql_ops={'word': 'gin_trgm_ops'})

    op.drop_table('search_terms')

    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_search_vector', postgresql_using='gin')
        batch_op.drop_index('ix_search_documents_price_min')
        batch_op.drop_index('ix_search_documents_name_text_trgm', postgresql_using='gin', postgresql_ops={'name_text': 'gin_trgm_ops'})
        batch_op.drop_index('ix_search_documents_created_at')
        batch_op.drop_index('ix_search_documents_cooperative_id')
        batch_op.drop_index('ix_search_documents_category_slug')

    op.drop_table('search_documents')
