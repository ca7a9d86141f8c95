"""Variants: add, edit, delete (archived when they have stock history)."""
import pytest
from sqlalchemy import select

from catalog.models import Product, ProductVariant
from marketplace.extensions import db
from tests.catalog.conftest import API, variant_body


def variants_path(product: dict, variant_id: int | None = None) -> str:
    return f"{API}/products/{product['id']}/variants" + (f"/{variant_id}" if variant_id else "")


def test_a_manager_adds_a_variant_and_it_shows_on_the_product(shop, manager, coop, client):
    product = shop.product(manager, coop, variants=0)
    response = client.post(variants_path(product), headers=manager.headers,
                           json=variant_body("HONEY-1KG", label="1 kg", weight_grams=1000, amount=29000))
    assert response.status_code == 201, response.json
    assert response.json == {"id": response.json["id"], "sku": "HONEY-1KG", "label": "1 kg", "weight_grams": 1000,
                             "price": {"amount": 29000, "currency": "MAD"}, "stock_available": 0}
    detail = client.get(f"{API}/products/{product['id']}", headers=manager.headers).json
    assert [v["sku"] for v in detail["variants"]] == ["HONEY-1KG"]


def test_editing_a_price_moves_the_products_cheapest_price(shop, manager, coop, client):
    product = shop.product(manager, coop, variants=[variant_body("A", amount=5000), variant_body("B", amount=7000)])
    cheap = product["variants"][0]["id"]
    response = client.patch(variants_path(product, cheap), json={"price": {"amount": 9000, "currency": "MAD"}},
                            headers=manager.headers)
    assert response.status_code == 200 and response.json["price"]["amount"] == 9000
    with shop.app.app_context():
        assert db.session.get(Product, product["id"]).price_min == 7000


@pytest.mark.parametrize("changes", [{"price": {"amount": 12.5, "currency": "MAD"}},
                                     {"price": {"amount": 1200, "currency": "EUR"}},
                                     {"price": {"amount": -1, "currency": "MAD"}}, {"weight_grams": 0},
                                     {"sku": ""}, {"reserved": 0}, {"label": None}])
def test_bad_variant_edits_are_422_and_change_nothing(shop, manager, coop, client, changes):
    product = shop.product(manager, coop)
    variant = product["variants"][0]
    response = client.patch(variants_path(product, variant["id"]), json=changes, headers=manager.headers)
    assert response.status_code == 422
    assert client.get(f"{API}/products/{product['id']}", headers=manager.headers).json["variants"] == [variant]


def test_a_duplicate_sku_on_another_variant_is_a_409(shop, manager, coop, client):
    product = shop.product(manager, coop, variants=[variant_body("ONE"), variant_body("TWO")])
    response = client.patch(variants_path(product, product["variants"][1]["id"]), json={"sku": "ONE"},
                            headers=manager.headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "duplicate_sku"
    added = client.post(variants_path(product), json=variant_body("TWO"), headers=manager.headers)
    assert added.status_code == 409 and added.json["error"]["code"] == "duplicate_sku"


def test_a_variant_without_stock_history_is_deleted(shop, manager, coop, client):
    product = shop.product(manager, coop)
    variant_id = product["variants"][0]["id"]
    assert client.delete(variants_path(product, variant_id), headers=manager.headers).status_code == 204
    with shop.app.app_context():
        assert db.session.get(ProductVariant, variant_id) is None
    assert client.delete(variants_path(product, variant_id), headers=manager.headers).status_code == 404


def test_a_variant_with_lots_is_archived_so_its_lots_stay_traceable(shop, manager, coop, client):
    product = shop.product(manager, coop, variants=2)
    lot = shop.lot(manager, product, shop.member(coop), code="LOT-KEEP").json
    assert client.delete(variants_path(product, lot["variant_id"]), headers=manager.headers).status_code == 204
    detail = client.get(f"{API}/products/{product['id']}", headers=manager.headers).json
    assert lot["variant_id"] not in [v["id"] for v in detail["variants"]]
    assert client.get(f"{API}/lots/LOT-KEEP/trace", headers=manager.headers).status_code == 200
    assert client.patch(variants_path(product, lot["variant_id"]), json={"label": "x"},
                        headers=manager.headers).status_code == 404


def test_a_variant_held_by_orders_cannot_be_deleted(shop, manager, coop, client):
    product = shop.product(manager, coop, variants=2)
    variant_id = product["variants"][0]["id"]
    with shop.app.app_context():
        db.session.get(ProductVariant, variant_id).reserved = 2
        db.session.commit()
    response = client.delete(variants_path(product, variant_id), headers=manager.headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "variant_reserved"


def test_a_published_product_keeps_its_last_variant(shop, manager, coop, client):
    product = shop.published(manager, coop, category="leather", certify=False)
    response = client.delete(variants_path(product, product["variants"][0]["id"]), headers=manager.headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "last_variant"


def test_variants_of_someone_elses_product_are_404(shop, manager, coop, users, client):
    product = shop.product(manager, coop)
    intruder = users.cooperative()
    variant_id = product["variants"][0]["id"]
    assert client.patch(variants_path(product, variant_id), json={"label": "x"},
                        headers=intruder.headers).status_code == 404
    assert client.delete(variants_path(product, variant_id), headers=intruder.headers).status_code == 404
    with shop.app.app_context():
        assert db.session.scalar(select(ProductVariant.label).where(ProductVariant.id == variant_id)) == "500 g"


def test_a_variant_of_another_product_is_not_reachable_through_this_one(shop, manager, coop, client):
    first, second = shop.product(manager, coop), shop.product(manager, coop)
    response = client.patch(variants_path(first, second["variants"][0]["id"]), json={"label": "x"},
                            headers=manager.headers)
    assert response.status_code == 404
