"""Real races between separate processes on PostgreSQL, one app each, where two requests can meet: the last
units at checkout, one Stripe event delivered twice at once, two settlement runs, two refunds of the same line.

Threads share one interpreter and one engine; processes share only the database, as gunicorn workers and several
servers do."""
from __future__ import annotations

import multiprocessing
import uuid
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from catalog.models import StockLot
from marketplace import clock
from marketplace.extensions import db
from tests.conftest import POSTGRES_URL
from tests.orders.conftest import ADDRESSES
from tests.orders.stripe_server import WEBHOOK_PATH, WEBHOOK_SECRET, signed_event, stripe_event
from tests.processes import post_in_own_app, run_in_processes
from tests.settlement.conftest import API
from tests.settlement.test_run_concurrency import assert_settled_once, delivered  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="a race between processes needs PostgreSQL")

OWN_APP_SETTINGS = ("TESTING", "DATABASE_URL", "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "SEARCH_INDEX_DIR", "SEARCH_BACKEND",
                    "ARGON2_TIME_COST", "ARGON2_MEMORY_KIB", "INVOICES_RENDER_ON_ISSUE", "JOBS_IMMEDIATE",
                    "MAIL_BACKEND", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")


def race(app, days_ahead: int, posts_of_worker: list[list[tuple[str, dict]]]) -> list[SimpleNamespace]:
    """Each list of POSTs sent by a process of its own, all starting at once; the answers, in no set order."""
    config = {key: app.config[key] for key in OWN_APP_SETTINGS}
    answers = multiprocessing.get_context("spawn").Queue()
    run_in_processes(post_in_own_app, lambda worker, barrier, errors: (
        config, days_ahead, posts_of_worker[worker - 1], barrier, errors, answers), count=len(posts_of_worker))
    got = [answers.get(timeout=30) for _ in range(sum(map(len, posts_of_worker)))]
    return [SimpleNamespace(status_code=status, json=body) for status, body in got]


def test_four_processes_buying_the_last_two_units_sell_exactly_two(app, books):
    coop = books.cooperative([{}, {}])
    honey = books.product(coop, amount=9000, lots=[(coop.members[0], 1), (coop.members[1], 1)])
    amlou = books.product(coop, amount=7000, lots=[(coop.members[0], 2)])
    buyers = [books.users.buyer() for _ in range(4)]
    for n, buyer in enumerate(buyers):  # carts filled in opposite orders: the reservation orders the locks
        for variant_id in ((honey, amlou) if n % 2 else (amlou, honey)):
            assert books.market.add(buyer, variant_id).status_code == 201
    body = {"shipping_address": ADDRESSES["MA"], "currency": "MAD", "payment_method": "cash_on_delivery"}

    answers = race(app, 0, [[(f"{API}/checkout", {"json": body, "headers": {
        **buyer.headers, "Idempotency-Key": uuid.uuid4().hex}})] for buyer in buyers])

    assert Counter(answer.status_code for answer in answers) == {201: 2, 409: 2}
    assert {answer.json["error"]["code"] for answer in answers if answer.status_code == 409} == {"out_of_stock"}
    with app.app_context():
        assert db.session.scalar(select(func.sum(StockLot.quantity_remaining))) == 0
        assert db.session.scalar(select(func.min(StockLot.quantity_remaining))) == 0
    orders = books.client.get(f"{API}/orders", query_string={"per_page": 100}, headers=books.admin.headers).json
    assert orders["total"] == 2
    assert Counter(line["variant_id"] for o in orders["items"] for line in o["lines"]) == {honey: 2, amlou: 2}


def test_one_stripe_event_delivered_to_two_processes_at_once_is_applied_once(app, books, card):
    coop = books.cooperative([{}])
    variant_id = books.product(coop, amount=14999, lots=[(coop.members[0], 5)])
    buyer = books.users.buyer()
    assert books.market.add(buyer, variant_id, 2).status_code == 201
    order = books.market.checkout(buyer, method="card").json
    total = order["totals"]["total"]["amount"]
    body, signature = signed_event(stripe_event("payment_intent.succeeded", {
        "id": order["payment"]["payment_intent_id"], "object": "payment_intent", "status": "succeeded",
        "amount": total, "currency": "mad"}), WEBHOOK_SECRET)
    delivery = (WEBHOOK_PATH, {"data": body, "headers": {"Stripe-Signature": signature,
                                                          "Content-Type": "application/json; charset=utf-8"}})

    answers = race(app, 0, [[delivery], [delivery]])

    assert [answer.status_code for answer in answers] == [200, 200]
    paid = books.client.get(f"{API}/orders/{order['id']}", headers=buyer.headers).json
    assert (paid["status"], paid["payment"]["status"]) == ("paid", "captured")
    assert paid["payment"]["amount_captured"]["amount"] == total
    assert [(line["debit"]["amount"], line["credit"]["amount"]) for line in books.ledger_lines("buyer_payments")] \
        == [(0, total)]  # posted once


def test_two_settlement_runs_in_two_processes_settle_each_parcel_once(app, books, delivered):  # noqa: F811
    run = (f"{API}/admin/settlements", {"json": {"up_to": clock.today().isoformat()},
                                        "headers": books.admin.headers})

    answers = race(app, books.days_ahead, [[run], [run]])

    assert_settled_once(books, delivered, answers)


def test_two_refunds_of_the_last_unit_in_two_processes_refund_it_once(app, books):
    coop = books.cooperative([{}])
    variant_id = books.product(coop, amount=12000, lots=[(coop.members[0], 3)])
    order = books.order([(variant_id, 1)])
    books.deliver(order, coop)
    [line] = order["lines"]
    refund = {"json": {"lines": [{"line_id": line["id"], "quantity": 1}], "reason": "pot cassé", "restock": False},
              "headers": books.admin.headers}

    answers = race(app, 0, [[(f"{API}/orders/{order['id']}/refunds", {
        **refund, "headers": {**refund["headers"], "Idempotency-Key": uuid.uuid4().hex}})] for _ in range(2)])

    assert sorted(answer.status_code for answer in answers) == [201, 409]
    assert [a.json["error"]["code"] for a in answers if a.status_code == 409] == ["refund_exceeds_captured"]
    after = books.client.get(f"{API}/orders/{order['id']}", headers=books.admin.headers).json
    assert [r["amount"]["amount"] for r in after["refunds"]] == [line["unit_price"]["amount"]]
    assert after["payment"]["amount_refunded"]["amount"] == line["unit_price"]["amount"]
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
