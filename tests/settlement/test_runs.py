"""Settlement runs over HTTP: parcels bought, delivered and settled through the API, split to the centime."""
from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from marketplace import clock
from marketplace.money import allocate

from tests.orders.conftest import RATES
from tests.settlement.conftest import API, rib

PARTS = ("fees", "commission", "reserve", "members", "refunds")


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def amounts(row: dict, names=("captured", *PARTS)) -> dict:
    return {name: row[name]["amount"] for name in names}


def test_a_card_parcel_paid_in_xof_splits_to_the_centime_and_members_share_by_the_lots_they_produced(
        books, card):
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


def cash_parcel(books, coop, variant_id, quantity=1) -> tuple[dict, int]:
    order = books.order([(variant_id, quantity)])
    return order, books.deliver(order, coop)


def test_the_shares_policy_divides_by_capital_shares_and_equal_among_members_active_on_the_delivery_date(books):
    by_shares = books.cooperative([{"capital_shares": 3}, {"capital_shares": 1}, {"capital_shares": 0}],
                                  policy="shares")
    equal = books.cooperative([{}, {}, {}, {}], policy="equal")
    gone = equal.members[3]
    assert books.client.delete(f"{API}/cooperatives/{equal.id}/members/{gone}",
                               headers=equal.manager.headers).status_code in (200, 204)
    for coop in (by_shares, equal):
        cash_parcel(books, coop, books.product(coop, amount=20000, lots=[(coop.members[0], 5)]))
    books.later(8)

    run = books.settle().json

    assert run["parcels_count"] == 2
    rows = {c["cooperative_id"]: c for c in run["cooperatives"]}
    for coop in (by_shares, equal):
        row = rows[coop.id]
        assert row["fees"]["amount"] == 0  # cash on delivery costs no payment fee
        assert row["commission"]["amount"] == 1000  # 5 % of 200.00 MAD of goods; the shipping pays none
        left = row["captured"]["amount"] - 1000
        assert row["reserve"]["amount"] == half_up(Decimal(left) / 10)
        assert row["members"]["amount"] == left - row["reserve"]["amount"]
    members = rows[by_shares.id]["members"]["amount"]
    shares = {m["member_id"]: m["amount"]["amount"] for m in rows[by_shares.id]["members_detail"]}
    first, second, _none = by_shares.members
    assert shares == dict(zip((first, second), allocate(members, [3, 1])))  # the member with no share: nothing
    members = rows[equal.id]["members"]["amount"]
    equally = {m["member_id"]: m["amount"]["amount"] for m in rows[equal.id]["members_detail"]}
    assert equally == dict(zip(equal.members[:3], allocate(members, [1, 1, 1])))  # who left before: nothing
    parcels = {p["cooperative_id"]: p for p in run["parcels"]}
    earnings = books.client.get(f"{API}/cooperatives/{by_shares.id}/members/{first}/earnings",
                                headers=by_shares.manager.headers).json
    assert [(item["basis"], item["amount"]["amount"]) for item in earnings["items"]] == [("shares", shares[first])]
    assert earnings["total"]["amount"] == shares[first]
    assert parcels[by_shares.id]["members"] == rows[by_shares.id]["members"]


def test_a_refund_before_settlement_is_taken_out_and_commission_is_only_on_the_goods_kept(books):
    coop = books.cooperative([{}])
    honey = books.product(coop, amount=10000, lots=[(coop.members[0], 5)])
    order, _ = cash_parcel(books, coop, honey, quantity=2)
    line_id = books.market.order(order["buyer"], order["id"]).json["lines"][0]["id"]
    assert books.refund(order, coop.manager, [(line_id, 1)]).status_code == 201
    books.later(8)

    [parcel] = books.settle().json["parcels"]

    assert parcel["refunds"]["amount"] == 10000
    assert parcel["commission"]["amount"] == 500  # 5 % of the one unit kept
    assert sum(parcel[name]["amount"] for name in PARTS) == parcel["captured"]["amount"]


