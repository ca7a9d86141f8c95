"""Small things a new user noticed: docs URL with a slash, demo exchange rates, in_stock documented, price_from,
the static folder."""
from __future__ import annotations

from marketplace.cli import DEMO_RATES, load_demo_rates
from marketplace.config import BASE_DIR
from marketplace.exchange_rates import set_rates
from tests.catalog.conftest import API, variant_body


def test_the_docs_answer_with_or_without_a_trailing_slash(client):
    with_slash = client.get("/api/docs/")
    assert with_slash.status_code == 308 and with_slash.headers["Location"].endswith("/api/docs")
    assert client.get("/api/docs").status_code == 200


def test_the_demo_sets_exchange_rates_once(app, client):
    from decimal import Decimal

    with app.app_context():
        load_demo_rates()
    assert client.get(f"{API}/exchange-rates").json["rates"] == DEMO_RATES
    with app.app_context():
        set_rates({"EUR": Decimal("0.0930")}, actor_id=None)
        load_demo_rates()  # a second load keeps what an administrator set
    assert client.get(f"{API}/exchange-rates").json["rates"]["EUR"] == "0.0930"


def test_in_stock_is_documented_both_ways(client):
    document = client.get("/api/v1/openapi.json").json
    [in_stock] = [p for p in document["paths"]["/api/v1/products"]["get"]["parameters"] if p["name"] == "in_stock"]
    assert "false" in in_stock["description"] and "true" in in_stock["description"]


def test_product_summaries_carry_the_cheapest_price(shop, manager, coop, client):
    product = shop.published(manager, coop, category="pottery", certify=False,
                             variants=[variant_body(amount=12000), variant_body(amount=9000)])
    [summary] = client.get(f"{API}/products").json["items"]
    assert summary["id"] == product["id"]
    assert summary["price_from"] == {"amount": 9000, "currency": "MAD"}


def test_a_fresh_clone_has_the_static_folder():
    assert (BASE_DIR / "static").is_dir() and (BASE_DIR / "static" / ".gitkeep").is_file()
