"""The payment fee at settlement: Stripe's own fee from the charge's balance transaction when known (carried by
the event, or asked of the provider after the capture), converted to MAD; the configured fee model otherwise."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tests.orders.conftest import RATES

MODEL_BPS, MODEL_FIXED = 290, 300  # PAYMENT_FEE_BPS, PAYMENT_FEE_FIXED


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def model_fee(captured: int) -> int:
    return half_up(Decimal(captured) * MODEL_BPS / 10_000) + MODEL_FIXED


def transaction(fee: int, currency: str) -> dict:
    return {"balance_transaction": {"id": "txn_1SoukCoopFee", "object": "balance_transaction", "fee": fee,
                                    "currency": currency, "type": "charge"}}


def settled(books) -> dict:
    books.later(8)
    response = books.settle()
    assert response.status_code == 201, response.json
    return response.json


def test_a_fee_in_the_orders_currency_carried_by_the_event_is_converted_with_the_orders_rate(books, card):
    coop = books.cooperative([{}, {}])
    honey = books.product(coop, amount=14999, lots=[(coop.members[0], 2), (coop.members[1], 1)])
    order = books.order([(honey, 3)], currency="XOF", country="SN", method="card", charge=transaction(1812, "xof"))
    books.deliver(order, coop)

    [parcel] = settled(books)["parcels"]

    fee = half_up(Decimal(1812) / Decimal(RATES["XOF"]) * 100)  # XOF has no decimals, MAD two
    captured = parcel["captured"]["amount"]
    assert parcel["fees"]["amount"] == fee != model_fee(captured)
    assert sum(parcel[name]["amount"] for name in ("fees", "commission", "reserve", "members", "refunds")) == captured
    # the bank received the capture less the fee; settlement then clears what the fee account held
    assert books.balance("bank") == captured - fee and books.balance("payment_fees") == 0


def test_a_fee_in_mad_is_divided_between_the_parcels_of_the_payment_to_the_centime(books, card):
    first, second = books.cooperative([{}]), books.cooperative([{}])
    honey = books.product(first, amount=12000, lots=[(first.members[0], 5)])
    argan = books.product(second, amount=31000, lots=[(second.members[0], 5)])
    order = books.order([(honey, 1), (argan, 2)], method="card", charge=transaction(2207, "mad"))
    for coop in (first, second):
        books.deliver(order, coop)

    parcels = settled(books)["parcels"]

    fees = [p["fees"]["amount"] for p in parcels]
    assert sum(fees) == 2207 and all(fees)
    heavier = max(parcels, key=lambda p: p["captured"]["amount"])
    assert heavier["fees"]["amount"] == max(fees)  # in proportion to what each parcel brought in
    assert books.balance("payment_fees") == 0


def test_the_fee_is_asked_of_the_provider_after_the_capture_when_the_event_does_not_carry_it(books, card,
                                                                                           app_config):
    app_config(PAYMENT_FEE_FROM_PROVIDER=True)
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=14999, lots=[(coop.members[0], 3)])
    order = books.order([(honey, 2)], currency="XOF", country="SN", method="card")
    books.deliver(order, coop)
    intent = card.client.v1.payment_intents.retrieve(order["payment"]["payment_intent_id"])
    charge_id = intent.latest_charge if isinstance(intent.latest_charge, str) else intent.latest_charge.id
    charge = card.client.v1.charges.retrieve(charge_id, params={"expand": ["balance_transaction"]})
    reported = charge.balance_transaction  # localstripe's own balance transaction for the charge

    [parcel] = settled(books)["parcels"]

    assert reported.currency == "xof"
    fee = half_up(Decimal(reported.fee) / Decimal(RATES["XOF"]) * 100)
    assert parcel["fees"]["amount"] == fee != model_fee(parcel["captured"]["amount"])
    assert books.balance("payment_fees") == 0


def test_without_a_balance_transaction_the_fee_model_is_used(books, card, app_config):
    """The charge the event names is unknown to the provider: no fee can be learnt, the model applies."""
    app_config(PAYMENT_FEE_FROM_PROVIDER=True)
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=14999, lots=[(coop.members[0], 3)])
    order = books.order([(honey, 2)], method="card", charge={"id": "ch_unknownToTheProvider",
                                                             "balance_transaction": "txn_notExpanded"})
    books.deliver(order, coop)

    [parcel] = settled(books)["parcels"]

    captured = parcel["captured"]["amount"]
    assert parcel["fees"]["amount"] == model_fee(captured)
    assert books.balance("bank") == captured and books.balance("payment_fees") == -model_fee(captured)
