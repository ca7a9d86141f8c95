"""Fixtures of the whole-API checks: the catalog and cooperative builders, and one small world with a resource
of every kind, so that a request whose only fault is the one under test reaches its service."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.catalog.conftest import Shop, shop  # noqa: F401  (fixtures re-exported for this folder)
from tests.conftest import Account


@dataclass
class World:
    manager: Account
    buyer: Account
    admin: Account
    cooperative_id: int
    member_id: int
    product: dict


@pytest.fixture
def world(shop: Shop, users) -> World:
    manager = users.cooperative()
    cooperative_id = shop.cooperative(manager)
    member_id = shop.member(cooperative_id)
    product = shop.published(manager, cooperative_id)
    assert shop.lot(manager, product, member_id).status_code == 201
    return World(manager=manager, buyer=users.buyer(), admin=users.shared_admin(), cooperative_id=cooperative_id,
                 member_id=member_id, product=product)
