"""Stock taken by a checkout or given back by a cancellation is in the very next listing and product page, even
when the catalog's reads are cached."""
from __future__ import annotations

import pytest

API = "/api/v1"


@pytest.mark.parametrize("response_cache_seconds", [300, 0])
def test_the_last_units_bought_leave_the_in_stock_listing_and_come_back_when_cancelled(
        market, users, client, app_config, response_cache_seconds):
    app_config(RESPONSE_CACHE_SECONDS=response_cache_seconds)
    stocked = market.stocked(quantity=2)
    product_id = stocked.product["id"]

    def shown() -> tuple[list[int], int]:
        listed = client.get(f"{API}/products", query_string={"in_stock": "true"}).json
        assert listed["total"] == len(listed["items"])
        page = client.get(f"{API}/products/{product_id}").json
        return [item["id"] for item in listed["items"]], page["variants"][0]["stock_available"]

    assert shown() == shown() == ([product_id], 2)

    buyer = users.buyer()
    assert market.add(buyer, stocked.variant_id, 2).status_code == 201
    order = market.checkout(buyer)
    assert order.status_code == 201, order.json
    assert shown() == ([], 0)

    cancelled = client.post(f"{API}/orders/{order.json['id']}/cancel", headers=buyer.headers, json={})
    assert cancelled.status_code == 200, cancelled.json
    assert shown() == ([product_id], 2)
