"""The cart: lines at the current catalog price, grouped by cooperative, priced in the buyer's currency."""
from __future__ import annotations

import pytest

from cooperatives.models import Certification
from marketplace.exchange_rates import ExchangeRate
from marketplace.extensions import db
from tests.orders.conftest import API


def test_a_cart_groups_lines_by_cooperative_and_prices_them_in_the_asked_currency(market, users):
    honey = market.stocked(amount=12000)
    oil = market.stocked(amount=25050)
    buyer = users.buyer()
    assert market.add(buyer, honey.variant_id, 2).status_code == 201
    assert market.add(buyer, oil.variant_id, 1).status_code == 201

    mad = market.cart(buyer).json
    xof = market.cart(buyer, "XOF").json

    assert [g["cooperative"]["id"] for g in mad["groups"]] == sorted([honey.seller.cooperative_id,
                                                                       oil.seller.cooperative_id])
    assert mad["totals"]["items"] == {"amount": 2 * 12000 + 25050, "currency": "MAD"}
    assert xof["exchange_rate"] == "60.41"
    lines = {item["variant_id"]: item for group in xof["groups"] for item in group["items"]}
    # 120.00 MAD × 60.41 = 7249.2 XOF → 7249 (no decimals); 250.50 × 60.41 = 15132.705 → 15133
    assert lines[honey.variant_id]["unit_price"] == {"amount": 7249, "currency": "XOF"}
    assert lines[honey.variant_id]["line_total"] == {"amount": 14498, "currency": "XOF"}
    assert lines[oil.variant_id]["unit_price"] == {"amount": 15133, "currency": "XOF"}
    assert xof["totals"]["total"] == {"amount": 14498 + 15133, "currency": "XOF"}
    assert lines[honey.variant_id]["stock_available"] == 10 and lines[honey.variant_id]["sellable"] is True


def test_adding_the_same_variant_again_adds_to_its_line_within_the_stock(market, users):
    honey = market.stocked(quantity=3)
    buyer = users.buyer()
    market.add(buyer, honey.variant_id, 2)

    refused = market.add(buyer, honey.variant_id, 2)

    assert refused.status_code == 409 and refused.json["error"]["code"] == "out_of_stock"
    assert refused.json["error"]["details"]["variants"] == [
        {"variant_id": honey.variant_id, "requested": 4, "available": 3}]
    assert market.add(buyer, honey.variant_id, 1).json["groups"][0]["items"][0]["quantity"] == 3


def test_a_food_product_without_its_certificate_is_refused_with_certification_required(market, users):
    seller = market.seller()
    cosmetics = market.stocked(seller, category="argan-cosmetics")
    honey = market.stocked(seller)
    buyer = users.buyer()
    with market.app.app_context():
        db.session.query(Certification).filter_by(cooperative_id=seller.cooperative_id).update({"status": "revoked"})
        db.session.commit()

    refused = market.add(buyer, honey.variant_id)

    assert refused.status_code == 409 and refused.json["error"]["code"] == "certification_required"
    assert market.add(buyer, cosmetics.variant_id).status_code == 201  # not food: no certificate needed


def test_a_line_whose_product_was_unpublished_stays_marked_unsellable_and_blocks_checkout(market, users, shop):
    honey = market.stocked()
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)
    assert market.client.post(f"{API}/products/{honey.product['id']}/unpublish",
                              headers=honey.seller.manager.headers).status_code == 200

    item = market.cart(buyer).json["groups"][0]["items"][0]
    blocked = market.checkout(buyer)

    assert item["sellable"] is False
    assert blocked.status_code == 409 and blocked.json["error"]["code"] == "not_sellable"
    assert blocked.json["error"]["details"]["items"] == [{"id": item["id"], "variant_id": honey.variant_id}]
    assert market.client.delete(f"{API}/cart/items/{item['id']}", headers=buyer.headers).status_code == 204
    assert market.cart(buyer).json["groups"] == []


def test_an_unpublished_variant_cannot_be_added(market, users, shop):
    seller = market.seller()
    draft = shop.product(seller.manager, seller.cooperative_id)

    refused = market.add(users.buyer(), draft["variants"][0]["id"])

    assert refused.status_code == 409 and refused.json["error"]["code"] == "not_sellable"


def test_a_buyer_changes_only_its_own_cart_lines(market, users):
    honey = market.stocked()
    alice, bob = users.buyer(), users.buyer()
    item_id = market.add(alice, honey.variant_id).json["groups"][0]["items"][0]["id"]

    assert market.client.patch(f"{API}/cart/items/{item_id}", json={"quantity": 2},
                               headers=bob.headers).status_code == 404
    assert market.client.delete(f"{API}/cart/items/{item_id}", headers=bob.headers).status_code == 404
    changed = market.client.patch(f"{API}/cart/items/{item_id}", json={"quantity": 4}, headers=alice.headers)
    assert changed.status_code == 200 and changed.json["groups"][0]["items"][0]["quantity"] == 4


@pytest.mark.parametrize("body, field", [
    ({"variant_id": 1, "quantity": 0}, "quantity"),
    ({"variant_id": 1, "quantity": "2"}, "quantity"),
    ({"quantity": 1}, "variant_id"),
    ({"variant_id": 1, "quantity": 1000}, "quantity"),
])
def test_bad_cart_lines_are_422_naming_the_field(market, users, body, field):
    response = market.client.post(f"{API}/cart/items", json=body, headers=users.buyer().headers)

    assert response.status_code == 422 and field in response.json["error"]["details"]


def test_the_cart_is_for_buyers(market, users):
    assert market.client.get(f"{API}/cart", headers=users.cooperative().headers).status_code == 403
    assert market.client.get(f"{API}/cart").status_code == 401


def test_a_currency_without_a_rate_is_a_409(market, users, app):
    with app.app_context():
        db.session.query(ExchangeRate).filter_by(currency="XAF").delete()
        db.session.commit()

    response = market.cart(users.buyer(), "XAF")

    assert response.status_code == 409 and response.json["error"]["code"] == "exchange_rate_missing"
