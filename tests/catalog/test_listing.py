"""GET /products: only sellable products, the filters and sorts of API.md, and a constant number of queries."""
from datetime import timedelta

import pytest

from marketplace.clock import now, today
from marketplace.extensions import cache
from tests.catalog.conftest import API, variant_body


@pytest.fixture
def catalog(shop, manager, coop, users):
    """Three cooperatives' products across categories, regions and prices."""
    other = users.cooperative()
    oasis = shop.cooperative(other, region="draa-tafilalet", sector="agriculture")
    member = shop.member(coop)
    products = {
        "honey": shop.published(manager, coop, category="honey", amount=15000),
        "amlou": shop.published(manager, coop, category="amlou", amount=8000),
        "pottery": shop.published(manager, coop, category="pottery", certify=False, amount=30000,
                                  origin_region="marrakech-safi"),
        "dates": shop.published(other, oasis, category="dates-dried-fruit", amount=6000),
        "rug": shop.published(other, oasis, category="rugs-weaving", certify=False, amount=250000),
    }
    shop.certification(oasis, kind="igp", product_ids=(products["dates"]["id"],))
    assert shop.lot(manager, products["honey"], member, quantity=5).status_code == 201
    return {name: product["id"] for name, product in products.items()}


def test_only_sellable_published_products_are_listed(shop, manager, coop, catalog):
    draft = shop.product(manager, coop, category="pottery")
    uncertified = shop.product(manager, coop, category="olive-oil")
    assert sorted(shop.listed_ids()) == sorted(catalog.values())
    assert draft["id"] not in shop.listed_ids() and uncertified["id"] not in shop.listed_ids()


def test_the_list_envelope_and_items_follow_the_api(shop, client, catalog):
    response = client.get(f"{API}/products", query_string={"per_page": 2, "page": 2})
    assert response.status_code == 200
    assert set(response.json) == {"items", "total", "page", "per_page", "next"}
    assert (response.json["total"], response.json["page"], response.json["per_page"]) == (5, 2, 2)
    item = response.json["items"][0]
    assert set(item["cooperative"]) == {"id", "name", "region"}
    assert set(item["variants"][0]) == {"id", "sku", "label", "weight_grams", "price", "stock_available"}


@pytest.mark.parametrize("query, expected", [
    ({"category": "honey"}, ["honey"]),
    ({"category": "food"}, ["amlou", "dates", "honey"]),
    ({"category": "crafts"}, ["pottery", "rug"]),
    ({"category": "cosmetics"}, []),
    ({"region": "marrakech-safi"}, ["pottery"]),
    ({"region": "souss-massa"}, ["amlou", "honey"]),
    ({"certification": "igp"}, ["dates"]),
    ({"certification": "onssa_authorization"}, ["amlou", "dates", "honey"]),
    ({"min_price": 8000, "max_price": 30000}, ["amlou", "honey", "pottery"]),
    ({"max_price": 6000}, ["dates"]),
    ({"in_stock": "true"}, ["honey"]),
    ({"in_stock": "false"}, ["amlou", "dates", "pottery", "rug"]),
    ({"category": "food", "region": "souss-massa", "max_price": 10000}, ["amlou"]),
])
def test_filters_narrow_the_list(shop, catalog, query, expected):
    names = {product_id: name for name, product_id in catalog.items()}
    assert sorted(names[i] for i in shop.listed_ids(**query)) == expected


def test_filtering_by_cooperative(shop, coop, catalog):
    assert sorted(shop.listed_ids(cooperative_id=coop)) == sorted([catalog["honey"], catalog["amlou"],
                                                                    catalog["pottery"]])


@pytest.mark.parametrize("sort, expected", [
    ("price_asc", ["dates", "amlou", "honey", "pottery", "rug"]),
    ("price_desc", ["rug", "pottery", "honey", "amlou", "dates"]),
    ("newest", ["rug", "dates", "pottery", "amlou", "honey"]),
])
def test_sorting(shop, catalog, sort, expected):
    names = {product_id: name for name, product_id in catalog.items()}
    assert [names[i] for i in shop.listed_ids(sort=sort)] == expected


def test_the_price_filter_and_sort_use_the_cheapest_variant(shop, manager, coop, client):
    product = shop.product(manager, coop, category="jewelry", variants=[variant_body(amount=90000)])
    client.post(f"{API}/products/{product['id']}/variants", json=variant_body(amount=40000), headers=manager.headers)
    shop.image(manager, product["id"])
    shop.publish(manager, product["id"])
    assert shop.listed_ids(max_price=40000) == [product["id"]]
    assert shop.listed_ids(min_price=40001) == []


@pytest.mark.parametrize("query", [{"category": "unknown"}, {"region": "paris"}, {"certification": "iso9001"},
                                   {"min_price": -1}, {"min_price": 2.5}, {"min_price": 500, "max_price": 100},
                                   {"sort": "random"}, {"per_page": 101}, {"page": 0}, {"in_stock": "maybe"}])
