"""Invoices read back from their PDFs: the numbers, the VAT by rate, French and Arabic, a credit note that leaves
the invoice as it was, and the platform's commission invoice after a settlement run. Few PDFs are rendered
(about a second each), so each test checks a whole story."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from marketplace import clock
from marketplace.extensions import db
from marketplace.money import Money
from orders.invoices.models import InvoiceDocument
from tests.invoices.conftest import BUYER_ICE, embedded_fonts, pdf_text, plain

ARABIC_LETTERS = re.compile(r"[\u0600-\u06FF]")


def fr(amount: int) -> str:
    return plain(Money(amount, "MAD").format("fr"))


def test_a_delivered_parcel_is_invoiced_with_vat_by_rate_in_french_and_arabic_and_a_refund_credits_it(
        books, invoices, app):
    coop = books.cooperative([{}], name="Coopérative Tifaout")
    honey = books.product(coop, amount=12345, lots=[(coop.members[0], 10)], category="honey")  # VAT 20 %
    olive = books.product(coop, amount=9900, lots=[(coop.members[0], 10)], category="olive-oil")  # exempt
    order = invoices.order([(honey, 3), (olive, 2)], buyer_ice=BUYER_ICE)
    assert invoices.of_order(order["id"], order["buyer"]) == []  # cash on delivery: invoiced when delivered
    books.deliver(order, coop)

    [invoice] = invoices.of_order(order["id"], order["buyer"])
    shipping = order["coop_orders"][0]["shipping"]["amount"]
    total = 3 * 12345 + 2 * 9900 + shipping
    year = clock.today().year
    assert invoice["number"] == f"{coop.id}-{year}-000001"
    assert (invoice["kind"], invoice["issuer"], invoice["refers_to"]) == ("invoice", "cooperative", None)
    assert invoice["total"] == {"amount": total, "currency": "MAD"}

    french = invoices.pdf(invoice["id"], order["buyer"])
    text = pdf_text(french)
    assert f"Facture N° {invoice['number']}" in text
    assert "Coopérative Tifaout" in text and f"ICE : {BUYER_ICE}" in text
    # 3 × 123,45 = 370,35 TTC at 20 %: 61,725 of VAT, the tie going to the base → 308,63 + 61,72
    assert f"20% {fr(30863)} {fr(6172)} {fr(37035)}" in text
    assert f"0% {fr(19800)} {fr(0)} {fr(19800)}" in text
    assert f"Dont TVA {fr(6172)}" in text
    assert f"Livraison (débours, hors champ de la TVA) {fr(shipping)}" in text
    assert f"Total {fr(total)}" in text
    assert invoices.pdf(invoice["id"], order["buyer"]) == french  # served as stored

    arabic = invoices.pdf(invoice["id"], order["buyer"], lang="ar")
    assert ARABIC_LETTERS.search(pdf_text(arabic)) and "فاتورة" in pdf_text(arabic)
    assert {"Amiri", "Amiri-Bold"} <= embedded_fonts(arabic)
    assert arabic != french

    line_id = next(line["id"] for line in order["lines"] if line["variant_id"] == honey)
    response = books.refund(order, coop.manager, [(line_id, 1)], include_shipping=True)
    assert response.status_code == 201, response.json

    listed = invoices.of_order(order["id"], order["buyer"])
    assert [i["kind"] for i in listed] == ["invoice", "credit_note"]
    note = listed[1]
    assert note["number"] == f"{coop.id}-{year}-000002" and note["refers_to"] == invoice["id"]
    assert note["refers_to_number"] == invoice["number"]
    assert note["total"] == {"amount": 12345 + shipping, "currency": "MAD"}
    assert invoices.of_order(order["id"], order["buyer"])[0] == invoice
    assert hashlib.sha256(invoices.pdf(invoice["id"], order["buyer"])).digest() == hashlib.sha256(french).digest()
    with app.app_context():
        stored = dict(db.session.execute(select(InvoiceDocument.language, InvoiceDocument.sha256)
                                         .where(InvoiceDocument.invoice_id == invoice["id"])).all())
    assert stored == {"fr": hashlib.sha256(french).hexdigest(), "ar": hashlib.sha256(arabic).hexdigest()}

    credit = pdf_text(invoices.pdf(note["id"], coop.manager))
    assert f"Avoir N° {note['number']}" in credit and f"Avoir sur la facture {invoice['number']}" in credit
    # 123,45 TTC at 20 %: 20,575 of VAT → 102,88 + 20,57
    assert f"20% {fr(10288)} {fr(2057)} {fr(12345)}" in credit
    assert f"Total {fr(12345 + shipping)}" in credit


def test_a_settlement_run_gives_each_cooperative_the_platforms_commission_invoice(books, invoices, app_config, app):
    app_config(INVOICES_RENDER_ON_ISSUE=1)
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=20000, lots=[(coop.members[0], 10)])
    order = invoices.order([(honey, 2)])
    books.deliver(order, coop)
    with app.app_context():  # rendered right after the delivery's commit
        assert db.session.scalar(select(InvoiceDocument.language)) == "fr"
    books.later(8)
    run = books.settle()
    assert run.status_code == 201, run.json
    commission = run.json["cooperatives"][0]["commission"]["amount"]
    assert commission == 2000  # 5 % of 400,00 MAD of goods

    listed = invoices.of_cooperative(coop.id, coop.manager)
    platform = [i for i in listed if i["issuer"] == "platform"]
    assert [i["number"] for i in platform] == [f"P-{clock.today().year}-000001"]
    assert platform[0]["settlement_run_id"] == run.json["id"]
    assert platform[0]["total"] == {"amount": 2000, "currency": "MAD"}
    assert [i["number"] for i in listed if i["issuer"] == "cooperative"] == [f"{coop.id}-{clock.today().year}-000001"]

    text = pdf_text(invoices.pdf(platform[0]["id"], coop.manager))
    assert "Souk Coop SARL" in text and f"Règlement {run.json['id']}" in text
    # 20,00 TTC at 20 %: 16,67 + 3,33
    assert f"20% {fr(1667)} {fr(333)} {fr(2000)}" in text
    assert f"Total {fr(2000)}" in text
    order_buyer = order["buyer"]
    response = invoices.client.get(f"/api/v1/invoices/{platform[0]['id']}.pdf", headers=order_buyer.headers)
    assert response.status_code == 404  # the platform's invoice to the cooperative is not the buyer's
