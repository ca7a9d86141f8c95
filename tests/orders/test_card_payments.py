"""Card payments through the real stripe library against localstripe, plus signed events it does not emit."""
from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import clock
from orders import expiry
from tests.orders.conftest import API
from tests.orders.stripe_server import post_event, stripe_event


def paid_intent(order: dict, **overrides) -> dict:
    """The PaymentIntent object of a `payment_intent.succeeded` event for `order`."""
    return {"id": order["payment"]["payment_intent_id"], "object": "payment_intent", "status": "succeeded",
            "amount": order["totals"]["total"]["amount"], "currency": order["currency"].lower(),
            "metadata": {"order_number": order["number"]}, **overrides}


@pytest.fixture
def later(monkeypatch):
    """Move the clock the reservation rules read past the reservation window."""
    def move(minutes: int = 31) -> None:
        moved = clock.now() + timedelta(minutes=minutes)
        monkeypatch.setattr(expiry, "now", lambda: moved)
    return move


def test_a_senegalese_buyer_pays_in_xof_by_card_for_three_cooperatives_and_gets_three_parcels(
        market, users, localstripe, stripe_webhooks):
    products = [market.stocked(amount=amount) for amount in (12000, 8550, 30000)]
    buyer = users.buyer()
    for product in products:
        market.add(buyer, product.variant_id)

    created = market.checkout(buyer, country="SN", currency="XOF", method="card")

    assert created.status_code == 201, created.json
    order = created.json
    assert order["status"] == "pending_payment" and order["currency"] == "XOF"
    assert len(order["coop_orders"]) == 3
    assert {p["cooperative_id"] for p in order["coop_orders"]} == {p.seller.cooperative_id for p in products}
    assert all(p["status"] == "awaiting_payment" for p in order["coop_orders"])
    payment = order["payment"]
    assert payment["provider"] == "stripe" and payment["payment_intent_id"].startswith("pi_")
    assert payment["client_secret"]
    intent = localstripe.client.v1.payment_intents.retrieve(payment["payment_intent_id"])
    assert (intent.amount, intent.currency) == (order["totals"]["total"]["amount"], "xof")
    assert intent.metadata["order_number"] == order["number"]

    assert localstripe.pay(payment["payment_intent_id"]) == "succeeded"
    delivery = stripe_webhooks.wait_for("payment_intent.succeeded", payment["payment_intent_id"])

    assert delivery.status == 200
    paid = market.order(buyer, order["id"]).json
    assert paid["status"] == "paid"
    assert paid["payment"]["status"] == "captured"
    assert paid["payment"]["amount_captured"] == {"amount": order["totals"]["total"]["amount"], "currency": "XOF"}
    assert all(p["status"] == "to_ship" for p in paid["coop_orders"])


def test_the_webhook_marks_the_order_paid_once_even_when_the_event_arrives_three_times(market, users, localstripe):
    honey = market.stocked()
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)
    order = market.checkout(buyer, method="card").json
    event = stripe_event("payment_intent.succeeded", paid_intent(order))

    answers = [post_event(market.client, event).status_code for _ in range(3)]
    # the same payment told again under another event id changes nothing either
    replay = post_event(market.client, stripe_event("payment_intent.succeeded", paid_intent(order)))

    assert answers == [200, 200, 200] and replay.status_code == 200
    paid = market.order(buyer, order["id"]).json
    assert [h["status"] for h in paid["history"]] == ["pending_payment", "paid"]
    assert paid["payment"]["amount_captured"]["amount"] == order["totals"]["total"]["amount"]


@pytest.mark.parametrize("mismatch", [{"amount": 1}, {"currency": "eur"}])
def test_an_amount_or_currency_mismatch_does_not_mark_the_order_paid_and_is_flagged(
        market, users, localstripe, mismatch):
    honey = market.stocked()
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)
    order = market.checkout(buyer, method="card").json

    response = post_event(market.client, stripe_event("payment_intent.succeeded", paid_intent(order, **mismatch)))

    assert response.status_code == 200
    after = market.order(buyer, order["id"]).json
    assert after["status"] == "pending_payment"
    assert after["payment"]["status"] == "pending" and after["payment"]["flagged"] is True
    assert after["payment"]["amount_captured"]["amount"] == 0


def test_a_failed_attempt_leaves_the_order_payable_and_a_late_failure_does_not_undo_a_payment(
        market, users, localstripe):
    honey = market.stocked()
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)
    order = market.checkout(buyer, method="card").json
    failed = paid_intent(order, status="requires_payment_method",
                         last_payment_error={"code": "card_declined", "message": "Your card was declined."})

    post_event(market.client, stripe_event("payment_intent.payment_failed", failed))
    assert market.order(buyer, order["id"]).json["status"] == "pending_payment"
    post_event(market.client, stripe_event("payment_intent.succeeded", paid_intent(order)))
    post_event(market.client, stripe_event("payment_intent.payment_failed", failed))

    assert market.order(buyer, order["id"]).json["status"] == "paid"


