"""One Alembic history builds, from an empty database, exactly the schema the models describe."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import func, select

from catalog.models import Category
from marketplace import create_app
from marketplace.extensions import db
from tests.conftest import POSTGRES_URL, create_postgres_schema, drop_postgres_schema


def assert_upgrade_matches_models(url: str) -> None:
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        upgrade()
        engine = db.engine
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)
        seeded = db.session.scalar(select(func.count()).select_from(Category))
        db.session.remove()
        engine.dispose()
    assert diff == []
    assert seeded >= 14  # the category tree is reference data, loaded by the migration


def test_upgrade_from_empty_matches_the_models_on_sqlite(tmp_path):
    assert_upgrade_matches_models(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL")
def test_upgrade_from_empty_matches_the_models_on_postgresql():
    schema, url = create_postgres_schema(POSTGRES_URL)
    try:
        assert_upgrade_matches_models(url)
    finally:
        drop_postgres_schema(POSTGRES_URL, schema)
