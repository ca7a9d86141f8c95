"""Checkout: one unit of work draws the stock from lots, snapshots prices, and splits the order into parcels."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from marketplace.clock import today
from catalog import stock
from tests.orders.conftest import ADDRESSES, API


def test_a_moroccan_buyer_orders_with_cash_on_delivery_and_the_order_is_confirmed_at_once(market, users):
    honey = market.stocked(quantity=5, amount=12000, weight_grams=1200)
    buyer = users.buyer()
    market.add(buyer, honey.variant_id, 2)

    response = market.checkout(buyer, country="MA", method="cash_on_delivery")

    assert response.status_code == 201, response.json
    order = response.json
    assert order["status"] == "confirmed" and order["number"].startswith("SC-")
    assert [p["status"] for p in order["coop_orders"]] == ["to_ship"]
    # 2 × 1200 g = 2.4 kg → 3 started kg: 35.00 + 3 × 10.00 MAD; honey's VAT is 20 %: 240.00 × 20/120
    assert order["totals"] == {"items": {"amount": 24000, "currency": "MAD"},
                               "shipping": {"amount": 6500, "currency": "MAD"},
                               "vat_included": {"amount": 4000, "currency": "MAD"},
                               "total": {"amount": 30500, "currency": "MAD"},
                               "total_mad": {"amount": 30500, "currency": "MAD"}}
    line = order["lines"][0]
    assert line["lot_codes"] == honey.lot_codes and line["vat_rate_bps"] == 2000
    assert line["coop_order_id"] == order["coop_orders"][0]["id"]
    assert order["payment"]["method"] == "cash_on_delivery" and order["payment"]["status"] == "pending"
    assert [h["status"] for h in order["history"]] == ["confirmed"] and order["history"][0]["by"] == buyer.id
    assert order["shipping_address"]["phone"] == "+212612345678"
    assert market.lot_remaining(honey.lot_codes[0]) == 3
    assert market.cart(buyer).json["groups"] == []


def test_a_senegalese_buyer_cannot_pay_cash_on_delivery(market, users):
    honey = market.stocked(quantity=5)
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)

    response = market.checkout(buyer, country="SN", currency="XOF", method="cash_on_delivery")

    assert response.status_code == 422
    assert response.json["error"]["code"] == "cash_on_delivery_unavailable"
    assert "payment_method" in response.json["error"]["details"]
    assert market.lot_remaining(honey.lot_codes[0]) == 5
    assert len(market.cart(buyer).json["groups"]) == 1


def test_the_same_idempotency_key_and_body_return_the_same_order_and_another_body_is_a_409(market, users):
    honey = market.stocked(quantity=5)
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)

    first = market.checkout(buyer, key="key-1")
    again = market.checkout(buyer, key="key-1")
    other = market.checkout(buyer, key="key-1", currency="EUR")

    assert first.status_code == 201 and again.status_code == 200
    assert again.json["id"] == first.json["id"] and again.json["number"] == first.json["number"]
    assert other.status_code == 409 and other.json["error"]["code"] == "idempotency_key_reused"
    assert market.lot_remaining(honey.lot_codes[0]) == 4
    assert market.client.get(f"{API}/orders", headers=buyer.headers).json["total"] == 1


def test_checkout_without_an_idempotency_key_is_a_422_that_says_so(market, users):
    honey = market.stocked()
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)
    body = {"shipping_address": ADDRESSES["MA"], "currency": "MAD", "payment_method": "cash_on_delivery"}

    response = market.client.post(f"{API}/checkout", json=body, headers=buyer.headers)

    assert response.status_code == 422 and response.json["error"]["code"] == "idempotency_key_required"
    assert "Idempotency-Key" in response.json["error"]["message"]
    assert market.lot_remaining(honey.lot_codes[0]) == 10


@pytest.mark.parametrize("address, field", [
    ({**ADDRESSES["MA"], "phone": "12"}, "phone"),
    ({**ADDRESSES["MA"], "phone": "+212 5"}, "phone"),
    ({**ADDRESSES["SN"], "phone": "+221 12"}, "phone"),
    ({**ADDRESSES["MA"], "country": "XX"}, "country"),
    ({**ADDRESSES["MA"], "country": "ma"}, "country"),
    ({k: v for k, v in ADDRESSES["MA"].items() if k != "line1"}, "line1"),
])
def test_a_bad_address_is_a_422_naming_the_field_and_draws_nothing(market, users, address, field):
    honey = market.stocked()
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)

    response = market.checkout(buyer, shipping_address=address)

    assert response.status_code == 422
    assert field in response.json["error"]["details"]["shipping_address"]
    assert market.lot_remaining(honey.lot_codes[0]) == 10


def test_an_empty_cart_cannot_be_checked_out(market, users):
    response = market.checkout(users.buyer())

    assert response.status_code == 409 and response.json["error"]["code"] == "cart_empty"


def test_lots_are_drawn_first_expiring_first_and_recorded_on_the_line(market, users):
    honey = market.stocked(lots=[(2, today() + timedelta(days=300)), (2, today() + timedelta(days=30))])
    later, sooner = honey.lot_codes
    buyer = users.buyer()
    market.add(buyer, honey.variant_id, 3)

    order = market.checkout(buyer).json

    assert market.lot_remaining(sooner) == 0 and market.lot_remaining(later) == 1
    assert order["lines"][0]["lot_codes"] == sorted([sooner, later])


def test_a_short_variant_is_named_in_one_409_and_nothing_is_drawn(market, users):
    plenty, scarce = market.stocked(quantity=9), market.stocked(quantity=2)
    buyer, rival = users.buyer(), users.buyer()
    market.add(buyer, plenty.variant_id, 3)
    market.add(buyer, scarce.variant_id, 2)
    market.add(rival, scarce.variant_id, 1)
    assert market.checkout(rival).status_code == 201

    response = market.checkout(buyer)

    assert response.status_code == 409 and response.json["error"]["code"] == "out_of_stock"
    assert [(v["variant_id"], v["requested"]) for v in response.json["error"]["details"]["variants"]] == [
        (scarce.variant_id, 2)]
    assert market.lot_remaining(plenty.lot_codes[0]) == 9


def test_two_checkouts_for_the_last_unit_sell_it_once_when_the_second_commits_between_check_and_draw(
        market, users, monkeypatch):
    """Deterministic interleaving: the first checkout has checked sellability and priced its cart; at the named
    point where it is about to lock its variants, the second runs to its commit. The first then finds the lot
    empty and answers 409; nothing is sold twice."""
    honey = market.stocked(quantity=1)
    first, second = users.buyer(), users.buyer()
    market.add(first, honey.variant_id)
    market.add(second, honey.variant_id)
    lock_variants = stock.lock_variants
    answers = {}

    def second_checks_out_meanwhile(variant_ids):
        if "second" not in answers:
            answers["second"] = None
            thread = threading.Thread(target=lambda: answers.update(second=market.checkout(second)))
            thread.start()
            thread.join()
        return lock_variants(variant_ids)

    monkeypatch.setattr(stock, "lock_variants", second_checks_out_meanwhile)

    answers["first"] = market.checkout(first)

    assert answers["second"].status_code == 201
    assert answers["first"].status_code == 409 and answers["first"].json["error"]["code"] == "out_of_stock"
    assert market.lot_remaining(honey.lot_codes[0]) == 0
    assert market.client.get(f"{API}/orders", headers=users.shared_admin().headers).json["total"] == 1
    assert len(market.cart(first).json["groups"]) == 1  # the loser keeps its cart
