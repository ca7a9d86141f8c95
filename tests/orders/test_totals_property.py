"""Property: whatever the cart and the currency, line totals, shipping and VAT add up to the order total."""
from __future__ import annotations

import math
import uuid
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.orders.conftest import API, RATES, SHIPPING

CURRENCY_DECIMALS = {"MAD": 2, "EUR": 2, "USD": 2, "XOF": 0, "XAF": 0}


def converted(mad_centimes: int, currency: str) -> int:
    """The test's own conversion: MAD × rate, rounded half up to the currency's minor unit."""
    rate = Decimal(1) if currency == "MAD" else Decimal(RATES[currency])
    value = Decimal(mad_centimes) / 100 * rate * 10 ** CURRENCY_DECIMALS[currency]
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# (price in MAD centimes, weight in grams, category): prices whose conversions round both ways
CATALOG = [(1999, 250, "honey"), (12345, 1000, "argan-oil"), (250_050, 2300, "pottery")]
carts = st.dictionaries(st.integers(0, len(CATALOG) - 1), st.integers(1, 4), min_size=1, max_size=len(CATALOG))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cart=carts, currency=st.sampled_from(sorted(CURRENCY_DECIMALS)))
def test_line_totals_shipping_and_vat_add_up_to_the_total_in_every_currency(market, users, cart, currency):
    if not hasattr(market, "_products"):
        market._products = [market.stocked(quantity=5000, amount=price, weight_grams=weight, category=category)
                            for price, weight, category in CATALOG]
        market._buyer = users.buyer()
    products, buyer = market._products, market._buyer
    for index, quantity in cart.items():
        assert market.add(buyer, products[index].variant_id, quantity).status_code == 201

    response = market.checkout(buyer, country="MA", currency=currency, key=uuid.uuid4().hex)

    assert response.status_code == 201, response.json
    order = response.json
    totals = {name: money["amount"] for name, money in order["totals"].items()}
    lines = order["lines"]
    assert all(m["currency"] == currency for name, m in order["totals"].items() if name != "total_mad")
    assert sum(line["line_total"]["amount"] for line in lines) == totals["items"]
    assert sum(p["shipping"]["amount"] for p in order["coop_orders"]) == totals["shipping"]
    assert totals["items"] + totals["shipping"] == totals["total"]
    vat = sum(int((Decimal(line["line_total"]["amount"]) * line["vat_rate_bps"] / (10_000 + line["vat_rate_bps"]))
                  .quantize(Decimal(1), rounding=ROUND_HALF_UP)) for line in lines)
    assert totals["vat_included"] == vat
    ma = next(r for r in SHIPPING if r["zone"] == "MA")
    total_mad = 0
    for index, quantity in cart.items():
        price = CATALOG[index][0]
        line = next(line for line in lines if line["variant_id"] == products[index].variant_id)
        assert line["unit_price"]["amount"] == converted(price, currency)
        assert line["line_total"]["amount"] == line["unit_price"]["amount"] * quantity
        total_mad += price * quantity
    for parcel in order["coop_orders"]:
        kilograms = math.ceil(parcel["weight_grams"] / 1000)
        shipping_mad = ma["base"] + ma["per_kg"] * kilograms
        assert parcel["shipping"]["amount"] == converted(shipping_mad, currency)
        total_mad += shipping_mad
    assert totals["total_mad"] == total_mad
    assert market.client.post(f"{API}/orders/{order['id']}/cancel", json={}, headers=buyer.headers).status_code == 200
