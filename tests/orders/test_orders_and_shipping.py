"""Reading orders, the shipping rate table and quotes, and the lot trace that recalls rely on."""
from __future__ import annotations

import pytest

from tests.orders.conftest import API


def test_a_buyer_sees_its_own_orders_an_admin_all_and_anyone_else_gets_a_404(market, users):
    honey = market.stocked()
    alice, bob = users.buyer(), users.buyer()
    for buyer in (alice, bob):
        market.add(buyer, honey.variant_id)
        assert market.checkout(buyer).status_code == 201
    alices = market.client.get(f"{API}/orders", headers=alice.headers).json
    order_id = alices["items"][0]["id"]

    assert alices["total"] == 1
    assert market.client.get(f"{API}/orders", headers=users.shared_admin().headers).json["total"] == 2
    assert market.order(bob, order_id).status_code == 404
    assert market.order(honey.seller.manager, order_id).status_code == 404
    assert market.order(users.shared_admin(), order_id).status_code == 200
    assert market.client.get(f"{API}/orders/{order_id}").status_code == 401


def test_anyone_reads_the_shipping_rates_and_only_admins_set_them(market, users):
    body = {"rates": [{"zone": "africa", "base": {"amount": 16000, "currency": "MAD"},
                       "per_kg": {"amount": 9000, "currency": "MAD"}}]}

    assert market.client.put(f"{API}/admin/shipping-rates", json=body,
                             headers=users.buyer().headers).status_code == 403
    updated = market.client.put(f"{API}/admin/shipping-rates", json=body, headers=users.shared_admin().headers)
    public = market.client.get(f"{API}/admin/shipping-rates")

    assert updated.status_code == 200
    assert public.status_code == 200 and [r["zone"] for r in public.json["rates"]] == ["MA", "africa", "world"]
    assert public.json["rates"][1] == {"zone": "africa", "base": {"amount": 16000, "currency": "MAD"},
                                       "per_kg": {"amount": 9000, "currency": "MAD"}}


@pytest.mark.parametrize("rate", [
    {"zone": "mars", "base": {"amount": 1, "currency": "MAD"}, "per_kg": {"amount": 1, "currency": "MAD"}},
    {"zone": "MA", "base": {"amount": -1, "currency": "MAD"}, "per_kg": {"amount": 1, "currency": "MAD"}},
    {"zone": "MA", "base": {"amount": 100, "currency": "EUR"}, "per_kg": {"amount": 1, "currency": "MAD"}},
])
def test_bad_shipping_rates_are_422_and_change_nothing(market, users, rate):
    before = market.client.get(f"{API}/admin/shipping-rates").json

    response = market.client.put(f"{API}/admin/shipping-rates", json={"rates": [rate]},
                                 headers=users.shared_admin().headers)

    assert response.status_code == 422
    assert market.client.get(f"{API}/admin/shipping-rates").json == before


def test_a_quote_prices_one_parcel_per_cooperative_by_zone_and_started_kilogram(market, users):
    light, heavy = market.stocked(weight_grams=400), market.stocked(weight_grams=1001)
    buyer = users.buyer()
    market.add(buyer, light.variant_id, 2)  # 800 g → 1 kg
    market.add(buyer, heavy.variant_id, 1)  # 1001 g → 2 kg

    ma = market.client.get(f"{API}/shipping/quote", query_string={"country": "MA"}, headers=buyer.headers).json
    sn = market.client.get(f"{API}/shipping/quote", query_string={"country": "SN", "currency": "XOF"},
                           headers=buyer.headers).json
    fr = market.client.get(f"{API}/shipping/quote", query_string={"country": "FR"}, headers=buyer.headers).json
    bad = market.client.get(f"{API}/shipping/quote", query_string={"country": "ZZ"}, headers=buyer.headers)

    assert [p["shipping"]["amount"] for p in ma["parcels"]] == [3500 + 1000, 3500 + 2 * 1000]
    assert ma["zone"] == "MA" and ma["total"] == {"amount": 10000, "currency": "MAD"}
    # africa: 150 + 80/kg MAD → 230.00 MAD = 13894.3 XOF → 13894; 310.00 MAD → 18727.1 → 18727
    assert sn["zone"] == "africa" and [p["shipping"]["amount"] for p in sn["parcels"]] == [13894, 18727]
    assert fr["zone"] == "world" and fr["total"]["amount"] == (22000 + 12000) + (22000 + 24000)
    assert bad.status_code == 422


def test_the_lot_trace_lists_the_order_lines_orders_and_buyers_countries_that_drew_from_it(
        market, users, localstripe):
    honey = market.stocked(quantity=10)
    moroccan, senegalese = users.buyer(), users.buyer()
    market.add(moroccan, honey.variant_id, 2)
    market.add(senegalese, honey.variant_id, 3)
    first = market.checkout(moroccan).json
    second = market.checkout(senegalese, country="SN", currency="XOF", method="card").json
    code = honey.lot_codes[0]

    trace = market.client.get(f"{API}/lots/{code}/trace", headers=honey.seller.manager.headers)
    outsider = market.client.get(f"{API}/lots/{code}/trace", headers=users.cooperative().headers)

    assert trace.status_code == 200 and outsider.status_code == 404
    rows = trace.json["order_lines"]
    assert [(r["order_number"], r["buyer_country"], r["units"]) for r in rows] == [
        (first["number"], "MA", 2), (second["number"], "SN", 3)]
    assert rows[0]["line_id"] == first["lines"][0]["id"]
