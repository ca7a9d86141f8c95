"""search documents split: matching reads narrow rows, the texts move to search_document_texts; the vector's
GIN index without a pending list

Revision ID: 0015_search_indexes
Revises: 0014_payout_accounts

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0015_search_indexes'
down_revision = '0014_payout_accounts'
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
_MOVED = ('names', 'descriptions', 'meta_text', 'body_text', 'vocabulary', 'completions')


def upgrade():
    op.create_table('search_document_texts',
    sa.Column('product_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('names', _JSON, nullable=False),
    sa.Column('descriptions', _JSON, nullable=False),
    sa.Column('meta_text', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('vocabulary', _JSON, nullable=False),
    sa.Column('completions', _JSON, nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['search_documents.product_id'],
                            name=op.f('fk_search_document_texts_product_id_search_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_search_document_texts'))
    )
    op.execute(f"INSERT INTO search_document_texts (product_id, {', '.join(_MOVED)}) "
               f"SELECT product_id, {', '.join(_MOVED)} FROM search_documents")
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        for column in _MOVED:
            batch_op.drop_column(column)
        batch_op.drop_index('ix_search_documents_search_vector')
        batch_op.create_index('ix_search_documents_search_vector', ['search_vector'], unique=False,
                              postgresql_using='gin', postgresql_with={'fastupdate': 'off'})


def downgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_search_vector')
        batch_op.create_index('ix_search_documents_search_vector', ['search_vector'], unique=False,
                              postgresql_using='gin')
        batch_op.add_column(sa.Column('names', _JSON, nullable=True))
        batch_op.add_column(sa.Column('descriptions', _JSON, nullable=True))
        batch_op.add_column(sa.Column('meta_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('body_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('vocabulary', _JSON, nullable=True))
        batch_op.add_column(sa.Column('completions', _JSON, nullable=True))
    op.execute(f"UPDATE search_documents SET ({', '.join(_MOVED)}) = (SELECT {', '.join(_MOVED)} "
               "FROM search_document_texts t WHERE t.product_id = search_documents.product_id)")
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        for column in _MOVED:
            batch_op.alter_column(column, nullable=False)
    op.drop_table('search_document_texts')
