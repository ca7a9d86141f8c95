"""Parcels: cooperatives see and ship their own; the order follows its parcels; cash on delivery is recorded."""
from __future__ import annotations

from tests.orders.conftest import API


def two_parcel_order(market, users, *, method="cash_on_delivery"):
    first, second = market.stocked(), market.stocked()
    buyer = users.buyer()
    market.add(buyer, first.variant_id)
    market.add(buyer, second.variant_id)
    order = market.checkout(buyer, method=method).json
    parcels = {p["cooperative_id"]: p for p in order["coop_orders"]}
    return buyer, order, [(s.seller, parcels[s.seller.cooperative_id]) for s in (first, second)]


def ship(market, seller, parcel_id, **body):
    body = body or {"carrier": "Amana", "tracking_number": "AM123456789MA"}
    return market.client.post(f"{API}/coop-orders/{parcel_id}/ship", json=body, headers=seller.manager.headers)


def deliver(market, account, parcel_id, **body):
    return market.client.post(f"{API}/coop-orders/{parcel_id}/deliver", json=body, headers=account.headers)


def test_a_cooperative_lists_only_its_own_parcels_filtered_by_status(market, users):
    buyer, order, [(seller, parcel), (other, _)] = two_parcel_order(market, users)

    listed = market.client.get(f"{API}/cooperatives/{seller.cooperative_id}/orders", query_string={
        "status": "to_ship"}, headers=seller.manager.headers)
    shipped = market.client.get(f"{API}/cooperatives/{seller.cooperative_id}/orders", query_string={
        "status": "shipped"}, headers=seller.manager.headers)
    foreign = market.client.get(f"{API}/cooperatives/{seller.cooperative_id}/orders", headers=other.manager.headers)

    assert listed.status_code == 200 and [p["id"] for p in listed.json["items"]] == [parcel["id"]]
    assert listed.json["items"][0]["order_number"] == order["number"]
    assert [line["coop_order_id"] for line in listed.json["items"][0]["lines"]] == [parcel["id"]]
    assert shipped.json["items"] == []
    assert foreign.status_code == 404


def test_the_order_follows_its_parcels_to_partially_shipped_shipped_delivered(market, users):
    buyer, order, [(a, parcel_a), (b, parcel_b)] = two_parcel_order(market, users)

    assert ship(market, a, parcel_a["id"]).status_code == 200
    assert market.order(buyer, order["id"]).json["status"] == "partially_shipped"
    assert ship(market, b, parcel_b["id"]).status_code == 200
    assert market.order(buyer, order["id"]).json["status"] == "shipped"
    assert deliver(market, a.manager, parcel_a["id"]).status_code == 200
    assert market.order(buyer, order["id"]).json["status"] == "shipped"
    assert deliver(market, b.manager, parcel_b["id"]).status_code == 200

    final = market.order(buyer, order["id"]).json
    assert final["status"] == "delivered"
    assert [h["status"] for h in final["history"]] == ["confirmed", "partially_shipped", "shipped", "delivered"]
    assert final["payment"]["status"] == "captured"
    assert final["payment"]["amount_captured"]["amount"] == final["totals"]["total"]["amount"]
    assert all(p["tracking_number"] == "AM123456789MA" for p in final["coop_orders"])


def test_another_cooperatives_parcel_cannot_be_shipped_and_a_parcel_ships_once(market, users):
    buyer, order, [(a, parcel_a), (b, _)] = two_parcel_order(market, users)

    assert ship(market, b, parcel_a["id"]).status_code == 404
    assert ship(market, a, parcel_a["id"]).status_code == 200
    twice = ship(market, a, parcel_a["id"])
    assert twice.status_code == 409 and twice.json["error"]["code"] == "invalid_transition"
    assert market.client.post(f"{API}/coop-orders/{parcel_a['id']}/ship", json={"carrier": "x",
                              "tracking_number": "y"}, headers=buyer.headers).status_code == 403


def test_an_unpaid_card_parcel_cannot_be_shipped(market, users, localstripe):
    buyer, order, [(a, parcel_a), _] = two_parcel_order(market, users, method="card")

    response = ship(market, a, parcel_a["id"])

    assert response.status_code == 409 and response.json["error"]["details"]["status"] == "awaiting_payment"


def test_cash_collected_different_from_the_amount_due_is_recorded_and_flagged(market, users):
    honey = market.stocked()
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)
    order = market.checkout(buyer).json
    parcel = order["coop_orders"][0]
    ship(market, honey.seller, parcel["id"])
    due = order["totals"]["total"]["amount"]

    response = deliver(market, users.shared_admin(), parcel["id"],
                       cash_collected={"amount": due - 500, "currency": "MAD"})

    assert response.status_code == 200
    assert response.json["cash_collected"] == {"amount": due - 500, "currency": "MAD"}
    assert response.json["cash_flagged"] is True
    after = market.order(buyer, order["id"]).json
    assert after["payment"]["flagged"] is True and after["payment"]["amount_captured"]["amount"] == due - 500


def test_delivered_orders_are_completed_once_the_return_window_is_over(market, users, app):
    honey = market.stocked()
    buyer = users.buyer()
    market.add(buyer, honey.variant_id)
    order = market.checkout(buyer).json
    parcel = order["coop_orders"][0]
    ship(market, honey.seller, parcel["id"])
    deliver(market, honey.seller.manager, parcel["id"])
    runner = app.test_cli_runner()

    within = runner.invoke(args=["orders", "complete"])
    app.config["RETURN_WINDOW_DAYS"] = 0
    after = runner.invoke(args=["orders", "complete"])
    again = runner.invoke(args=["orders", "complete"])

    assert "0 orders completed" in within.output
    assert "1 orders completed" in after.output and "0 orders completed" in again.output
    assert market.order(buyer, order["id"]).json["status"] == "completed"
