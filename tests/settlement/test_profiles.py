"""A cooperative's settlement terms and members, read for a run, and the shares they give on a worked example."""
from datetime import timedelta

import pytest
import time_machine

from marketplace.clock import now
from orders.settlement.services import settlement_profiles
from orders.settlement.split import FeeModel, ParcelMoney, PaymentMethod, Policy, split_parcel

API = "/api/v1"


@pytest.fixture
def cooperative(client, coop_factory):
    """Members A (3 shares) and B (1) since 2018, E (no shares), C who joined 100 days ago with 10 shares, and D
    (5 shares) who left 300 days ago; commission 7 %, reserve 15 %, set by the admin."""
    created, manager = coop_factory.verified()
    cooperative_id = created["id"]
    response = client.patch(f"{API}/cooperatives/{cooperative_id}", json={"commission_bps": 700, "reserve_bps": 1500},
                            headers=coop_factory.admin.headers)
    assert response.status_code == 200, response.json
    today = now().date()
    ids = {}
    for name, joined, shares in (("A", "2018-02-01", 3), ("B", "2018-02-01", 1), ("E", "2019-03-01", 0),
                                 ("C", (today - timedelta(days=100)).isoformat(), 10), ("D", "2018-02-01", 5)):
        ids[name] = coop_factory.add_member(manager, cooperative_id, full_name=f"Member {name}", joined_on=joined,
                                            capital_shares=shares)["id"]
    with time_machine.travel(now() - timedelta(days=300), tick=False):
        left = client.delete(f"{API}/cooperatives/{cooperative_id}/members/{ids['D']}", headers=manager.headers)
    assert left.status_code == 200, left.json
    return cooperative_id, manager, ids


def use_policy(client, cooperative_id, manager, policy):
    response = client.patch(f"{API}/cooperatives/{cooperative_id}", json={"distribution_policy": policy},
                            headers=manager.headers)
    assert response.status_code == 200, response.json


def settle(app, cooperative_id, delivered_on, contributions=None):
    with app.app_context():
        profile = settlement_profiles([cooperative_id])[cooperative_id]
        money = ParcelMoney(captured=100_000, goods=100_000, payment_method=PaymentMethod.CASH_ON_DELIVERY)
        return profile.terms, split_parcel(money, profile.terms, profile.basis(delivered_on, contributions))


def test_the_shares_policy_pays_the_members_active_on_the_delivery_day_by_their_capital_shares(
        app, client, cooperative):
    cooperative_id, manager, ids = cooperative
    use_policy(client, cooperative_id, manager, "shares")
    terms, split = settle(app, cooperative_id, now().date() - timedelta(days=200))
    assert (terms.commission_bps, terms.reserve_bps, terms.policy) == (700, 1500, Policy.SHARES)
    # 1,000.00 MAD − 70.00 commission = 930.00; reserve 15 % = 139.50; members 790.50 shared 3 : 1 between A and B
    # (C joined after the delivery, D had left before it, E holds no share).
    assert (split.commission, split.reserve) == (7000, 13950)
    assert split.members == {ids["A"]: 59288, ids["B"]: 19762}  # 592.875 / 197.625: the tied centime to A
    assert split.basis == Policy.SHARES and split.parts_total() == 100_000


def test_the_equal_policy_pays_each_member_active_on_the_delivery_day_the_same(app, client, cooperative):
    cooperative_id, manager, ids = cooperative
    use_policy(client, cooperative_id, manager, "equal")
    _, split = settle(app, cooperative_id, now().date() - timedelta(days=200))
    assert split.members == {ids["A"]: 26350, ids["B"]: 26350, ids["E"]: 26350}  # 790.50 / 3
    _, later = settle(app, cooperative_id, now().date() - timedelta(days=10))
    assert set(later.members) == {ids["A"], ids["B"], ids["E"], ids["C"]}  # C has joined, D is still gone


def test_the_contribution_policy_pays_who_produced_the_lots_even_a_member_who_left_since(app, client, cooperative):
    cooperative_id, _, ids = cooperative
    _, split = settle(app, cooperative_id, now().date() - timedelta(days=200),
                      contributions={ids["D"]: 2 * 14999, ids["E"]: 14999})
    assert split.basis == Policy.CONTRIBUTION
    assert split.members == {ids["D"]: 52700, ids["E"]: 26350}  # 790.50 as 2 : 1


def test_profiles_of_many_cooperatives_cost_two_queries_and_carry_the_configured_fee_model(
        app, coop_factory, queries):
    cooperative_ids = [coop_factory.verified()[0]["id"] for _ in range(3)]
    app.config.update(PAYMENT_FEE_BPS=250, PAYMENT_FEE_FIXED=0)
    with app.app_context():
        queries.reset()
        profiles = settlement_profiles(cooperative_ids + [999_999])
        assert queries.count == 2
    assert sorted(profiles) == cooperative_ids  # an unknown cooperative has no profile
    assert all(p.terms.fee_model == FeeModel(250, 0) and p.terms.policy == Policy.CONTRIBUTION
               and p.members == () for p in profiles.values())
