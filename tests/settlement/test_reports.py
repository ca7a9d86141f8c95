"""The impact report against a hand count, its public form, and a cooperative's dashboard."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from marketplace import clock
from tests.settlement.conftest import API

WOMAN_1995 = {"gender": "female", "birth_year": 1995}


@pytest.fixture
def observed(books, card):
    """Three beekeeping cooperatives of Souss-Massa, one pending argan cooperative of the Oriental; two sales
    (200.00 MAD to Morocco, 50.00 MAD to Senegal) delivered and settled; certifications, one expiring soon."""
    a = books.cooperative([{"full_name": "Itto", **WOMAN_1995}, {"full_name": "Rkia", "gender": "female",
                                                                  "birth_year": 1970}], name="Tifaouine")
    b = books.cooperative([{"full_name": "Brahim", "gender": "male", "birth_year": 1970}], name="Amalou")
    c = books.cooperative([{"full_name": "Zahra", "gender": "female", "birth_year": 1980}], name="Tamount")
    d = books.cooperative([{"full_name": "Said", "gender": "male", "birth_year": 2000}], name="Oujda Argan",
                          status="pending", region="oriental", sector="argan")
    a_honey = books.product(a, amount=10000, lots=[(a.members[0], 5)])
    b_honey = books.product(b, amount=5000, lots=[(b.members[0], 5)])
    books.deliver(books.order([(a_honey, 2)]), a)
    books.deliver(books.order([(b_honey, 1)], currency="XOF", country="SN", method="card"), b)
    books.market.shop.certification(c.id, expires_on=clock.today() + timedelta(days=10))
    books.market.shop.certification(c.id, expires_on=clock.today() + timedelta(days=60))
    books.later(8)
    run = books.settle().json
    return {"a": a, "b": b, "c": c, "d": d, "run": run}


def impact(books, headers=None, **query):
    return books.client.get(f"{API}/reports/impact", query_string=query, headers=headers or {})


def test_the_impact_report_matches_a_hand_count(books, observed):
    response = impact(books, books.admin.headers)

    assert response.status_code == 200, response.json
    report = response.json
    assert report["to"] == clock.today().isoformat() and report["region"] is None
    assert report["cooperatives"] == {
        "total": 4, "verified": 3,
        "by_region": [{"region": "oriental", "total": 1, "verified": 0},
                      {"region": "souss-massa", "total": 3, "verified": 3}],
        "by_sector": [{"sector": "argan", "total": 1}, {"sector": "beekeeping", "total": 3}]}
    assert report["members"] == {"total": 5, "women": 3, "under_35": 2, "women_share": 0.6, "under_35_share": 0.4}
    mad = lambda amount: {"amount": amount, "currency": "MAD"}  # noqa: E731
    assert report["sales"] == {"orders": 2, "parcels": 2, "amount": mad(25000),
                               "by_region": [{"region": "souss-massa", "amount": mad(25000)}],
                               "by_category": [{"category": "honey", "amount": mad(25000)}],
                               "by_buyer_country": [{"country": "MA", "amount": mad(20000)},
                                                    {"country": "SN", "amount": mad(5000)}]}
    members_paid = {row["cooperative_id"]: row["members"]["amount"] for row in observed["run"]["cooperatives"]}
    to_members = sum(members_paid.values())
    women = members_paid[observed["a"].id]  # Itto produced every jar Tifaouine sold; Brahim all of Amalou's
    assert report["distributed"] == {"to_members": mad(to_members), "to_women": mad(women),
                                     "women_share": round(women / to_members, 4)}
    assert report["certifications"] == {"verified": 4, "expiring_30_days": 1}


def test_a_region_and_a_period_narrow_the_report(books, observed):
    oriental = impact(books, books.admin.headers, region="oriental").json
    assert (oriental["cooperatives"]["total"], oriental["members"]["total"]) == (1, 1)
    assert oriental["sales"]["amount"]["amount"] == 0 and oriental["distributed"]["to_members"]["amount"] == 0
    old = impact(books, books.admin.headers, **{"from": "2020-01-01", "to": "2020-12-31"}).json
    assert old["sales"]["parcels"] == 0 and old["members"]["total"] == 0
    for query in ({"region": "atlantis"}, {"from": "2021-01-02", "to": "2021-01-01"}, {"to": "soon"}):
        answer = impact(books, books.admin.headers, **query)
        assert answer.status_code == 422 and answer.json["error"]["code"] == "validation_error"


def test_the_public_report_names_nobody_and_folds_groups_of_fewer_than_three_cooperatives(books, observed, users):
    assert impact(books).status_code == 401
    assert impact(books, users.buyer().headers).status_code == 403

    response = impact(books, public="true")

    assert response.status_code == 200
    report = response.json
    assert report["cooperatives"]["by_region"] == [{"region": "souss-massa", "total": 3, "verified": 3},
                                                   {"region": "other", "total": 1, "verified": 0}]
    assert report["cooperatives"]["by_sector"] == [{"sector": "beekeeping", "total": 3},
                                                   {"sector": "other", "total": 1}]
    # two cooperatives sold: every sales group is too small to show
    assert report["sales"]["by_region"] == [{"region": "other", "amount": {"amount": 25000, "currency": "MAD"}}]
    assert report["sales"]["by_buyer_country"] == [{"country": "other",
                                                     "amount": {"amount": 25000, "currency": "MAD"}}]
    text = json.dumps(report, ensure_ascii=False)
    for name in ("Tifaouine", "Amalou", "Tamount", "Oujda", "Itto", "Brahim"):
        assert name not in text
    assert report["members"]["total"] == 5


def test_a_cooperatives_dashboard_shows_sales_parcels_to_ship_low_stock_and_the_next_payout(books, observed, users):
    a = observed["a"]
    variant = books.product(a, amount=3000, lots=[(a.members[1], 4)])
    waiting = books.order([(variant, 1)])
    dashboard = books.client.get(f"{API}/cooperatives/{a.id}/dashboard", headers=a.manager.headers)

    assert dashboard.status_code == 200
    body = dashboard.json
    assert body["sales_30_days"] == {"parcels": 1, "amount": {"amount": 20000, "currency": "MAD"}}
    [parcel] = body["to_ship"]
    assert parcel["order_number"] == waiting["number"] and parcel["lines"][0]["quantity"] == 1
    # 4 units less 1 ordered, and the first honey's 5 less 2 sold: both at or under 5
    assert sorted(row["stock_available"] for row in body["low_stock"]) == [3, 3]
    assert variant in {row["variant_id"] for row in body["low_stock"]}
    payable = next(row for row in observed["run"]["cooperatives"] if row["cooperative_id"] == a.id)["payable"]
    assert body["next_payout"]["amount"] == payable
    assert body["certifications_expiring"] == []
    c = observed["c"]
    soon = books.client.get(f"{API}/cooperatives/{c.id}/dashboard", headers=books.admin.headers).json
    assert [cert["expires_on"] for cert in soon["certifications_expiring"]] == [
        (books.real_now().date() + timedelta(days=10)).isoformat()]
    assert books.client.get(f"{API}/cooperatives/{a.id}/dashboard",
                            headers=c.manager.headers).status_code == 404
    assert books.client.get(f"{API}/cooperatives/{a.id}/dashboard",
                            headers=users.buyer().headers).status_code == 403
