"""Migration 0009_settlement: creates the run tables, goes down one step and up again."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from marketplace import create_app
from marketplace.extensions import db
from tests.conftest import POSTGRES_URL, create_postgres_schema, drop_postgres_schema

TABLES = {"settlement_runs", "settled_parcels", "settled_shares", "run_cooperatives", "payouts", "refund_allocations"}


def migrate_down_and_up(url: str) -> None:
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        upgrade(revision="0009_settlement")
        downgrade(revision="-1")
        assert not TABLES & set(inspect(db.engine).get_table_names())
        upgrade(revision="0009_settlement")
        assert TABLES <= set(inspect(db.engine).get_table_names())
        with pytest.raises(IntegrityError, match="amount_positive"), db.engine.begin() as connection:
            connection.execute(text("INSERT INTO settlement_runs (id, up_to, created_at, parcels_count, captured, "
                                    "refunds, fees, commission, reserve, members, deductions, payable) VALUES "
                                    "(1, '2026-01-01', CURRENT_TIMESTAMP, 0, 0, 0, 0, 0, 0, 0, 0, 0)"))
            connection.execute(text("INSERT INTO payouts (run_id, cooperative_id, payee, payee_key, full_name, "
                                    "method, amount, status) VALUES (1, 1, 'member', 'member:1', 'x', 'cash', 0, "
                                    "'pending')"))  # a payout of nothing is refused
        db.session.remove()
        db.engine.dispose()


def test_the_settlement_migration_goes_down_and_up_on_sqlite(tmp_path):
    migrate_down_and_up(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL")
def test_the_settlement_migration_goes_down_and_up_on_postgresql():
    schema, url = create_postgres_schema(POSTGRES_URL)
    try:
        migrate_down_and_up(url)
    finally:
        drop_postgres_schema(POSTGRES_URL, schema)