def test_when_stripe_cannot_be_reached_the_buyer_gets_a_503_no_stock_stays_held_and_the_same_key_works_later(
        market, users, localstripe, app):
    honey = market.stocked(quantity=2)
    buyer = users.buyer()
    market.add(buyer, honey.variant_id, 2)
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there

    refused = market.checkout(buyer, method="card", key="retry-me")

    assert refused.status_code == 503 and refused.json["error"]["code"] == "payment_provider_unavailable"
    assert market.lot_remaining(honey.lot_codes[0]) == 2
    assert market.cart(buyer).json["groups"][0]["items"][0]["quantity"] == 2

    app.config["STRIPE_API_BASE"] = localstripe.url
    retried = market.checkout(buyer, method="card", key="retry-me")

    assert retried.status_code == 201 and retried.json["payment"]["payment_intent_id"]
    assert market.lot_remaining(honey.lot_codes[0]) == 0


def test_an_unpaid_order_releases_its_stock_after_the_reservation_window(market, users, localstripe, app, later):
    honey = market.stocked(quantity=1)
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)
    order = market.checkout(buyer, method="card").json
    runner = app.test_cli_runner()

    early = runner.invoke(args=["orders", "expire"])
    later()
    first = runner.invoke(args=["orders", "expire"])
    second = runner.invoke(args=["orders", "expire"])

    assert "0 orders expired" in early.output
    assert "1 orders expired" in first.output and "0 orders expired" in second.output
    assert market.order(buyer, order["id"]).json["status"] == "expired"
    assert market.lot_remaining(honey.lot_codes[0]) == 1


def test_a_shortage_expires_overdue_orders_holding_the_variant_lazily(market, users, localstripe, later):
    honey = market.stocked(quantity=1)
    sleepy, eager = users.buyer(), users.buyer()
    market.add(sleepy, honey.variant_id)
    order = market.checkout(sleepy, method="card").json
    assert market.add(eager, honey.variant_id).status_code == 409

    later()
    added = market.add(eager, honey.variant_id)
    bought = market.checkout(eager, method="cash_on_delivery")

    assert added.status_code == 201 and bought.status_code == 201
    assert market.order(sleepy, order["id"]).json["status"] == "expired"


def test_a_payment_after_expiry_draws_the_stock_again_when_it_is_still_there(market, users, localstripe, later):
    honey = market.stocked(quantity=1)
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)
    order = market.checkout(buyer, method="card").json
    later()
    market.app.test_cli_runner().invoke(args=["orders", "expire"])

    post_event(market.client, stripe_event("payment_intent.succeeded", paid_intent(order)))

    paid = market.order(buyer, order["id"]).json
    assert paid["status"] == "paid" and paid["refunds"] == []
    assert market.lot_remaining(honey.lot_codes[0]) == 0


def test_a_payment_after_expiry_is_refunded_in_full_when_the_stock_is_gone(market, users, localstripe, later):
    honey = market.stocked(quantity=1)
    sleepy, eager = users.buyer(), users.buyer()
    market.add(sleepy, honey.variant_id)
    order = market.checkout(sleepy, method="card").json
    intent_id = order["payment"]["payment_intent_id"]
    later()
    market.add(eager, honey.variant_id)
    assert market.checkout(eager).status_code == 201
    localstripe.pay(intent_id)

    post_event(market.client, stripe_event("payment_intent.succeeded", paid_intent(order)))

    after = market.order(sleepy, order["id"]).json
    assert after["status"] == "expired"
    assert after["payment"]["status"] == "refunded" and after["payment"]["flagged"] is True
    assert [(r["amount"]["amount"], r["status"]) for r in after["refunds"]] == [
        (order["totals"]["total"]["amount"], "pending")]
    refunds = localstripe.client.v1.refunds.list(params={"payment_intent": intent_id}).data
    assert [r.amount for r in refunds] == [order["totals"]["total"]["amount"]]


def test_a_payment_intent_cancelled_at_stripe_cancels_the_unpaid_order_and_releases_its_stock_once(
        market, users, localstripe):
    honey = market.stocked(quantity=3)
    buyer = users.buyer()
    market.add(buyer, honey.variant_id, 3)
    order = market.checkout(buyer, method="card").json
    cancelled = paid_intent(order, status="canceled")

    answers = [post_event(market.client, stripe_event("payment_intent.canceled", cancelled)).status_code
               for _ in range(2)]

    after = market.order(buyer, order["id"]).json
    assert answers == [200, 200]
    assert after["status"] == "cancelled" and after["payment"]["status"] == "cancelled"
    assert [h["status"] for h in after["history"]] == ["pending_payment", "cancelled"]
    assert market.lot_remaining(honey.lot_codes[0]) == 3
