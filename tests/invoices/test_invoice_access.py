"""Who sees which invoices, when parcels are invoiced (card: on payment; cash: on delivery), a refund before an
invoice, the buyer's ICE, and the backfill command. No PDF is rendered here except where access is granted."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from marketplace.extensions import db
from orders.invoices.models import Invoice, InvoiceSequence
from orders.invoices.rendering import render_html
from tests.invoices.conftest import ADDRESSES, API


@pytest.fixture
def two_coops(books, invoices):
    """An order of a buyer with one parcel from each of two cooperatives, both delivered (cash)."""
    first, second = books.cooperative([{}]), books.cooperative([{}])
    honey = books.product(first, amount=10000, lots=[(first.members[0], 10)])
    pottery = books.product(second, amount=25000, lots=[(second.members[0], 10)], category="pottery")
    order = invoices.order([(honey, 1), (pottery, 1)])
    books.deliver(order, first)
    books.deliver(order, second)
    return order, first, second


def test_the_buyer_and_admins_see_every_invoice_of_an_order_a_manager_only_its_own(two_coops, invoices, books,
                                                                                    users):
    order, first, second = two_coops
    everything = invoices.of_order(order["id"], order["buyer"])
    assert sorted(i["cooperative_id"] for i in everything) == sorted([first.id, second.id])
    assert invoices.of_order(order["id"], books.admin) == everything
    assert [i["cooperative_id"] for i in invoices.of_order(order["id"], first.manager)] == [first.id]
    assert [i["cooperative_id"] for i in invoices.of_order(order["id"], second.manager)] == [second.id]
    for stranger in (users.buyer(), users.cooperative()):
        response = invoices.client.get(f"{API}/orders/{order['id']}/invoices", headers=stranger.headers)
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert invoices.client.get(f"{API}/orders/{order['id']}/invoices").status_code == 401
    assert invoices.client.get(f"{API}/orders/999999/invoices", headers=books.admin.headers).status_code == 404


def test_an_invoice_pdf_is_for_its_buyer_its_cooperatives_managers_and_admins(two_coops, invoices, users):
    order, first, second = two_coops
    theirs = next(i for i in invoices.of_order(order["id"], order["buyer"]) if i["cooperative_id"] == second.id)
    path = f"{API}/invoices/{theirs['id']}.pdf"
    for outsider in (users.buyer(), first.manager, users.cooperative()):
        response = invoices.client.get(path, headers=outsider.headers)
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    bad = invoices.client.get(path, query_string={"lang": "de"}, headers=order["buyer"].headers)
    assert bad.status_code == 422 and "lang" in bad.json["error"]["details"]
    assert invoices.client.get(path).status_code == 401
    assert invoices.client.get(f"{API}/invoices/999999.pdf", headers=order["buyer"].headers).status_code == 404
    assert invoices.pdf(theirs["id"], second.manager).startswith(b"%PDF-")


def test_a_cooperatives_invoices_are_for_its_managers_and_admins(two_coops, invoices, books, users):
    order, first, second = two_coops
    assert [i["cooperative_id"] for i in invoices.of_cooperative(first.id, first.manager)] == [first.id]
    assert len(invoices.of_cooperative(first.id, books.admin)) == 1
    response = invoices.client.get(f"{API}/cooperatives/{first.id}/invoices", headers=second.manager.headers)
    assert response.status_code == 404
    response = invoices.client.get(f"{API}/cooperatives/{first.id}/invoices", headers=order["buyer"].headers)
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


def test_a_card_payment_invoices_every_parcel_when_it_is_captured(books, invoices, card):
    first, second = books.cooperative([{}]), books.cooperative([{}])
    honey = books.product(first, amount=10000, lots=[(first.members[0], 10)])
    rug = books.product(second, amount=50000, lots=[(second.members[0], 10)], category="rugs-weaving")
    order = books.order([(honey, 2), (rug, 1)], method="card")
    listed = invoices.of_order(order["id"], order["buyer"])
    assert sorted((i["cooperative_id"], i["total"]["amount"]) for i in listed) == sorted(
        (p["cooperative_id"], p["items_total"]) for p in _parcels(order))


def _parcels(order: dict) -> list[dict]:
    totals: dict[int, int] = {}
    for line in order["lines"]:
        totals[line["coop_order_id"]] = totals.get(line["coop_order_id"], 0) + \
            line["unit_price"]["amount"] * line["quantity"]
    return [{"cooperative_id": p["cooperative_id"], "items_total": totals[p["id"]] + p["shipping"]["amount"]}
            for p in order["coop_orders"]]


def test_a_refund_before_a_parcel_is_invoiced_needs_no_credit_note_and_the_invoice_lists_what_was_sold(
        books, invoices):
    first, second = books.cooperative([{}]), books.cooperative([{}])
    honey = books.product(first, amount=10000, lots=[(first.members[0], 10)])
    amlou = books.product(second, amount=8000, lots=[(second.members[0], 10)], category="amlou")
    order = invoices.order([(honey, 1), (amlou, 3)])
    books.deliver(order, first)  # cash collected at the first door: the order's payment is captured
    line_id = next(line["id"] for line in order["lines"] if line["variant_id"] == amlou)
    assert books.refund(order, books.admin, [(line_id, 1)]).status_code == 201
    assert [i["kind"] for i in invoices.of_order(order["id"], order["buyer"])] == ["invoice"]

    books.deliver(order, second)
    second_invoice = next(i for i in invoices.of_order(order["id"], order["buyer"])
                          if i["cooperative_id"] == second.id)
    shipping = next(p for p in order["coop_orders"] if p["cooperative_id"] == second.id)["shipping"]["amount"]
    assert second_invoice["total"]["amount"] == 2 * 8000 + shipping


def test_a_business_buyers_ice_is_checked_at_checkout(books, invoices, market, users):
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=10000, lots=[(coop.members[0], 10)])
    buyer = users.buyer()
    assert market.add(buyer, honey).status_code == 201
    response = market.checkout(buyer, shipping_address={**ADDRESSES["MA"], "buyer_ice": "001561191000067"})
    assert response.status_code == 422
    assert "control digits" in str(response.json["error"]["details"])
    response = market.checkout(buyer, shipping_address={**ADDRESSES["MA"], "buyer_ice": "0015 6119 1000 066"})
    assert response.status_code == 201 and response.json["shipping_address"]["buyer_ice"] == "001561191000066"


def test_issue_missing_invoices_what_was_delivered_before_invoicing_once(two_coops, invoices, books, app):
    order, first, second = two_coops
    with app.app_context():
        before = sorted(db.session.scalars(select(Invoice.number)))
        db.session.execute(delete(Invoice))
        db.session.execute(delete(InvoiceSequence))
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["invoices", "issue-missing"])
    assert result.exit_code == 0 and "2 invoices issued." in result.output
    with app.app_context():
        assert sorted(db.session.scalars(select(Invoice.number))) == before
    result = runner.invoke(args=["invoices", "issue-missing"])
    assert result.exit_code == 0 and "0 invoices issued." in result.output


def test_a_refund_the_provider_refuses_is_answered_by_an_invoice_referring_to_its_credit_note(
        books, invoices, card):
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=10000, lots=[(coop.members[0], 10)])
    order = books.order([(honey, 2)], method="card", card="pm_card_chargeCustomerFail")  # its refund is refused
    assert books.refund(order, books.admin, [(order["lines"][0]["id"], 1)]).status_code == 201

    invoice, note, again = invoices.of_order(order["id"], order["buyer"])
    assert (note["kind"], note["refers_to"], note["total"]["amount"]) == ("credit_note", invoice["id"], 10000)
    assert (again["kind"], again["refers_to"], again["total"]["amount"]) == ("invoice", note["id"], 10000)
    assert [i["number"].rsplit("-", 1)[1] for i in (invoice, note, again)] == ["000001", "000002", "000003"]


def test_an_issued_invoice_cannot_be_changed_and_arabic_is_rendered_right_to_left(two_coops, app):
    with app.app_context():
        invoice = db.session.scalar(select(Invoice).order_by(Invoice.id))
        html = render_html(invoice.number, invoice.kind, invoice.issued_at, invoice.content, "ar")
        assert '<html lang="ar" dir="rtl">' in html and "فاتورة" in html
        invoice.content = {**invoice.content, "total": 1}
        with pytest.raises(ValueError, match="never changes"):
            db.session.flush()
        db.session.rollback()
