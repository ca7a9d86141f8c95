"""Migration 0007_ledger: builds the ledger, goes down one step and up again; on PostgreSQL, with the append-only trigger."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from marketplace import create_app
from marketplace.extensions import db
from tests.conftest import POSTGRES_URL, create_postgres_schema, drop_postgres_schema


def migrate_down_and_up(url: str) -> None:
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        upgrade(revision="0007_ledger")
        downgrade(revision="-1")  # the revision before the ledger, whatever the chain
        assert not {"journal_entries", "journal_lines"} & set(inspect(db.engine).get_table_names())
        upgrade(revision="0007_ledger")
        assert {"journal_entries", "journal_lines"} <= set(inspect(db.engine).get_table_names())
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO journal_entries (id, kind, source_key, reference, at) "
                                    "VALUES (1, 'payment', 'payment:1', 'r', CURRENT_TIMESTAMP)"))
            connection.execute(text("INSERT INTO journal_lines (entry_id, position, account, debit, credit) "
                                    "VALUES (1, 1, 'bank', 100, 0), (1, 2, 'buyer_payments', 0, 100)"))
        if db.engine.dialect.name == "postgresql":
            with pytest.raises(IntegrityError, match="append-only"), db.engine.begin() as connection:
                connection.execute(text("UPDATE journal_lines SET debit = 5 WHERE debit > 0"))
        db.session.remove()
        db.engine.dispose()


def test_the_ledger_migration_goes_down_and_up_on_sqlite(tmp_path):
    migrate_down_and_up(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL")
def test_the_ledger_migration_goes_down_and_up_on_postgresql_with_its_append_only_trigger():
    schema, url = create_postgres_schema(POSTGRES_URL)
    try:
        migrate_down_and_up(url)
    finally:
        drop_postgres_schema(POSTGRES_URL, schema)
