"""A refund in a currency other than MAD is converted with the order's rate, and rounding must not make a parcel
bear more (or less) than it brought in: once every parcel is settled the refunds account is back to zero, and a
parcel refunded in full leaves nothing to its members."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.settlement.accounts import REFUNDS
from orders.settlement.ledger import account_balance, unbalanced_entries


def _refunds_balance(books) -> int:
    with books.market.app.app_context():
        return account_balance(REFUNDS)


def _lines_by_parcel(books, order) -> dict[int, list[dict]]:
    lines = books.market.order(order["buyer"], order["id"]).json["lines"]
    by_parcel: dict[int, list[dict]] = {}
    for line in lines:
        by_parcel.setdefault(line["coop_order_id"], []).append(line)
    return by_parcel


def _assert_reconciles(run: dict, order: dict, fully_refunded: set[int]) -> None:
    parcels = {p["coop_order_id"]: p for p in run["parcels"]}
    for parcel in order["coop_orders"]:
        settled = parcels[parcel["id"]]
        parts = sum(settled[name]["amount"] for name in ("refunds", "fees", "commission", "reserve", "members"))
        assert parts == settled["captured"]["amount"], settled
        if parcel["id"] in fully_refunded:
            assert settled["refunds"] == settled["captured"], settled
            assert settled["members"]["amount"] == settled["reserve"]["amount"] == 0, settled


def test_a_card_order_in_xof_refunded_unit_by_unit_leaves_nothing_in_the_refunds_account(books, card):
    coops = [books.cooperative([{}]) for _ in range(3)]
    variants = [books.product(coop, amount=amount, lots=[(coop.members[0], 9)])
                for coop, amount in zip(coops, (14999, 3333, 7777))]
    order = books.order([(variants[0], 3), (variants[1], 2), (variants[2], 1)], currency="XOF", country="SN",
                        method="card")
    for coop in coops:
        books.deliver(order, coop)
    before = _refunds_balance(books)
    by_parcel = _lines_by_parcel(books, order)
    first, second, _third = (p["id"] for p in order["coop_orders"])
    for line in by_parcel[first]:
        for n in range(line["quantity"]):
            assert books.refund(order, books.admin, [(line["id"], 1)], include_shipping=n == 0).status_code == 201
    [line] = by_parcel[second]
    assert books.refund(order, books.admin, [(line["id"], 1)]).status_code == 201

    books.later(30)
    run = books.settle()

    assert run.status_code == 201, run.json
    _assert_reconciles(run.json, order, fully_refunded={first})
    assert _refunds_balance(books) == before


PRICES = (101, 999, 2501, 3333, 7777, 12345, 14999, 45678, 99999)  # MAD minor units that round unevenly


def test_cash_orders_in_any_currency_refunded_in_part_or_in_full_reconcile_to_the_centime(books):
    coops = [books.cooperative([{}]) for _ in range(3)]
    # every example moves the clock past the return window, so the lots must keep for all of them
    variants = [[books.product(coop, amount=price, lots=[(coop.members[0], 500)], keeps_days=1000)
                 for price in PRICES] for coop in coops]

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(currency=st.sampled_from(["EUR", "USD", "XOF", "XAF"]),
           picks=st.lists(st.tuples(st.sampled_from(range(len(PRICES))), st.integers(min_value=1, max_value=3),
                                    st.booleans(), st.booleans()), min_size=2, max_size=3))
    def settle_one_order(currency, picks):
        """picks: per cooperative (price, quantity, refund every unit, refund the shipping with the last one)."""
        items = [(variants[n][price], quantity) for n, (price, quantity, _all, _ship) in enumerate(picks)]
        order = books.order(items, currency=currency)
        for coop in coops[:len(picks)]:
            books.deliver(order, coop)
        before = _refunds_balance(books)
        fully_refunded = set()
        coop_of = {parcel["id"]: parcel["cooperative_id"] for parcel in order["coop_orders"]}
        position = {coop.id: n for n, coop in enumerate(coops)}
        lines = sorted(_lines_by_parcel(books, order).items(), key=lambda item: position[coop_of[item[0]]])
        for (parcel_id, [line]), (_price, _quantity, refund_all, with_shipping) in zip(lines, picks):
            units = line["quantity"] if refund_all else 1
            for n in range(units):
                response = books.refund(order, books.admin, [(line["id"], 1)],
                                        include_shipping=with_shipping and n == units - 1)
                assert response.status_code == 201, response.json
            if refund_all and with_shipping:
                fully_refunded.add(parcel_id)

        books.later(30)
        run = books.settle()

        assert run.status_code == 201, run.json
        _assert_reconciles(run.json, order, fully_refunded)
        assert _refunds_balance(books) == before

    settle_one_order()
    with books.market.app.app_context():
        assert unbalanced_entries() == []
