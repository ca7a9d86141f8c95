"""The read path is cached (listing totals, ETags, anonymous responses) and never stale: a change that commits is
in the very next listing, search and product page, a certificate past its date leaves the next day, and no
language or signed-in caller is served another's body."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from catalog.models import StockLot
from marketplace.clock import now, today
from marketplace.extensions import db
from tests.catalog.conftest import API


@pytest.fixture(params=["response cache", "no response cache"])
def cached(request, app_config) -> bool:
    """Run the test with anonymous responses stored server-side, and without (totals and ETags always)."""
    app_config(RESPONSE_CACHE_SECONDS=300 if request.param == "response cache" else 0)
    return request.param == "response cache"


class Buyer:
    """An anonymous visitor: what the listing, search and product page show."""

    def __init__(self, client):
        self.client = client

    def listing(self, **query) -> dict:
        response = self.client.get(f"{API}/products", query_string=query)
        assert response.status_code == 200, response.json
        return response.json

    def listed(self, **query) -> list[int]:
        return [item["id"] for item in self.listing(**query)["items"]]

    def found(self, q: str = "miel") -> list[int]:
        response = self.client.get(f"{API}/search", query_string={"q": q})
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]

    def page_status(self, product_id: int) -> int:
        return self.client.get(f"{API}/products/{product_id}").status_code

    def sees(self, product_id: int) -> tuple[bool, bool, bool]:
        """(listed, found by search, product page shown), the listing's total checked against its items."""
        listing = self.listing()
        assert listing["total"] == len(listing["items"])
        return (product_id in [item["id"] for item in listing["items"]], product_id in self.found(),
                self.page_status(product_id) == 200)


@pytest.fixture
def buyer(client) -> Buyer:
    return Buyer(client)


def test_publishing_is_in_the_very_next_listing_search_and_product_page(shop, manager, coop, buyer, cached):
    shop.published(manager, coop, category="honey")
    draft = shop.product(manager, coop, category="honey")
    shop.image(manager, draft["id"])
    shop.certification(coop)
    assert buyer.sees(draft["id"]) == (False, False, False)
    assert buyer.sees(draft["id"]) == (False, False, False)  # now from the caches

    assert shop.publish(manager, draft["id"]).status_code == 200

    assert buyer.sees(draft["id"]) == (True, True, True)
    assert buyer.listing()["total"] == 2


def test_revoking_the_certificate_removes_the_product_at_once(shop, manager, coop, users, buyer, cached):
    product = shop.product(manager, coop, category="honey")
    shop.image(manager, product["id"])
    certificate = shop.certification(coop)
    shop.publish(manager, product["id"])
    assert buyer.sees(product["id"]) == (True, True, True)
    assert buyer.sees(product["id"]) == (True, True, True)

    revoked = shop.client.post(f"{API}/admin/certifications/{certificate}/decision", headers=users.admin().headers,
                               json={"decision": "revoke", "reason": "Inspection failed"})
    assert revoked.status_code == 200, revoked.json

    assert buyer.sees(product["id"]) == (False, False, False)
    assert buyer.listing()["total"] == 0


def test_a_lot_emptied_leaves_the_in_stock_listing_and_the_page_at_once(shop, manager, coop, app, buyer, cached):
    product = shop.published(manager, coop, category="honey")
    shop.lot(manager, product, shop.member(coop), quantity=3, code="LOT-EMPTIED")
    assert buyer.listed(in_stock="true") == [product["id"]]
    stock = buyer.client.get(f"{API}/products/{product['id']}").json["variants"][0]["stock_available"]
    assert stock == 3

    with app.app_context():  # a lot edited in the database, as a correction would
        db.session.execute(update(StockLot).where(StockLot.lot_code == "LOT-EMPTIED").values(quantity_remaining=0))
        db.session.commit()

    assert buyer.listed(in_stock="true") == [] and buyer.listing(in_stock="true")["total"] == 0
    assert buyer.listed(in_stock="false") == [product["id"]]
    assert buyer.client.get(f"{API}/products/{product['id']}").json["variants"][0]["stock_available"] == 0


