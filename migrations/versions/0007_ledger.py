"""the double-entry ledger: journal entries and their lines

Revision ID: 0007_ledger
Revises: 0004_search
"""
from alembic import op
import sqlalchemy as sa

import marketplace.dbtypes

revision = '0007_ledger'
down_revision = '0006_stripe_events'
branch_labels = None
depends_on = None

# PostgreSQL refuses UPDATE and DELETE on posted entries and lines: corrections are reversing entries.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: post a reversing entry' USING ERRCODE = 'restrict_violation';
END $$"""


def upgrade():
    op.create_table('journal_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source_key', sa.String(length=160), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('at', marketplace.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('payment', 'refund', 'settlement', 'payout', 'reversal')", name=op.f('ck_journal_entries_kind_known')),
    sa.CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)", name=op.f('ck_journal_entries_reversal_refers_to_original')),
    sa.ForeignKeyConstraint(['reverses_id'], ['journal_entries.id'], name=op.f('fk_journal_entries_reverses_id_journal_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_entries')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_journal_entries_reverses_id')),
    sa.UniqueConstraint('source_key', name=op.f('uq_journal_entries_source_key'))
    )
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_entries_at'), ['at'], unique=False)

    op.create_table('journal_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=80), nullable=False),
    sa.Column('debit', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('(debit > 0 AND credit = 0) OR (debit = 0 AND credit > 0)', name=op.f('ck_journal_lines_one_side_positive')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_journal_lines_entry_id_journal_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_lines')),
    sa.UniqueConstraint('entry_id', 'position', name='uq_journal_lines_entry_id_position')
    )
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.create_index('ix_journal_lines_account_entry_id', ['account', 'entry_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        for table in ('journal_entries', 'journal_lines'):
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ('journal_entries', 'journal_lines'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ledger_append_only()")
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_lines_account_entry_id')
    op.drop_table('journal_lines')
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_entries_at'))
    op.drop_table('journal_entries')
