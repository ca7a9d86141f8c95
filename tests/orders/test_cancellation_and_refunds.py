"""Cancellation returns stock to the same lots; refunds never exceed what was captured, per line and in total."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from marketplace.clock import today
from tests.orders.conftest import API
from tests.orders.stripe_server import post_event, stripe_event
from tests.orders.test_card_payments import paid_intent


def refund(market, account, order_id, *, key=None, **body):
    body = {"lines": [], "include_shipping": False, "reason": "damaged jar", "restock": False, **body}
    return market.client.post(f"{API}/orders/{order_id}/refunds", json=body,
                              headers={**account.headers, "Idempotency-Key": key or uuid.uuid4().hex})


def delivered_cod_order(market, users, *products, quantity=2):
    buyer = users.buyer()
    for product in products:
        market.add(buyer, product.variant_id, quantity)
    order = market.checkout(buyer).json
    for parcel in order["coop_orders"]:
        seller = next(p.seller for p in products if p.seller.cooperative_id == parcel["cooperative_id"])
        market.client.post(f"{API}/coop-orders/{parcel['id']}/ship", json={"carrier": "Amana", "tracking_number": "1"},
                           headers=seller.manager.headers)
        market.client.post(f"{API}/coop-orders/{parcel['id']}/deliver", json={}, headers=seller.manager.headers)
    return buyer, market.order(buyer, order["id"]).json


def test_cancelling_returns_the_units_to_the_same_lots(market, users):
    honey = market.stocked(lots=[(2, today() + timedelta(days=30)), (5, today() + timedelta(days=300))])
    sooner, later = honey.lot_codes
    buyer = users.buyer()
    market.add(buyer, honey.variant_id, 3)
    order = market.checkout(buyer).json
    assert (market.lot_remaining(sooner), market.lot_remaining(later)) == (0, 4)

    response = market.client.post(f"{API}/orders/{order['id']}/cancel", json={}, headers=buyer.headers)

    assert response.status_code == 200 and response.json["status"] == "cancelled"
    assert (market.lot_remaining(sooner), market.lot_remaining(later)) == (2, 5)
    assert all(p["status"] == "cancelled" for p in response.json["coop_orders"])
    assert response.json["history"][-1]["reason"] == "cancelled by the buyer"


def test_a_shipped_order_cannot_be_cancelled_and_another_buyers_order_is_not_found(market, users):
    honey = market.stocked()
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)
    order = market.checkout(buyer).json
    parcel = order["coop_orders"][0]

    assert market.client.post(f"{API}/orders/{order['id']}/cancel", json={},
                              headers=users.buyer().headers).status_code == 404
    market.client.post(f"{API}/coop-orders/{parcel['id']}/ship", json={"carrier": "Amana", "tracking_number": "1"},
                       headers=honey.seller.manager.headers)
    refused = market.client.post(f"{API}/orders/{order['id']}/cancel", json={}, headers=buyer.headers)

    assert refused.status_code == 409 and refused.json["error"]["code"] == "not_cancellable"
    assert market.lot_remaining(honey.lot_codes[0]) == 9


def test_cancelling_an_unpaid_card_order_cancels_its_payment_intent(market, users, localstripe):
    honey = market.stocked()
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)
    order = market.checkout(buyer, method="card").json

    response = market.client.post(f"{API}/orders/{order['id']}/cancel", json={}, headers=buyer.headers)

    assert response.status_code == 200 and response.json["payment"]["status"] == "cancelled"
    intent = localstripe.client.v1.payment_intents.retrieve(order["payment"]["payment_intent_id"])
    assert intent.status == "canceled"
    assert market.lot_remaining(honey.lot_codes[0]) == 10


def test_cancelling_a_paid_card_order_refunds_it_at_stripe_and_charge_refunded_records_the_outcome(
        market, users, localstripe):
    honey = market.stocked()
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)
    order = market.checkout(buyer, method="card").json
    intent_id = order["payment"]["payment_intent_id"]
    localstripe.pay(intent_id)
    post_event(market.client, stripe_event("payment_intent.succeeded", paid_intent(order)))

    cancelled = market.client.post(f"{API}/orders/{order['id']}/cancel", json={}, headers=buyer.headers).json
    stripe_refunds = localstripe.client.v1.refunds.list(params={"payment_intent": intent_id}).data
    charge = {"id": "ch_1", "object": "charge", "payment_intent": intent_id, "amount_refunded": stripe_refunds[0].amount,
              "refunds": {"data": [{"id": stripe_refunds[0].id, "status": "succeeded"}]}}
    post_event(market.client, stripe_event("charge.refunded", charge))

    assert cancelled["status"] == "cancelled" and cancelled["payment"]["status"] == "refunded"
    assert [r.amount for r in stripe_refunds] == [order["totals"]["total"]["amount"]]
    assert market.order(buyer, order["id"]).json["refunds"][0]["status"] == "succeeded"


def test_a_partial_refund_never_exceeds_what_was_captured(market, users):
    honey = market.stocked(amount=10000)
    buyer, order = delivered_cod_order(market, users, honey, quantity=2)
    admin = users.shared_admin()
    line = order["lines"][0]

    one = refund(market, admin, order["id"], lines=[{"line_id": line["id"], "quantity": 1}])
    too_many = refund(market, admin, order["id"], lines=[{"line_id": line["id"], "quantity": 2}])
    last = refund(market, admin, order["id"], lines=[{"line_id": line["id"], "quantity": 1}], include_shipping=True)
    nothing_left = refund(market, admin, order["id"], include_shipping=True)

    assert one.status_code == 201 and one.json["refunds"][0]["amount"] == {"amount": 10000, "currency": "MAD"}
    assert one.json["refunds"][0]["status"] == "owed"  # cash on delivery: owed to the buyer
    assert too_many.status_code == 409 and too_many.json["error"]["code"] == "refund_exceeds_captured"
    assert last.status_code == 201
    assert nothing_left.status_code == 409
    final = market.order(buyer, order["id"]).json
    assert final["payment"]["amount_refunded"] == final["payment"]["amount_captured"]
    assert final["payment"]["status"] == "refunded"


def test_a_refund_beyond_the_cash_actually_collected_is_refused(market, users):
    honey = market.stocked(amount=10000)
    buyer = users.buyer()
    market.add(buyer, honey.variant_id, 2)
    order = market.checkout(buyer).json
    parcel = order["coop_orders"][0]
    market.client.post(f"{API}/coop-orders/{parcel['id']}/ship", json={"carrier": "Amana", "tracking_number": "1"},
                       headers=honey.seller.manager.headers)
    market.client.post(f"{API}/coop-orders/{parcel['id']}/deliver", json={"cash_collected": {
        "amount": 5000, "currency": "MAD"}}, headers=honey.seller.manager.headers)

    response = refund(market, users.shared_admin(), order["id"],
                      lines=[{"line_id": order["lines"][0]["id"], "quantity": 1}])

    assert response.status_code == 409 and response.json["error"]["details"]["refundable"]["amount"] == 5000


def test_refunds_are_idempotent_by_key(market, users):
    honey = market.stocked()
    buyer, order = delivered_cod_order(market, users, honey)
    admin = users.shared_admin()
    lines = [{"line_id": order["lines"][0]["id"], "quantity": 1}]

    first = refund(market, admin, order["id"], key="r-1", lines=lines)
    again = refund(market, admin, order["id"], key="r-1", lines=lines)
    other = refund(market, admin, order["id"], key="r-1", lines=lines, reason="other")
    missing = market.client.post(f"{API}/orders/{order['id']}/refunds", json={"lines": lines, "reason": "x"},
                                 headers=admin.headers)

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert len(again.json["refunds"]) == 1
    assert missing.status_code == 422 and missing.json["error"]["code"] == "idempotency_key_required"


def test_a_manager_refunds_only_its_own_parcels_lines_and_restocks_to_the_same_lot(market, users):
    mine, theirs = market.stocked(), market.stocked()
    buyer, order = delivered_cod_order(market, users, mine, theirs)
    line_of = {line["coop_order_id"]: line for line in order["lines"]}
    parcel_of = {p["cooperative_id"]: p["id"] for p in order["coop_orders"]}
    my_line = line_of[parcel_of[mine.seller.cooperative_id]]
    their_line = line_of[parcel_of[theirs.seller.cooperative_id]]

    foreign = refund(market, mine.seller.manager, order["id"], lines=[{"line_id": their_line["id"], "quantity": 1}])
    stranger = refund(market, users.cooperative(), order["id"], lines=[{"line_id": my_line["id"], "quantity": 1}])
    own = refund(market, mine.seller.manager, order["id"], lines=[{"line_id": my_line["id"], "quantity": 1}],
                 restock=True)
    as_buyer = refund(market, buyer, order["id"], lines=[{"line_id": my_line["id"], "quantity": 1}])

    assert foreign.status_code == 422 and stranger.status_code == 404 and as_buyer.status_code == 403
    assert own.status_code == 201
    assert market.lot_remaining(mine.lot_codes[0]) == 9  # 10 − 2 drawn + 1 restocked
    assert market.lot_remaining(theirs.lot_codes[0]) == 8


@pytest.mark.parametrize("body", [{"reason": "x"}, {"lines": [{"line_id": 1, "quantity": 0}], "reason": "x"},
                                  {"lines": [], "include_shipping": True}])
def test_bad_refund_bodies_are_422(market, users, body):
    response = market.client.post(f"{API}/orders/1/refunds", json=body,
                                  headers={**users.shared_admin().headers, "Idempotency-Key": "k"})

    assert response.status_code == 422
