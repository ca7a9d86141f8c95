"""Members: list, add, edit, leave; payout accounts masked for everyone but the managers."""
from datetime import timedelta

import pytest

from cooperatives import validators
from tests.cooperatives.conftest import API, member_body, valid_rib


def members_url(cooperative_id, member_id=None):
    return f"{API}/cooperatives/{cooperative_id}/members" + (f"/{member_id}" if member_id else "")


def test_a_manager_adds_members_and_sees_their_full_payout_accounts(client, coop_factory):
    cooperative, manager = coop_factory.create()
    rib = valid_rib()

    response = client.post(members_url(cooperative["id"]),
                           json=member_body(payout_account=f"{rib[:3]} {rib[3:6]} {rib[6:22]} {rib[22:]}"),
                           headers=manager.headers)
    wallet = coop_factory.add_member(manager, cooperative["id"], full_name="Brahim Oukhouya", gender="male",
                                     payout_method="mobile_wallet", payout_account="06 61 22 33 44")
    cash = coop_factory.add_member(manager, cooperative["id"], payout_method="cash", payout_account=None)

    assert response.status_code == 201
    assert response.json["payout_account"] == rib
    assert wallet["payout_account"] == "+212661223344"
    assert cash["payout_account"] is None
    listed = client.get(members_url(cooperative["id"]), headers=manager.headers).json
    assert [m["payout_account"] for m in listed["items"]] == [rib, "+212661223344", None]


def test_admins_see_payout_accounts_masked(client, coop_factory):
    cooperative, manager = coop_factory.create()
    rib = valid_rib()
    coop_factory.add_member(manager, cooperative["id"], payout_account=rib)

    listed = client.get(members_url(cooperative["id"]), headers=coop_factory.admin.headers).json

    assert listed["items"][0]["payout_account"] == f"•••• {rib[-4:]}"


@pytest.mark.parametrize("field, value", [
    ("gender", "other"),
    ("birth_year", 1899),
    ("birth_year", "1980"),
    ("role", "king"),
    ("joined_on", "2999-01-01"),
    ("capital_shares", -1),
    ("capital_shares", 1.5),
    ("payout_method", "paypal"),
    ("full_name", ""),
    ("left_on", "2020-01-01"),
    ("id", 7),
])
def test_invalid_member_fields_are_422(client, coop_factory, field, value, table_counts):
    cooperative, manager = coop_factory.create()
    before = table_counts()

    response = client.post(members_url(cooperative["id"]), json=member_body(**{field: value}),
                           headers=manager.headers)

    assert response.status_code == 422
    assert field in response.json["error"]["details"]
    assert table_counts() == before


def test_members_are_at_least_fifteen(client, coop_factory):
    cooperative, manager = coop_factory.create()
    too_young = validators.today().year - 14
    response = client.post(members_url(cooperative["id"]), json=member_body(birth_year=too_young),
                           headers=manager.headers)
    assert response.status_code == 422
    assert coop_factory.add_member(manager, cooperative["id"], birth_year=too_young - 1)["birth_year"] == too_young - 1


@pytest.mark.parametrize("method, account", [
    ("bank_transfer", None),
    ("bank_transfer", "011519000001205000534922"),  # wrong key
    ("bank_transfer", "1234"),
    ("mobile_wallet", None),
    ("mobile_wallet", "+33 6 12 34 56 78"),
    ("cash", "011519000001205000534921"),
])
def test_the_payout_account_must_suit_the_method(client, coop_factory, method, account, table_counts):
    cooperative, manager = coop_factory.create()
    before = table_counts()

    response = client.post(members_url(cooperative["id"]),
                           json=member_body(payout_method=method, payout_account=account), headers=manager.headers)

    assert response.status_code == 422
    assert "payout_account" in response.json["error"]["details"]
    assert table_counts() == before


def test_a_member_cannot_join_before_the_cooperative_was_founded(client, coop_factory):
    cooperative, manager = coop_factory.create(founded_on="2016-05-12")
    response = client.post(members_url(cooperative["id"]), json=member_body(joined_on="2016-05-11"),
                           headers=manager.headers)
    assert response.status_code == 422 and "joined_on" in response.json["error"]["details"]


def test_editing_a_member_revalidates_the_payout_account(client, coop_factory):
    cooperative, manager = coop_factory.create()
    member = coop_factory.add_member(manager, cooperative["id"])
    url = members_url(cooperative["id"], member["id"])

    to_wallet_without_phone = client.patch(url, json={"payout_method": "mobile_wallet"}, headers=manager.headers)
    to_cash = client.patch(url, json={"payout_method": "cash"}, headers=manager.headers)
    shares = client.patch(url, json={"capital_shares": 12, "role": "treasurer"}, headers=manager.headers)

    assert to_wallet_without_phone.status_code == 422
    assert to_cash.status_code == 200 and to_cash.json["payout_account"] is None
    assert (shares.json["capital_shares"], shares.json["role"], shares.json["payout_method"]) == (12, "treasurer",
                                                                                                 "cash")


