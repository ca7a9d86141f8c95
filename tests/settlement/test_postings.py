"""Money events post to the ledger in their own transaction; the backfill and the settlement command."""
from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from marketplace import clock
from marketplace.errors import Conflict
from orders import events
from orders.settlement import postings
from tests.orders.conftest import RATES
from tests.orders.stripe_server import post_event, stripe_event
from tests.settlement.conftest import API


def entries(books, **query) -> list[dict]:
    response = books.client.get(f"{API}/admin/ledger", query_string={"per_page": 100, **query},
                                headers=books.admin.headers)
    assert response.status_code == 200
    return response.json["items"]


def test_a_card_payment_posts_once_in_mad_with_the_orders_rate_even_when_the_event_is_replayed(books, card):
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=14999, lots=[(coop.members[0], 5)])
    order = books.order([(honey, 1)], currency="XOF", country="SN", method="card")
    intent = {"id": order["payment"]["payment_intent_id"], "object": "payment_intent", "status": "succeeded",
              "amount": order["totals"]["total"]["amount"], "currency": "xof"}
    assert post_event(books.client, stripe_event("payment_intent.succeeded", intent)).status_code == 200

    [entry] = entries(books, account="buyer_payments")

    mad = int((Decimal(order["totals"]["total"]["amount"]) / Decimal(RATES["XOF"]) * 100)
              .quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert entry["kind"] == "payment" and entry["reference"] == f"Order {order['number']} paid by card"
    assert [(line["account"], line["debit"]["amount"], line["credit"]["amount"]) for line in entry["lines"]] == [
        ("bank", mad, 0), ("buyer_payments", 0, mad)]


def test_cash_collected_and_a_refund_post_with_the_delivery_and_the_refund(books):
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=10000, lots=[(coop.members[0], 5)])
    order = books.order([(honey, 2)])
    parcel_id = books.deliver(order, coop)
    line_id = books.market.order(order["buyer"], order["id"]).json["lines"][0]["id"]
    assert books.refund(order, coop.manager, [(line_id, 1)]).status_code == 201

    kinds = {entry["kind"]: entry for entry in entries(books)}

    total = order["totals"]["total"]["amount"]
    assert kinds["payment"]["reference"] == f"Order {order['number']} parcel {parcel_id} cash collected"
    assert books.balance("bank") == total - 10000
    assert books.balance("refunds") == 10000 and books.balance("buyer_payments") == -total


def test_when_the_posting_fails_the_delivery_is_rolled_back_with_it(books, monkeypatch):
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=10000, lots=[(coop.members[0], 5)])
    order = books.order([(honey, 1)])
    parcel = order["coop_orders"][0]
    assert books.client.post(f"{API}/coop-orders/{parcel['id']}/ship", headers=coop.manager.headers,
                             json={"carrier": "Amana", "tracking_number": "AM1"}).status_code == 200

    def refuse(*_args, **_kwargs):
        raise Conflict("ledger_refused", "no")

    monkeypatch.setattr(postings, "post_entry", refuse)
    response = books.client.post(f"{API}/coop-orders/{parcel['id']}/deliver", json={}, headers=coop.manager.headers)

    assert response.status_code == 409
    shown = books.market.order(order["buyer"], order["id"]).json
    assert shown["coop_orders"][0]["status"] == "shipped" and shown["payment"]["status"] == "pending"
    assert entries(books) == []


def test_the_backfill_posts_orders_made_before_the_ledger_once(books, app):
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=10000, lots=[(coop.members[0], 5)])
    with events.cash_collected.muted(), events.refund_recorded.muted():
        order = books.order([(honey, 2)])
        books.deliver(order, coop)
        line_id = books.market.order(order["buyer"], order["id"]).json["lines"][0]["id"]
        assert books.refund(order, books.admin, [(line_id, 1)]).status_code == 201
    assert entries(books) == []
    runner = app.test_cli_runner()

    first = runner.invoke(args=["ledger", "backfill"])
    again = runner.invoke(args=["ledger", "backfill"])

    assert first.exit_code == 0 and "1 cash collections and 1 refunds" in first.output
    assert again.exit_code == 0 and "Posted 0 card payments, 0 cash collections and 0 refunds" in again.output
    assert len(entries(books)) == 2
    assert books.balance("bank") == order["totals"]["total"]["amount"] - 10000
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0


def test_the_settlement_command_settles_with_a_progress_bar_and_refuses_a_day_after_today(books, app):
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=10000, lots=[(coop.members[0], 5)])
    for _ in range(2):
        books.deliver(books.order([(honey, 1)]), coop)
    today = books.later(8)
    runner = app.test_cli_runner()

    late = runner.invoke(args=["settlement", "run", "--up-to", (today + timedelta(days=1)).isoformat()])
    done = runner.invoke(args=["settlement", "run", "--up-to", today.isoformat()])
    nothing = runner.invoke(args=["settlement", "run", "--up-to", today.isoformat()])

    assert late.exit_code != 0 and "validation_error" in late.output
    assert done.exit_code == 0, done.output
    assert "2/2" in done.output and "2 parcels settled" in done.output
    assert "0 parcels settled" in nothing.output
    listed = books.client.get(f"{API}/admin/settlements", headers=books.admin.headers).json
    assert [run["parcels_count"] for run in listed["items"]] == [0, 2] and listed["items"][1]["created_by"] is None
    assert clock.today() == today


def test_a_refund_the_provider_refuses_after_settlement_is_reversed_and_nothing_stays_owed(books, card):
    """The provider refuses the refund (localstripe holds the charge as declined): it fails after the commit and
    its entry is reversed; the cooperative owes nothing and the platform keeps its commission."""
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=10000, lots=[(coop.members[0], 5)])
    order = books.order([(honey, 2)], method="card", card="pm_card_chargeCustomerFail")
    books.deliver(order, coop)
    books.later(8)
    [parcel] = books.settle().json["parcels"]
    line_id = books.market.order(order["buyer"], order["id"]).json["lines"][0]["id"]

    refund = books.refund(order, books.admin, [(line_id, 1)])

    assert refund.status_code == 201
    refund_id = refund.json["refunds"][0]["id"]
    assert books.market.order(order["buyer"], order["id"]).json["refunds"][0]["status"] == "failed"
    posted = {e["kind"]: e for e in entries(books) if e["kind"] in ("refund", "reversal")}
    assert posted["refund"]["reference"] == f"Order {order['number']} refund {refund_id}"
    assert posted["reversal"]["reverses_id"] == posted["refund"]["id"]
    assert books.balance(f"cooperative:{coop.id}:payable") == 0 and books.balance("refunds") == 0
    assert books.balance("platform_commission") == -parcel["commission"]["amount"]
    books.deliver(books.order([(honey, 1)]), coop)
    books.later(8)
    assert books.settle().json["totals"]["deductions"]["amount"] == 0
