"""Numbers without gaps or duplicates: per cooperative and year, across orders, when a competitor takes a number
at the named point, when the issuing transaction rolls back, and with real threads on PostgreSQL."""
from __future__ import annotations

import threading
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import event, select

from marketplace import clock
from marketplace.auth.models import User
from marketplace.extensions import db
from orders import events, fulfilment
from orders.invoices.content import Line, vat_breakdown
from orders.invoices.models import Invoice
from orders.invoices.numbering import next_number
from tests.conftest import POSTGRES_URL
from tests.invoices.conftest import API


def numbers_of(app, cooperative_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Invoice.number).where(Invoice.cooperative_id == cooperative_id)
                                       .order_by(Invoice.sequence)))


def test_parcels_of_several_orders_are_numbered_one_after_the_other_per_cooperative(books, invoices, app):
    first, second = books.cooperative([{}]), books.cooperative([{}])
    honey = books.product(first, amount=10000, lots=[(first.members[0], 20)])
    rug = books.product(second, amount=30000, lots=[(second.members[0], 20)], category="rugs-weaving")
    for _ in range(3):
        order = invoices.order([(honey, 1), (rug, 1)])
        books.deliver(order, second)
        books.deliver(order, first)
    year = clock.today().year
    assert numbers_of(app, first.id) == [f"{first.id}-{year}-{n:06d}" for n in (1, 2, 3)]
    assert numbers_of(app, second.id) == [f"{second.id}-{year}-{n:06d}" for n in (1, 2, 3)]


def test_an_issuer_overtaken_at_the_counter_takes_the_next_number_not_the_same(app):
    with app.app_context():
        engine = db.engine
    taken = []

    def competitor_issues_first(_conn, _cursor, statement, *_):
        if statement.startswith("INSERT INTO invoice_sequences") and not taken:
            taken.append(None)  # the named point: our issuer is about to take its number
            with app.app_context():  # another session, another transaction, committed before ours goes on
                taken[0] = next_number("7", 2026).sequence
                db.session.commit()

    event.listen(engine, "before_cursor_execute", competitor_issues_first)
    try:
        with app.app_context():
            ours = next_number("7", 2026).sequence
            db.session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", competitor_issues_first)
    assert (taken, ours) == ([1], 2)


def test_a_delivery_that_fails_after_its_invoice_was_numbered_gives_the_number_back(books, invoices, app):
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=10000, lots=[(coop.members[0], 10)])
    failing, later = invoices.order([(honey, 1)]), invoices.order([(honey, 1)])
    parcel_id = failing["coop_orders"][0]["id"]
    response = books.client.post(f"{API}/coop-orders/{parcel_id}/ship", headers=coop.manager.headers,
                                 json={"carrier": "Amana", "tracking_number": "AM1"})
    assert response.status_code == 200

    def fail_after_invoicing(parcel):
        raise RuntimeError("a later step of the delivery failed")

    events.cash_collected.connect(fail_after_invoicing)
    try:
        with app.app_context(), pytest.raises(RuntimeError):
            manager = db.session.get(User, coop.manager.id)
            fulfilment.deliver(manager, parcel_id, cash_collected=None)
    finally:
        events.cash_collected.disconnect(fail_after_invoicing)
    assert numbers_of(app, coop.id) == []
    books.deliver(later, coop)
    response = books.client.post(f"{API}/coop-orders/{parcel_id}/deliver", json={}, headers=coop.manager.headers)
    assert response.status_code == 200
    year = clock.today().year
    assert numbers_of(app, coop.id) == [f"{coop.id}-{year}-000001", f"{coop.id}-{year}-000002"]


@pytest.mark.skipif(not POSTGRES_URL, reason="real concurrent issuers need PostgreSQL: set TEST_DATABASE_URL")
def test_parcels_of_one_cooperative_delivered_at_the_same_moment_get_consecutive_numbers(books, invoices, app):
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=10000, lots=[(coop.members[0], 20)])
    parcel_ids = []
    for _ in range(8):
        parcel_id = invoices.order([(honey, 1)])["coop_orders"][0]["id"]
        response = books.client.post(f"{API}/coop-orders/{parcel_id}/ship", headers=coop.manager.headers,
                                     json={"carrier": "Amana", "tracking_number": "AM1"})
        assert response.status_code == 200
        parcel_ids.append(parcel_id)
    start, statuses, lock = threading.Barrier(len(parcel_ids)), [], threading.Lock()

    def deliver(parcel_id):
        client = app.test_client()
        start.wait()
        response = client.post(f"{API}/coop-orders/{parcel_id}/deliver", json={}, headers=coop.manager.headers)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=deliver, args=(parcel_id,)) for parcel_id in parcel_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 8
    year = clock.today().year
    assert numbers_of(app, coop.id) == [f"{coop.id}-{year}-{n:06d}" for n in range(1, 9)]


lines = st.lists(st.builds(Line, description=st.just({"fr": "x"}), label=st.just(""),
                           quantity=st.integers(1, 50), unit_price=st.integers(0, 2_000_000),
                           vat_rate_bps=st.sampled_from([0, 700, 1000, 1400, 2000])), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(lines)
def test_vat_is_split_exactly_lines_add_up_to_each_rate_and_each_rate_is_within_a_unit(items):
    rows, totals = vat_breakdown(items)
    for total in totals:
        rate = total["rate_bps"]
        assert total["base"] + total["vat"] == total["total"]
        assert abs(total["vat"] - Fraction(total["total"] * rate, 10_000 + rate)) < 1
        assert sum(row["vat"] for row in rows if row["vat_rate_bps"] == rate) == total["vat"]
    assert sum(row["total"] for row in rows) == sum(item.unit_price * item.quantity for item in items)
