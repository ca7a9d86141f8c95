"""Fixtures of the whole-API checks: the catalog and cooperative builders, and one small world with a resource
of every kind, so that a request whose only fault is the one under test reaches its service."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from catalog.categories import ensure_categories
from marketplace import create_app
from marketplace.extensions import db
from tests.catalog.conftest import Shop, shop  # noqa: F401  (fixtures re-exported for this folder)
from tests.conftest import Account, Accounts, empty_tables


@dataclass
class World:
    manager: Account
    buyer: Account
    admin: Account
    cooperative_id: int
    member_id: int
    product: dict


def build_world(shop: Shop, users: Accounts) -> World:
    manager = users.cooperative()
    cooperative_id = shop.cooperative(manager)
    member_id = shop.member(cooperative_id)
    product = shop.published(manager, cooperative_id)
    assert shop.lot(manager, product, member_id).status_code == 201
    return World(manager=manager, buyer=users.buyer(), admin=users.shared_admin(), cooperative_id=cooperative_id,
                 member_id=member_id, product=product)


@pytest.fixture
def world(shop: Shop, users) -> World:
    return build_world(shop, users)


@pytest.fixture(scope="module")
def fuzz_app(database_url, _tables, tmp_path_factory):
    """One app and one world for a whole module of fuzzing (the `app` fixture would rebuild them per operation)."""
    root = tmp_path_factory.mktemp("fuzz")
    app = create_app({
        "TESTING": True, "DATABASE_URL": database_url, "MEDIA_ROOT": str(root / "media"),
        "PRIVATE_MEDIA_ROOT": str(root / "private"), "SEARCH_INDEX_DIR": str(root / "search-index"),
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "STRIPE_WEBHOOK_SECRET": "whsec_fuzz",
        "JOBS_IMMEDIATE": True, "MAIL_BACKEND": "locmem",
    })
    with pytest.MonkeyPatch.context() as patch:
        keep_whoosh_segment_names_unique(patch)
        yield app
    with app.app_context():
        db.session.remove()
        empty_tables()
        db.engine.dispose()


def fresh_world(app, index_dir) -> World:
    """Empty every table, the search index and the rate limits, then build the world again (same ids each time)."""
    app.config["SEARCH_INDEX_DIR"] = str(index_dir)
    app.extensions.pop("search_backend", None)
    with app.app_context():
        db.session.remove()
        empty_tables()
        ensure_categories()
    client = app.test_client()
    users = Accounts(app, client)
    return build_world(Shop(app, client, users), users)


@pytest.fixture(scope="module")
def fuzz_world(fuzz_app, tmp_path_factory) -> World:
    return fresh_world(fuzz_app, tmp_path_factory.mktemp("index"))


def keep_whoosh_segment_names_unique(patch: pytest.MonkeyPatch) -> None:
    """Hypothesis reseeds the global `random` before every example, and Whoosh names index segments with it, so
    two examples would write segments of the same name; production processes never reseed."""
    import random
    import string

    import whoosh.codec.base

    system = random.SystemRandom()
    patch.setattr(whoosh.codec.base, "random_name",
                  lambda size=28: "".join(system.choice(string.ascii_lowercase + string.digits) for _ in range(size)))
