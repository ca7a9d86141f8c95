"""Settlement runs over HTTP: parcels bought, delivered and settled through the API, split to the centime."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tests.orders.conftest import RATES
from tests.settlement.conftest import API, rib

PARTS = ("fees", "commission", "reserve", "members", "refunds")


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def amounts(row: dict, names=("captured", *PARTS)) -> dict:
    return {name: row[name]["amount"] for name in names}


def test_a_card_parcel_paid_in_xof_splits_to_the_centime_and_members_share_by_the_lots_they_produced(
        books, localstripe):
    coop = books.cooperative([{"full_name": "Fatima Zahra Aït Ali", "payout_method": "bank_transfer",
                               "payout_account": rib(1)}, {"full_name": "Khadija Oubella"}])
    fatima, khadija = coop.members
    honey = books.product(coop, amount=14999, lots=[(fatima, 2), (khadija, 1)])
    order = books.order([(honey, 3)], currency="XOF", country="SN", method="card")
    parcel_id = books.deliver(order, coop)

    assert books.settle().json["parcels_count"] == 0  # still inside the return window
    books.later(8)
    response = books.settle()

    assert response.status_code == 201, response.json
    run = response.json
    [parcel] = run["parcels"]
    assert parcel["coop_order_id"] == parcel_id and parcel["order_number"] == order["number"]
    total_xof = order["totals"]["total"]["amount"]
    captured = half_up(Decimal(total_xof) / Decimal(RATES["XOF"]) * 100)
    split = amounts(parcel)
    assert split["captured"] == captured
    assert sum(split[name] for name in PARTS) == captured  # to the centime
    assert split["refunds"] == 0
    goods = half_up(Decimal(captured) * order["totals"]["items"]["amount"] / total_xof)
    assert split["fees"] == half_up(Decimal(captured) * 290 / 10_000) + 300  # PAYMENT_FEE_BPS + PAYMENT_FEE_FIXED
    assert split["commission"] == half_up(Decimal(goods) * 500 / 10_000)  # 5 % of the goods, not the shipping
    left = captured - split["fees"] - split["commission"]
    assert split["reserve"] == half_up(Decimal(left) * 1000 / 10_000)
    [cooperative] = run["cooperatives"]
    shares = {m["member_id"]: m["amount"]["amount"] for m in cooperative["members_detail"]}
    assert set(shares) == {fatima, khadija}
    assert sum(shares.values()) == split["members"]
    assert abs(shares[fatima] - 2 * shares[khadija]) <= 2  # 2 units against 1, to the centime allocate leaves
    assert cooperative["payable"]["amount"] == split["reserve"] + split["members"]
    assert amounts(run["totals"], ("captured", *PARTS)) == split
    payouts = {(p["payee"], p["member_id"]): p for p in run["payouts"]}
    assert payouts[("member", fatima)]["amount"]["amount"] == shares[fatima]
    assert payouts[("member", fatima)]["account"] == "•••• " + rib(1)[-4:]
    assert payouts[("member", fatima)]["method"] == "bank_transfer"
    assert payouts[("cooperative_reserve", None)]["amount"]["amount"] == split["reserve"]
    assert all(p["status"] == "pending" and p["amount"]["currency"] == "MAD" for p in run["payouts"])
