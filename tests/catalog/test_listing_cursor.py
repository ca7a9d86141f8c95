"""GET /products?after=<cursor>: keyset pages in every sort, whole and without repeats while products are added,
opaque and validated, and as cheap at any depth."""
from __future__ import annotations

import itertools

import pytest

from tests.catalog.conftest import API

PRICES = [9000, 3000, 9000, 15000, 3000, 7000, 9000]
SORTS = ["newest", "price_asc", "price_desc"]


@pytest.fixture
def listed(shop, manager, coop) -> list[int]:
    """Seven published products, ties on price included."""
    return [shop.published(manager, coop, category="pottery", certify=False, amount=amount)["id"]
            for amount in PRICES]


def page(client, **query) -> dict:
    response = client.get(f"{API}/products", query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def walk(client, sort: str, per_page: int, between_pages=lambda n: None) -> list[int]:
    """Every id from page 1 following `next`, calling `between_pages(n)` after the n-th page."""
    seen, body = [], page(client, sort=sort, per_page=per_page)
    for n in itertools.count(1):
        seen += [item["id"] for item in body["items"]]
        if body["next"] is None:
            return seen
        between_pages(n)
        body = page(client, sort=sort, per_page=per_page, after=body["next"])


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("per_page", [1, 2, 3, 7, 100])
def test_following_next_walks_the_listing_in_its_order(client, listed, sort, per_page):
    everything = [item["id"] for item in page(client, sort=sort, per_page=100)["items"]]
    assert sorted(everything) == sorted(listed)
    assert walk(client, sort, per_page) == everything


@pytest.mark.parametrize("sort", SORTS)
def test_products_published_during_the_walk_never_repeat_or_hide_one(shop, manager, coop, client, listed, sort):
    before = [item["id"] for item in page(client, sort=sort, per_page=100)["items"]]
    prices = itertools.cycle([1000, 9000, 20000, 3000])

    def publish_two(_n: int) -> None:
        for _ in range(2):
            shop.published(manager, coop, category="pottery", certify=False, amount=next(prices))

    seen = walk(client, sort, 2, publish_two)
    assert len(seen) == len(set(seen))
    assert [product_id for product_id in seen if product_id in before] == before
    # the same walk with page numbers repeats products as new ones push the others down
    offsets = []
    for number in range(1, 5):
        offsets += [item["id"] for item in page(client, sort="newest", per_page=2, page=number)["items"]]
        publish_two(number)
    assert len(offsets) != len(set(offsets))


@pytest.mark.parametrize("sort", SORTS)
def test_a_managers_walk_reaches_drafts_without_a_price_last(shop, manager, coop, client, listed, sort):
    unpriced = [shop.product(manager, coop, category="pottery", variants=[])["id"] for _ in range(3)]
    query = {"sort": sort, "per_page": 2, "include_unsellable": "true"}
    seen, body = [], client.get(f"{API}/products", query_string=query, headers=manager.headers).json
    while True:
        seen += [item["id"] for item in body["items"]]
        if body["next"] is None:
            break
        body = client.get(f"{API}/products", query_string={**query, "after": body["next"]},
                          headers=manager.headers).json
    assert sorted(seen) == sorted(listed + unpriced) and len(seen) == len(set(seen))
    if sort != "newest":
        assert seen[-3:] == (unpriced if sort == "price_asc" else unpriced[::-1])


def test_the_last_page_has_no_next_and_a_page_number_gets_a_next_too(client, listed):
    assert page(client, per_page=7)["next"] is None
    second = page(client, per_page=3, page=2)
    assert second["next"] and second["page"] == 2
    third = page(client, per_page=3, after=second["next"])
    assert [item["id"] for item in third["items"]] == [item["id"] for item in page(client, per_page=3, page=3)["items"]]
    assert third["total"] == 7


@pytest.mark.parametrize("after", ["garbage", "", "eyJhIjoxfQ", "W10.x", "a" * 300])
def test_a_cursor_not_issued_by_the_server_is_a_422(client, listed, after):
    response = client.get(f"{API}/products", query_string={"after": after})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error" and "after" in str(response.json["error"]["details"])


def test_a_forged_cursor_is_a_422(app, client, listed):
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer("not the key", salt="catalog.products.after").dumps(["newest", "2020-01-01T00:00:00+00:00", 1])
    assert client.get(f"{API}/products", query_string={"after": forged}).status_code == 422


def test_a_cursor_of_another_sort_or_beside_a_page_number_is_a_422(client, listed):
    cursor = page(client, sort="price_asc", per_page=2)["next"]
    other_sort = client.get(f"{API}/products", query_string={"after": cursor, "sort": "newest"})
    assert other_sort.status_code == 422 and "after" in other_sort.json["error"]["details"]
    both = client.get(f"{API}/products", query_string={"after": cursor, "sort": "price_asc", "page": 2})
    assert both.status_code == 422 and "after" in both.json["error"]["details"]


def test_a_cursor_page_runs_the_same_queries_whatever_its_size(shop, manager, coop, client, app_config, queries,
                                                              listed):
    app_config(RESPONSE_CACHE_SECONDS=0)
    cursor = page(client, sort="price_desc", per_page=1)["next"]

    def count(per_page: int) -> int:
        queries.reset()
        body = page(client, sort="price_desc", per_page=per_page, after=cursor)
        assert len(body["items"]) == min(per_page, 6)
        return queries.count

    assert count(1) == count(6)
