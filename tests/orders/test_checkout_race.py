"""A real race on PostgreSQL: many buyers check out the same last units at the same time."""
from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest

from marketplace.clock import today
from tests.conftest import POSTGRES_URL
from tests.orders.conftest import ADDRESSES, API

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL")


def test_sixty_concurrent_checkouts_for_twenty_units_sell_exactly_twenty(market, users, app):
    # two lots, so concurrent draws also meet on the lot rows, not only on the variant
    honey = market.stocked(lots=[(12, today() + timedelta(days=40)), (8, today() + timedelta(days=400))])
    buyers = [users.buyer() for _ in range(60)]
    for buyer in buyers:
        assert market.add(buyer, honey.variant_id).status_code == 201
    body = {"shipping_address": ADDRESSES["MA"], "currency": "MAD", "payment_method": "cash_on_delivery"}
    start = threading.Barrier(len(buyers))
    statuses: list[int] = []

    def check_out(buyer):
        client = app.test_client()
        start.wait()
        response = client.post(f"{API}/checkout", json=body,
                               headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=check_out, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(statuses) == {201: 20, 409: 40}
    assert [market.lot_remaining(code) for code in honey.lot_codes] == [0, 0]
    orders = market.client.get(f"{API}/orders", query_string={"per_page": 100},
                               headers=users.shared_admin().headers).json
    assert orders["total"] == 20 and sum(o["lines"][0]["quantity"] for o in orders["items"]) == 20
