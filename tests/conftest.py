"""Fixtures: app → client → accounts. The database is SQLite (a temp file, on tmpfs when there is one) or, with
TEST_DATABASE_URL set, PostgreSQL in a schema of its own for this run. One app serves the whole run; every test
starts from empty tables, its own media and index directories, and the config the session began with."""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.auth import services as accounts
from marketplace.auth.models import Role
from marketplace.extensions import cache, db

# Stripe offline for every directory (localstripe, signed events): one registration, so one localstripe server
# a session (its aiohttp app is a module-level singleton and cannot be served twice)
pytest_plugins = ["tests.orders.stripe_server"]

PASSWORD = "correct horse battery"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")

# Temp dirs (the SQLite database, media, Whoosh indexes) on tmpfs when there is one: fsync costs nothing there.
if os.access("/dev/shm", os.W_OK):
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", "/dev/shm")


def postgres_schema_url(base_url: str, schema: str) -> str:
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema},public"})
    return url.render_as_string(hide_password=False)


def create_postgres_extensions(base_url: str) -> None:
    """Once per run, before any worker starts: two `CREATE EXTENSION IF NOT EXISTS` at the same moment fail."""
    engine = create_engine(base_url)
    with engine.begin() as connection:
        for extension in ("unaccent", "pg_trgm"):
            connection.execute(text(f"CREATE EXTENSION IF NOT EXISTS {extension} SCHEMA public"))
    engine.dispose()


def create_postgres_schema(base_url: str) -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base_url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return schema, postgres_schema_url(base_url, schema)


def drop_postgres_schema(base_url: str, schema: str) -> None:
    engine = create_engine(base_url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The session's database: with pytest-xdist every worker is a session, so each has its own schema or file."""
    if POSTGRES_URL:
        schema, url = create_postgres_schema(POSTGRES_URL)
        yield url
        drop_postgres_schema(POSTGRES_URL, schema)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _tables(database_url):
    create_app({"DATABASE_URL": database_url})  # imports every model
    engine = create_engine(database_url)
    db.metadata.create_all(engine)
    engine.dispose()


def empty_tables() -> None:
    tables = db.metadata.sorted_tables
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


@pytest.fixture(scope="session")
def _session_app(database_url, _tables, tmp_path_factory):
    """The one app of the run; `app` gives each test its own directories, config and extension state."""
    root = tmp_path_factory.mktemp("app")
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(root / "media"),
        "PRIVATE_MEDIA_ROOT": str(root / "private"),
        "SEARCH_INDEX_DIR": str(root / "search-index"),
        # Production-strength argon2 costs ~0.1 s a hash; the suite signs in hundreds of users.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 1024,
        # ~1 s a page: tests that read invoices render them on request
        "INVOICES_RENDER_ON_ISSUE": 0,
        # Jobs run in-process as they are enqueued (after the commit); e-mails land in Flask-Mailman's outbox.
        "JOBS_IMMEDIATE": True,
        "MAIL_BACKEND": "locmem",
    })
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_session_app, tmp_path):
    """The session's app, reset for this test: empty tables, fresh media and index directories, the config and
    `app.extensions` as they were (a test may change `app.config` freely).

    Settings read only when the app is created (the database URL) cannot be changed
    here; a test that needs other values there calls `create_app` itself."""
    app = _session_app
    config, extensions = dict(app.config), dict(app.extensions)
    app.config.update(MEDIA_ROOT=str(tmp_path / "media"), PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
                      SEARCH_INDEX_DIR=str(tmp_path / "search-index"))
    with app.app_context():
        cache.clear()  # totals and responses of earlier tests (their catalog version rows are gone)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            empty_tables()
        app.config.clear()
        app.config.update(config)
        app.extensions.clear()
        app.extensions.update(extensions)


@pytest.fixture
def app_config(app):
    """Set app settings for this test only: `app_config(MAX_CONTENT_LENGTH=1024)` (restored after the test)."""

    def configure(**settings) -> None:
        app.config.update(settings)

    return configure


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class Account:
    id: int
    email: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Accounts:
    """Sign up users of each role through the API (admins through the service, as the CLI does)."""

    def __init__(self, app, client):
        self.app, self.client, self._n = app, client, 0
        self._shared_admin: Account | None = None

    def _email(self, role: str) -> str:
        self._n += 1
        return f"{role}{self._n}-{uuid.uuid4().hex[:6]}@example.ma"

    def sign_in(self, email: str, password: str = PASSWORD) -> str:
        response = self.client.post("/api/v1/auth/tokens", json={"email": email, "password": password})
        assert response.status_code == 201, response.json
        return response.json["token"]

    def new(self, role: str = Role.BUYER, *, email: str | None = None) -> Account:
        email = email or self._email(role)
        if role == Role.ADMIN:
            with self.app.app_context():
                user_id = accounts.create_admin(email=email, password=PASSWORD).id
        else:
            response = self.client.post("/api/v1/auth/register", json={
                "email": email, "password": PASSWORD, "full_name": f"Test {role.title()}", "role": role})
            assert response.status_code == 201, response.json
            user_id = response.json["id"]
        return Account(id=user_id, email=email, role=role, token=self.sign_in(email))

    def buyer(self) -> Account:
        return self.new(Role.BUYER)

    def cooperative(self) -> Account:
        return self.new(Role.COOPERATIVE)

    def admin(self) -> Account:
        return self.new(Role.ADMIN)

    def shared_admin(self) -> Account:
        """One admin for the whole test, made on first use (helpers that verify things share it)."""
        if self._shared_admin is None:
            self._shared_admin = self.admin()
        return self._shared_admin


@pytest.fixture
def users(app, client) -> Accounts:
    return Accounts(app, client)


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def queries(app):
    """Counts the SQL statements the app runs; `queries.reset()` before the request to measure."""
    counter = QueryCounter()
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield counter
    event.remove(engine, "before_cursor_execute", record)


def is_xdist_worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_sessionstart(session):
    if os.environ.get("REQUIRE_POSTGRES") and not POSTGRES_URL:
        pytest.exit("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not", returncode=2)
    if POSTGRES_URL and not is_xdist_worker(session.config):
        create_postgres_extensions(POSTGRES_URL)


def pytest_sessionfinish(session, exitstatus):
    """With REQUIRE_POSTGRES, a test skipped for want of PostgreSQL fails the run (counted where the reports of
    every worker arrive)."""
    if not os.environ.get("REQUIRE_POSTGRES") or is_xdist_worker(session.config):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = [r for r in reporter.stats.get("skipped", []) if "PostgreSQL" in str(r.longrepr)]
    if skipped:
        reporter.write_line(f"{len(skipped)} tests needing PostgreSQL were skipped in the PostgreSQL run", red=True)
        session.exitstatus = 1