def test_a_certificate_past_its_date_leaves_a_cached_listing_the_next_day(shop, manager, coop, buyer, cached,
                                                                          time_machine):
    time_machine.move_to(now())
    product = shop.product(manager, coop, category="honey")
    shop.image(manager, product["id"])
    shop.certification(coop, expires_on=today())
    shop.publish(manager, product["id"])
    before = buyer.client.get(f"{API}/products")
    assert [item["id"] for item in before.json["items"]] == [product["id"]]
    assert buyer.sees(product["id"]) == (True, True, True)

    time_machine.move_to(now() + timedelta(days=1))

    after = buyer.client.get(f"{API}/products", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.json["items"] == [] and after.json["total"] == 0
    assert after.headers["ETag"] != before.headers["ETag"]
    assert buyer.sees(product["id"]) == (False, False, False)


@pytest.mark.parametrize("path", ["/categories", "/products", "/products?sort=price_asc&per_page=5", "/search?q=miel",
                                  "/search/suggest?q=mie", "/products/{id}"])
def test_a_repeated_request_with_its_etag_is_304_until_the_catalog_changes(shop, manager, coop, client, path):
    product = shop.published(manager, coop, category="honey")
    url = API + path.replace("{id}", str(product["id"]))
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=30"
    assert {"Accept-Language", "Authorization"} <= set(first.vary)

    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"] and again.headers["Cache-Control"] == "public, max-age=30"

    shop.published(manager, coop, category="honey")
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


def test_each_language_gets_its_own_etag_and_cached_body(shop, manager, coop, client, cached):
    product = shop.published(manager, coop, category="honey", name={"fr": "Miel de thym", "ar": "عسل الزعتر"})
    url = f"{API}/products/{product['id']}"

    def display(language: str):
        response = client.get(url, headers={"Accept-Language": language})
        return response.json["display_name"], response.headers["ETag"]

    (arabic, arabic_tag), (french, french_tag) = display("ar"), display("fr")
    assert (arabic, french) == ("عسل الزعتر", "Miel de thym") and arabic_tag != french_tag
    assert display("ar") == (arabic, arabic_tag) and display("fr-FR") == (french, french_tag)
    assert client.get(url, headers={"Accept-Language": "fr", "If-None-Match": arabic_tag}).status_code == 200


def test_a_signed_in_caller_is_never_served_or_stored_in_the_shared_cache(shop, manager, coop, client, cached):
    product = shop.published(manager, coop, category="honey")
    url = f"{API}/products/{product['id']}"
    anonymous = client.get(url)
    assert "sellability_reasons" not in anonymous.json

    signed_in = client.get(url, headers={**manager.headers, "If-None-Match": anonymous.headers["ETag"]})
    assert signed_in.status_code == 200 and signed_in.json["sellability_reasons"] == []
    assert signed_in.headers["Cache-Control"] == "private, no-store" and "ETag" not in signed_in.headers
    assert "Authorization" in signed_in.vary

    assert "sellability_reasons" not in client.get(url).json


def test_a_wrong_token_is_still_a_401_not_a_cached_page(shop, manager, coop, client, cached):
    shop.published(manager, coop, category="honey")
    assert client.get(f"{API}/products").status_code == 200
    response = client.get(f"{API}/products", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.json["error"]["code"] == "invalid_token"


def test_two_servers_sharing_redis_never_serve_a_listing_older_than_a_commit(shop, manager, coop, app, client):
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError:
        pytest.skip("needs Redis at 127.0.0.1:6379")
    from marketplace import create_app

    config = {key: app.config[key] for key in ("DATABASE_URL", "MEDIA_ROOT", "SEARCH_INDEX_DIR", "TESTING")}
    servers = [create_app({**config, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url,
                           "CACHE_KEY_PREFIX": f"souk-test-{uuid.uuid4().hex}:"}).test_client() for _ in range(2)]
    first = shop.published(manager, coop, category="honey")
    listed = [server.get(f"{API}/products").json for server in servers]
    assert [[item["id"] for item in body["items"]] for body in listed] == [[first["id"]]] * 2

    second = shop.published(manager, coop, category="honey")  # through a third app: the test's own

    for server in servers:
        body = server.get(f"{API}/products").json
        assert sorted(item["id"] for item in body["items"]) == sorted([first["id"], second["id"]])
        assert body["total"] == 2