def test_bad_filters_are_422(client, shop, query):
    response = client.get(f"{API}/products", query_string=query)
    assert response.status_code == 422 and response.json["error"]["code"] == "validation_error"


def test_a_list_shows_the_first_image_only_and_the_detail_all_of_them(shop, manager, coop, client):
    product = shop.published(manager, coop, category="basketry", certify=False)
    second = shop.image(manager, product["id"]).json
    listed = client.get(f"{API}/products").json["items"][0]
    detail = client.get(f"{API}/products/{product['id']}").json
    assert [image["id"] for image in listed["images"]] == [product["images"][0]["id"]]
    assert [image["id"] for image in detail["images"]] == [product["images"][0]["id"], second["id"]]


def test_stock_available_counts_unexpired_lots_only(shop, manager, coop, client):
    product = shop.published(manager, coop, category="pottery", certify=False)
    member = shop.member(coop)
    shop.lot(manager, product, member, quantity=7)
    shop.lot(manager, product, member, quantity=4, best_before=today())
    variant = client.get(f"{API}/products/{product['id']}").json["variants"][0]
    assert variant["stock_available"] == 11


def test_display_name_follows_accept_language_with_a_french_fallback(shop, manager, coop, client):
    shop.published(manager, coop, category="pottery", certify=False, name={"fr": "Tajine de Safi", "ar": "طاجين آسفي"})
    def display(language):
        return client.get(f"{API}/products", headers={"Accept-Language": language}).json["items"][0]["display_name"]
    assert (display("ar"), display("fr-FR"), display("en"), display("de")) == \
        ("طاجين آسفي", "Tajine de Safi", "Tajine de Safi", "Tajine de Safi")


def make_products(shop, manager, coop, count: int) -> None:
    member = shop.member(coop)
    shop.certification(coop)
    for n in range(count):
        product = shop.product(manager, coop, category=("honey", "pottery")[n % 2], variants=2)
        shop.image(manager, product["id"])
        shop.image(manager, product["id"])
        assert shop.publish(manager, product["id"]).status_code == 200
        shop.lot(manager, product, member)


def test_the_listing_runs_the_same_number_of_queries_for_5_or_50_products(shop, manager, coop, app, app_config, client,
                                                                           queries):
    make_products(shop, manager, coop, 50)
    shop.certification(coop, kind="organic")
    app_config(RESPONSE_CACHE_SECONDS=0)

    def count(per_page: int, headers=None, *, total_cached: bool = False) -> int:
        if not total_cached:
            with app.app_context():
                cache.clear()
        queries.reset()
        response = client.get(f"{API}/products", query_string={"per_page": per_page, "in_stock": "true"},
                              headers=headers or {})
        assert response.status_code == 200 and len(response.json["items"]) == per_page
        assert all(item["certifications"] and item["variants"][0]["stock_available"] == 10
                   for item in response.json["items"])
        return queries.count

    assert count(5) == count(50)
    # the total of a filter set is counted once per catalog version and day: one query less
    assert count(5, total_cached=True) == count(50, total_cached=True) == count(5) - 1
    assert count(5, manager.headers) == count(50, manager.headers)


def test_the_detail_runs_a_constant_number_of_queries(shop, manager, coop, client, queries):
    make_products(shop, manager, coop, 2)
    few = shop.listed_ids()[0]
    many = shop.product(manager, coop, category="pottery", variants=6)
    for _ in range(5):
        shop.image(manager, many["id"])
    shop.publish(manager, many["id"])
    for n in range(3):
        shop.certification(coop, kind="organic")

    def count(product_id: int) -> int:
        queries.reset()
        assert client.get(f"{API}/products/{product_id}").status_code == 200
        return queries.count

    assert count(few) == count(many["id"])


def test_a_manager_lists_their_own_drafts_on_request_but_not_other_peoples(shop, manager, coop, users):
    mine = shop.product(manager, coop)
    stranger = users.cooperative()
    theirs = shop.product(stranger, shop.cooperative(stranger))
    assert mine["id"] not in shop.listed_ids(manager.headers)
    listed = shop.listed_ids(manager.headers, include_unsellable="true")
    assert mine["id"] in listed and theirs["id"] not in listed
    assert shop.listed_ids(users.buyer().headers, include_unsellable="true") == []
    assert sorted(shop.listed_ids(users.admin().headers, include_unsellable="true")) == sorted([mine["id"],
                                                                                                 theirs["id"]])


def test_a_lot_past_its_best_before_date_no_longer_counts(shop, manager, coop, client, time_machine):
    product = shop.published(manager, coop, category="pottery", certify=False)
    shop.lot(manager, product, shop.member(coop), quantity=3, best_before=today())
    assert shop.listed_ids(in_stock="true") == [product["id"]]
    time_machine.move_to(now() + timedelta(days=1))
    assert shop.listed_ids(in_stock="true") == []