def test_a_refund_after_settlement_is_deducted_in_the_cooperatives_next_run_reserve_first(books):
    coop = books.cooperative([{"full_name": "Amina"}, {"full_name": "Hafsa"}])
    amina, hafsa = coop.members
    honey = books.product(coop, amount=10000, lots=[(amina, 1), (hafsa, 9)])
    first_order, _ = cash_parcel(books, coop, honey, quantity=1)
    books.later(8)
    first = books.settle().json
    assert first["parcels_count"] == 1
    line_id = books.market.order(first_order["buyer"], first_order["id"]).json["lines"][0]["id"]
    assert books.refund(first_order, books.admin, [(line_id, 1)]).status_code == 201
    owed = 10000 - 500  # the refund less the commission the platform had taken on it
    assert books.balance(f"cooperative:{coop.id}:payable") == owed

    cash_parcel(books, coop, honey, quantity=3)
    books.later(8)
    second = books.settle().json

    [row] = second["cooperatives"]
    assert row["deductions"]["amount"] == owed
    reserve, members = row["reserve"]["amount"], row["members"]["amount"]
    assert reserve < owed  # the reserve is emptied first, the members pay the rest
    assert row["payable"]["amount"] == reserve + members - owed
    payouts = {p["payee"]: p for p in second["payouts"]}
    assert "cooperative_reserve" not in payouts
    assert payouts["member"]["member_id"] == hafsa
    assert payouts["member"]["amount"]["amount"] == members - (owed - reserve)
    assert second["totals"]["deductions"]["amount"] == owed
    assert books.balance(f"cooperative:{coop.id}:payable") == 0
    statement = books.client.get(f"{API}/cooperatives/{coop.id}/statements", headers=coop.manager.headers).json
    assert statement["deductions"] == [{"settlement_id": second["id"], "owed": {"amount": owed, "currency": "MAD"},
                                        "deducted": {"amount": owed, "currency": "MAD"},
                                        "from_reserve": {"amount": reserve, "currency": "MAD"},
                                        "from_members": {"amount": owed - reserve, "currency": "MAD"},
                                        "carried": {"amount": 0, "currency": "MAD"}}]


def test_what_a_run_cannot_cover_is_carried_to_the_next_and_no_payout_is_negative(books):
    coop = books.cooperative([{}])
    big = books.product(coop, amount=50000, lots=[(coop.members[0], 5)])
    small = books.product(coop, amount=1000, lots=[(coop.members[0], 5)])
    order, _ = cash_parcel(books, coop, big)
    books.later(8)
    books.settle()
    line_id = books.market.order(order["buyer"], order["id"]).json["lines"][0]["id"]
    assert books.refund(order, books.admin, [(line_id, 1)]).status_code == 201
    cash_parcel(books, coop, small)
    books.later(8)

    run = books.settle().json

    [row] = run["cooperatives"]
    owed = 50000 - 2500
    assert row["deductions"]["amount"] == row["reserve"]["amount"] + row["members"]["amount"] < owed
    assert row["payable"]["amount"] == 0 and run["payouts"] == []
    assert books.balance(f"cooperative:{coop.id}:payable") == owed - row["deductions"]["amount"]  # carried


def test_a_run_up_to_a_day_after_today_is_422_and_creates_nothing(books, users):
    response = books.settle(clock.today() + timedelta(days=1))
    assert response.status_code == 422 and "up_to" in response.json["error"]["details"]
    for body in ({}, {"up_to": "yesterday"}):
        answer = books.client.post(f"{API}/admin/settlements", json=body, headers=books.admin.headers)
        assert answer.status_code == 422 and "up_to" in answer.json["error"]["details"]
    listed = books.client.get(f"{API}/admin/settlements", headers=books.admin.headers).json
    assert listed["total"] == 0
    for account in (users.buyer(), users.cooperative()):
        assert books.client.post(f"{API}/admin/settlements", json={"up_to": "2020-01-01"},
                                 headers=account.headers).status_code == 403
    assert books.client.get(f"{API}/admin/settlements/999", headers=books.admin.headers).status_code == 404


def test_runs_are_listed_newest_first_paged_and_one_with_nothing_eligible_is_still_201(books):
    ids = []
    for _ in range(3):
        response = books.settle()
        assert response.status_code == 201 and response.json["parcels_count"] == 0
        ids.append(response.json["id"])
    page = books.client.get(f"{API}/admin/settlements", query_string={"per_page": 2},
                            headers=books.admin.headers).json
    assert [r["id"] for r in page["items"]] == ids[::-1][:2] and page["total"] == 3
    one = books.client.get(f"{API}/admin/settlements/{ids[0]}", headers=books.admin.headers).json
    assert one["cooperatives"] == [] and one["payouts"] == [] and one["totals"]["payable"]["amount"] == 0


def test_more_parcels_in_a_batch_cost_no_more_statements(books, queries):
    """A batch of parcels is claimed, posted and shared in the same few statements, however many it holds."""
    coop = books.cooperative([{}, {}])
    honey = books.product(coop, amount=10000, lots=[(coop.members[0], 3), (coop.members[1], 30)])
    counts = []
    for parcels in (1, 4):
        for _ in range(parcels):
            cash_parcel(books, coop, honey, quantity=2)
        books.later(8)
        queries.reset()
        assert books.settle().json["parcels_count"] == parcels
        counts.append(queries.count)

    assert counts[1] == counts[0]