def test_deleting_a_member_records_the_leaving_date_and_keeps_the_history(client, coop_factory):
    cooperative, manager = coop_factory.create()
    staying = coop_factory.add_member(manager, cooperative["id"])
    leaving = coop_factory.add_member(manager, cooperative["id"])

    response = client.delete(members_url(cooperative["id"], leaving["id"]), headers=manager.headers)
    again = client.delete(members_url(cooperative["id"], leaving["id"]), headers=manager.headers)

    assert response.status_code == 200 and response.json["left_on"] == validators.today().isoformat()
    assert again.status_code == 409 and again.json["error"]["code"] == "member_already_left"
    current = client.get(members_url(cooperative["id"]), headers=manager.headers).json
    everyone = client.get(members_url(cooperative["id"]), query_string={"include_left": "true"},
                          headers=manager.headers).json
    assert [m["id"] for m in current["items"]] == [staying["id"]]
    assert [m["id"] for m in everyone["items"]] == [staying["id"], leaving["id"]]


def test_another_cooperatives_manager_reaches_none_of_its_members(client, coop_factory, table_counts):
    cooperative, manager = coop_factory.create()
    member = coop_factory.add_member(manager, cooperative["id"])
    own, stranger = coop_factory.create()
    mine = coop_factory.add_member(stranger, own["id"])
    before = table_counts()

    responses = [
        client.get(members_url(cooperative["id"]), headers=stranger.headers),
        client.post(members_url(cooperative["id"]), json=member_body(), headers=stranger.headers),
        client.patch(members_url(cooperative["id"], member["id"]), json={"capital_shares": 0},
                     headers=stranger.headers),
        client.delete(members_url(cooperative["id"], member["id"]), headers=stranger.headers),
        # its own cooperative id with the other cooperative's member id
        client.patch(members_url(own["id"], member["id"]), json={"capital_shares": 0}, headers=stranger.headers),
        # the other cooperative's id with its own member id
        client.delete(members_url(cooperative["id"], mine["id"]), headers=manager.headers),
    ]

    assert [r.status_code for r in responses] == [404] * 6
    assert all(r.json["error"]["code"] == "not_found" for r in responses)
    assert table_counts() == before


@pytest.mark.parametrize("role, status", [("buyer", 403), (None, 401)])
def test_buyers_and_anonymous_callers_reach_no_members(client, coop_factory, users, role, status):
    cooperative, manager = coop_factory.create()
    member = coop_factory.add_member(manager, cooperative["id"])
    headers = users.new(role).headers if role else {}

    for response in (client.get(members_url(cooperative["id"]), headers=headers),
                     client.post(members_url(cooperative["id"]), json=member_body(), headers=headers),
                     client.delete(members_url(cooperative["id"], member["id"]), headers=headers)):
        assert response.status_code == status


def test_listing_members_runs_a_constant_number_of_queries(client, coop_factory, queries):
    cooperative, manager = coop_factory.create()

    def measure() -> int:
        queries.reset()
        assert client.get(members_url(cooperative["id"]), headers=manager.headers).status_code == 200
        return queries.count

    coop_factory.add_member(manager, cooperative["id"])
    with_one = measure()
    for _ in range(5):
        coop_factory.add_member(manager, cooperative["id"])
    assert measure() == with_one


def test_a_future_joining_date_is_refused_on_edit_too(client, coop_factory):
    cooperative, manager = coop_factory.create()
    member = coop_factory.add_member(manager, cooperative["id"])
    tomorrow = (validators.today() + timedelta(days=1)).isoformat()
    response = client.patch(members_url(cooperative["id"], member["id"]), json={"joined_on": tomorrow},
                            headers=manager.headers)
    assert response.status_code == 422


@pytest.mark.parametrize("change", [{"gender": 1}, {"birth_year": None}, {"payout_method": ["cash"]},
                                    {"cooperative_id": 2}, {"left_on": None}, {"joined_on": "01/02/2020"}])
def test_bad_member_edits_are_422_and_change_nothing(client, coop_factory, change):
    cooperative, manager = coop_factory.create()
    member = coop_factory.add_member(manager, cooperative["id"])

    response = client.patch(members_url(cooperative["id"], member["id"]), json=change, headers=manager.headers)

    assert response.status_code == 422
    listed = client.get(members_url(cooperative["id"]), headers=manager.headers).json["items"]
    assert listed == [member]


@pytest.mark.parametrize("query", [{"include_left": "perhaps"}, {"per_page": 0}, {"page": "x"}])
def test_bad_member_list_arguments_are_422(client, coop_factory, query):
    cooperative, manager = coop_factory.create()
    response = client.get(members_url(cooperative["id"]), query_string=query, headers=manager.headers)
    assert response.status_code == 422


def test_an_unknown_member_is_a_404(client, coop_factory):
    cooperative, manager = coop_factory.create()
    response = client.patch(members_url(cooperative["id"], 999999), json={"capital_shares": 1},
                            headers=manager.headers)
    assert response.status_code == 404
