"""search documents split: matching reads narrow rows, the texts move to search_document_texts; the vector's
GIN index without a pending list; completions counted by the last day their documents are sellable

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


    # Completions are now counted per last sellable day: recount them from the documents.
    op.drop_table('search_completions')
    _create_completions(with_day=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            INSERT INTO search_completions (key, display, sellable_until, whole, doc_count)
            SELECT entry ->> 0, entry ->> 1, coalesce(d.sellable_until, DATE '9999-12-31'),
                   bool_or((entry ->> 2)::boolean), count(*)
            FROM search_documents d JOIN search_document_texts t ON t.product_id = d.product_id,
                 jsonb_array_elements(t.completions) AS entry
            GROUP BY 1, 2, 3""")


def _create_completions(*, with_day: bool):
    op.create_table('search_completions',
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('display', sa.Text(), nullable=False),
    *([sa.Column('sellable_until', sa.Date(), nullable=False)] if with_day else []),
    sa.Column('whole', sa.Boolean(), nullable=False),
    sa.Column('doc_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'display', *(['sellable_until'] if with_day else []),
                            name=op.f('pk_search_completions'))
    )
    with op.batch_alter_table('search_completions', schema=None) as batch_op:
        batch_op.create_index('ix_search_completions_key_prefix', ['key'], unique=False,
                              postgresql_ops={'key': 'text_pattern_ops'})


def downgrade():
    op.drop_table('search_completions')
    _create_completions(with_day=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            INSERT INTO search_completions (key, display, whole, doc_count)
            SELECT entry ->> 0, entry ->> 1, bool_or((entry ->> 2)::boolean), count(*)
            FROM search_document_texts t, jsonb_array_elements(t.completions) AS entry GROUP BY 1, 2""")
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
