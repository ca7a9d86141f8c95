"""One Alembic history builds, from an empty database, exactly the schema the models describe."""
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import select

from catalog.categories import CATEGORY_TREE
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
        seeded = dict(db.session.execute(select(Category.slug, Category.parent_id)).all())
        parents = dict(db.session.execute(select(Category.id, Category.slug)).all())
        db.session.remove()
        engine.dispose()
    assert diff == []
    # the category tree is reference data, loaded by the migration: the same tree the application seeds
    expected = {slug: parent for parent, _, _, _, children in CATEGORY_TREE
                for slug in [parent] + [child[0] for child in children]}
    assert {slug: parents.get(parent_id) for slug, parent_id in seeded.items()} == {
        slug: (None if slug == parent else parent) for slug, parent in expected.items()}


@pytest.mark.parametrize("migration", ["0001_foundation.py", "0002_cooperatives.py", "0003_catalog.py"])
def test_a_migration_imports_nothing_of_the_application_but_column_types(migration):
    """It must upgrade an empty database whatever the models become."""
    source = Path(__file__).parents[1].joinpath("migrations", "versions", migration).read_text()
    imported = {line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imported <= {"alembic", "sqlalchemy", "marketplace.dbtypes"}


def test_upgrade_from_empty_matches_the_models_on_sqlite(tmp_path):
    assert_upgrade_matches_models(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL")
def test_upgrade_from_empty_matches_the_models_on_postgresql():
    schema, url = create_postgres_schema(POSTGRES_URL)
    try:
        assert_upgrade_matches_models(url)
    finally:
        drop_postgres_schema(POSTGRES_URL, schema)
