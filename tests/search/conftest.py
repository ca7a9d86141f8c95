"""The `backend` fixture: every SearchBackend implementation behind the same interface."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from catalog.search.backend import SearchBackend, make_backend


@pytest.fixture(params=["whoosh", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path) -> Iterator[SearchBackend]:
    if request.param == "whoosh":
        yield make_backend("whoosh", index_dir=tmp_path / "index")
        return
    with postgres_engine() as engine:
        yield make_backend("postgres", engine=engine)


def postgres_engine():
    """Context manager: an engine whose search_path is a fresh schema holding the search tables."""
    from contextlib import contextmanager

    from catalog.search.models import SEARCH_TABLES, create_postgres_extensions

    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL search tests need TEST_DATABASE_URL")

    @contextmanager
    def engine_in_schema() -> Iterator[sa.Engine]:
        schema = f"s_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(4242)"))
            create_postgres_extensions(conn)
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        engine = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema},public"})
        try:
            with engine.begin() as conn:
                for table in SEARCH_TABLES:
                    table.create(conn)
            yield engine
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()

    return engine_in_schema()


# --- the app through HTTP: both backends, a small catalogue built through the catalog API ----------------------

from tests.catalog.conftest import Shop, jpeg, shop, variant_body  # noqa: E402,F401  (fixtures shared with catalog)
from tests.cooperatives.conftest import coop_factory  # noqa: E402,F401

API = "/api/v1"
TINY_JPEG = jpeg((64, 48))


@pytest.fixture(params=["whoosh", "postgres"])
def search_engine(request: pytest.FixtureRequest, app) -> str:
    """Run the test once per SEARCH_BACKEND (set before the app serves its first request)."""
    if request.param == "postgres" and not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL")
    app.config["SEARCH_BACKEND"] = request.param
    return request.param


class Market:
    """Cooperatives (rows) and published products (through the catalog API), and searches over HTTP."""

    def __init__(self, shop: Shop, client, users) -> None:
        self.shop, self.client, self.users = shop, client, users

    @property
    def admin(self):
        return self.users.shared_admin()

    def cooperative(self, *, region: str = "souss-massa", name: str | None = None, certified: bool = True):
        """A verified cooperative and its manager; `certified` adds an ONSSA authorisation covering all products."""
        manager = self.users.cooperative()
        cooperative_id = self.shop.cooperative(manager, region=region, name=name)
        if certified:
            self.shop.certification(cooperative_id)
        return cooperative_id, manager

    def product(self, manager, cooperative_id: int, name: dict, *, category: str = "honey", amount: int = 12000,
                description: dict | None = None, publish: bool = True, **overrides) -> int:
        """A product with one variant and one image, published unless told otherwise; returns its id."""
        product = self.shop.product(manager, cooperative_id, category=category, amount=amount, name=name,
                                    description=description or {"fr": "Produit de la coopérative."}, **overrides)
        assert self.shop.image(manager, product["id"], TINY_JPEG).status_code == 201
        if publish:
            response = self.shop.publish(manager, product["id"])
            assert response.status_code == 200, response.json
        return product["id"]

    def search(self, path: str = "/search", **params):
        response = self.client.get(f"{API}{path}", query_string=params)
        assert response.status_code == 200, response.json
        return response.json

    def ids(self, **params) -> list[int]:
        return [item["id"] for item in self.search(per_page=100, **params)["items"]]

    def suggest(self, q: str) -> list[str]:
        return self.search("/search/suggest", q=q)["items"]

    def decide_cooperative(self, cooperative_id: int, decision: str) -> None:
        response = self.client.post(f"{API}/admin/cooperatives/{cooperative_id}/decision", headers=self.admin.headers,
                                    json={"decision": decision, "reason": f"test {decision}"})
        assert response.status_code == 200, response.json

    def decide_certification(self, certification_id: int, decision: str) -> None:
        response = self.client.post(f"{API}/admin/certifications/{certification_id}/decision",
                                    headers=self.admin.headers, json={"decision": decision, "reason": "test"})
        assert response.status_code == 200, response.json


@pytest.fixture
def market(shop, client, users) -> Market:
    return Market(shop, client, users)
