"""What people are told, end to end over HTTP: the message is recorded in the use case's transaction, sent by a
job after the commit (in-process in tests), in the recipient's language."""
from __future__ import annotations

from marketplace.money import Money
from tests.notifications.conftest import API, set_language


def test_revoking_a_certificate_emails_the_manager_the_reason_in_their_language(client, coop_factory, messages):
    cooperative, manager = coop_factory.verified(name="Coopérative Tifaout")
    set_language(client, manager, "ar")
    certification = coop_factory.verified_certification(manager, cooperative["id"], number="AS.771.2019")

    response = coop_factory.decide_certification(certification["id"], "revoke", "analyses non conformes")

    assert response.status_code == 200, response.json
    [revoked] = [m for m in messages.listed(recipient=manager.email) if m["event"] == "certification_revoked"]
    assert (revoked["status"], revoked["language"], revoked["channel"], revoked["attempts"]) == ("sent", "ar", "email", 1)
    [email] = [m for m in messages.emails_to(manager.email) if "AS.771.2019" in m.subject and "سحب" in m.subject]
    assert "analyses non conformes" in email.body and "السبب" in email.body
    assert "«الترخيص الصحي ONSSA»" in email.body and "onssa_authorization" not in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and 'dir="rtl"' in html and 'lang="ar"' in html


def test_a_cooperative_decision_tells_its_managers_with_the_reason(client, coop_factory, messages):
    cooperative, manager = coop_factory.verified()
    coop_factory.decide(cooperative["id"], "suspend", "documents expirés")

    [suspended] = [m for m in messages.emails_to(manager.email) if "suspendue" in m.subject]
    assert "documents expirés" in suspended.body
    assert messages.events_for(manager.email) == ["cooperative_suspended", "cooperative_verified"]


def test_a_cash_on_delivery_order_is_confirmed_to_the_buyer_and_the_cooperative_is_asked_to_ship(
        books, client, messages):
    coop = books.cooperative([{}])
    variant_id = books.product(coop, amount=12050, lots=[(coop.members[0], 10)])

    order = books.order([(variant_id, 2)])
    buyer = order["buyer"]

    assert messages.events_for(buyer.email) == ["order_confirmed"]
    assert messages.events_for(coop.manager.email).count("parcel_to_ship") == 1
    [confirmation] = messages.emails_to(buyer.email)
    assert order["number"] in confirmation.subject
    assert Money(order["totals"]["total"]["amount"], "MAD").format("fr") in confirmation.body
    assert "à la livraison" in confirmation.body
    [to_ship] = [m for m in messages.emails_to(coop.manager.email) if "expédier" in m.subject]
    assert "2 × " in to_ship.body and "Rabat" in to_ship.body

    books.deliver(order, coop)
    assert messages.events_for(buyer.email) == ["order_confirmed", "parcel_delivered", "parcel_shipped",
                                                "payment_received"]
    shipped = next(m for m in messages.emails_to(buyer.email) if "en route" in m.subject)
    assert "Amana" in shipped.body and "AM123456789MA" in shipped.body


def test_a_paid_card_order_tells_the_buyer_and_the_cooperative(books, card, messages):
    coop = books.cooperative([{}])
    variant_id = books.product(coop, amount=9900, lots=[(coop.members[0], 5)])

    order = books.order([(variant_id, 1)], method="card")

    assert messages.events_for(order["buyer"].email) == ["order_confirmed", "payment_received"]
    assert messages.events_for(coop.manager.email).count("parcel_to_ship") == 1
    confirmation = next(m for m in messages.emails_to(order["buyer"].email) if "confirmée" in m.subject)
    assert "et payée" in confirmation.body


def test_an_unpaid_card_order_tells_nobody_yet(books, card, messages):
    coop = books.cooperative([{}])
    variant_id = books.product(coop, amount=9900, lots=[(coop.members[0], 5)])
    buyer = books.users.buyer()
    assert books.market.add(buyer, variant_id, 1).status_code == 201

    assert books.market.checkout(buyer, method="card").status_code == 201

    assert messages.events_for(buyer.email) == []
    assert "parcel_to_ship" not in messages.events_for(coop.manager.email)


def test_a_refund_tells_the_buyer_and_the_cooperative(books, messages):
    coop = books.cooperative([{}])
    variant_id = books.product(coop, amount=5000, lots=[(coop.members[0], 5)])
    order = books.order([(variant_id, 2)])
    books.deliver(order, coop)

    response = books.refund(order, books.admin, [(order["lines"][0]["id"], 1)])

    assert response.status_code == 201, response.json
    assert "refund_issued" in messages.events_for(order["buyer"].email)
    [refunded] = [m for m in messages.emails_to(coop.manager.email) if "Remboursement" in m.subject]
    assert "50,00" in refunded.body and "abîmé" in refunded.body


def test_a_payout_marked_paid_texts_each_member_with_a_mobile_number_and_no_fixed_line(books, client, messages):
    coop = books.cooperative([{"phone": "0612345678", "language": "ar"}, {"phone": "0522123456"}, {}])
    variant_id = books.product(coop, amount=30000, lots=[(member, 2) for member in coop.members])
    order = books.order([(variant_id, 6)])
    books.deliver(order, coop)
    books.later(days=8)
    run = books.settle()
    assert run.status_code == 201, run.json

    for payout in run.json["payouts"]:
        response = client.post(f"{API}/admin/payouts/{payout['id']}/paid", json={"reference": f"VIR-{payout['id']}"},
                               headers=books.admin.headers)
        assert response.status_code == 200, response.json

    [sms] = messages.sms_to("+212612345678")
    member_payout = next(p for p in run.json["payouts"] if p["member_id"] == coop.members[0])
    assert f"VIR-{member_payout['id']}" in sms["text"] and "د.م." in sms["text"]
    assert messages.sms_to("+212522123456") == []
    assert [m["channel"] for m in messages.listed(event="payout_sent_sms")] == ["sms"]
    assert messages.events_for(coop.manager.email).count("payout_sent") == 1
