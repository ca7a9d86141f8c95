"""Registering, listing, reading and editing cooperatives; managers; unions."""
from datetime import timedelta

import pytest

from cooperatives import validators
from marketplace.clock import now
from tests.cooperatives.conftest import API, cooperative_body


def audit_of(client, admin, cooperative_id):
    response = client.get(f"{API}/admin/audit-log", query_string={"entity_type": "cooperatives",
                                                                   "entity_id": cooperative_id}, headers=admin.headers)
    assert response.status_code == 200
    return response.json["items"]


# --- create ------------------------------------------------------------------------------------------------------

def test_a_cooperative_user_registers_a_pending_cooperative_and_becomes_its_manager(client, users, coop_factory):
    manager = users.cooperative()

    response = client.post(f"{API}/cooperatives", json=cooperative_body(phone="06 61 23 45 67"),
                           headers=manager.headers)

    assert response.status_code == 201
    cooperative = response.json
    assert cooperative["status"] == "pending"
    assert cooperative["phone"] == "+212661234567"
    assert cooperative["commission_bps"] == 500 and cooperative["reserve_bps"] == 1000
    assert cooperative["distribution_policy"] == "contribution"
    assert client.get(f"{API}/me", headers=manager.headers).json["cooperative_ids"] == [cooperative["id"]]
    [entry] = audit_of(client, coop_factory.admin, cooperative["id"])
    assert (entry["from_state"], entry["to_state"], entry["actor_id"]) == (None, "pending", manager.id)


def test_the_default_commission_comes_from_the_platform_setting(app_config, client, users):
    app_config(PLATFORM_COMMISSION_BPS=650)
    manager = users.cooperative()

    response = client.post(f"{API}/cooperatives", json=cooperative_body(), headers=manager.headers)

    assert response.json["commission_bps"] == 650


@pytest.mark.parametrize("role", ["buyer", "admin"])
def test_only_cooperative_users_register_cooperatives(client, users, role, table_counts):
    before = table_counts()

    response = client.post(f"{API}/cooperatives", json=cooperative_body(), headers=users.new(role).headers)

    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert table_counts() == before


def test_registering_anonymously_is_a_401(client, table_counts):
    before = table_counts()
    response = client.post(f"{API}/cooperatives", json=cooperative_body())
    assert response.status_code == 401
    assert response.json["error"]["code"] == "authentication_required"
    assert table_counts() == before


@pytest.mark.parametrize("field, value", [
    ("ice", "12345"),
    ("ice", "00152387600004A"),
    ("ice", 1523876000042),
    ("region", "souss"),
    ("region", "Souss-Massa"),
    ("sector", "mining"),
    ("legal_form", "sarl"),
    ("founded_on", "2999-01-01"),
    ("founded_on", "1850-01-01"),
    ("founded_on", "12/03/2015"),
    ("contact_email", "not-an-email"),
    ("ice", "001523876000041"),  # control digits do not match
    ("phone", "+212 512345678"),  # no such Moroccan number
    ("phone", "+221 123456"),
    ("phone", "12345"),
    ("phone", 612345678),
    ("name", ""),
    ("name", "   "),
    ("name", "x" * 201),
    ("name", None),
    ("name", ["Tifaouine"]),
    ("registration_number", "<script>"),
    ("description", {"en": "English only"}),
    ("description", "Huile"),
    ("distribution_policy", "lottery"),
    ("status", "verified"),
    ("commission_bps", 0),
    ("union_id", 1),
])
def test_invalid_or_unknown_fields_are_refused_field_by_field(client, users, field, value, table_counts):
    manager = users.cooperative()
    before = table_counts()

    response = client.post(f"{API}/cooperatives", json=cooperative_body(**{field: value}), headers=manager.headers)

    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert field in response.json["error"]["details"]
    assert table_counts() == before


def test_a_founding_date_of_today_is_accepted(client, users):
    response = client.post(f"{API}/cooperatives", json=cooperative_body(founded_on=validators.today().isoformat()),
                           headers=users.cooperative().headers)
    assert response.status_code == 201


@pytest.mark.parametrize("body, status, code", [
    ("{not json", 400, "malformed_json"),
    ("[]", 422, "validation_error"),
    ("null", 422, "validation_error"),
])
def test_a_malformed_body_is_refused_in_the_error_shape(client, users, body, status, code, table_counts):
    before = table_counts()
    response = client.post(f"{API}/cooperatives", data=body, content_type="application/json",
                           headers=users.cooperative().headers)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert table_counts() == before


def test_a_form_encoded_body_is_a_415(client, users):
    response = client.post(f"{API}/cooperatives", data={"name": "x"}, headers=users.cooperative().headers)
    assert response.status_code == 415


def test_an_ice_already_registered_is_a_409(client, coop_factory, users, table_counts):
    first, _ = coop_factory.create()
    before = table_counts()

    response = client.post(f"{API}/cooperatives", json=cooperative_body(ice=first["ice"]),
                           headers=users.cooperative().headers)

    assert response.status_code == 409
    assert response.json["error"]["code"] == "ice_taken"
    assert table_counts() == before


# --- list and read -------------------------------------------------------------------------------------------------

def test_the_public_list_shows_verified_cooperatives_only_filtered_and_paginated(client, coop_factory):
    argan, _ = coop_factory.verified(name="Coopérative Tifaouine", region="souss-massa", sector="argan")
    coop_factory.verified(name="Coopérative des Potiers", region="marrakech-safi", sector="handicraft",
                          province="Safi")
    coop_factory.verified(name="Coopérative Tafyoucht", region="souss-massa", sector="argan", province="Tiznit")
    coop_factory.create(name="Coopérative En Attente", region="souss-massa", sector="argan")

    everything = client.get(f"{API}/cooperatives").json
    souss = client.get(f"{API}/cooperatives", query_string={"region": "souss-massa"}).json
    found_by_text = client.get(f"{API}/cooperatives", query_string={"q": "tifaouine"}).json
    found_by_province = client.get(f"{API}/cooperatives", query_string={"q": "safi"}).json
    second_page = client.get(f"{API}/cooperatives", query_string={"per_page": 2, "page": 2}).json

    assert everything["total"] == 3
    assert "Coopérative En Attente" not in [c["name"] for c in everything["items"]]
    assert {c["name"] for c in souss["items"]} == {"Coopérative Tifaouine", "Coopérative Tafyoucht"}
    assert [c["id"] for c in found_by_text["items"]] == [argan["id"]]
    assert [c["name"] for c in found_by_province["items"]] == ["Coopérative des Potiers"]
    assert (second_page["total"], len(second_page["items"]), second_page["page"]) == (3, 1, 2)


def test_percent_and_underscore_in_the_text_filter_are_literal(client, coop_factory):
    coop_factory.verified(name="Coopérative Amal")
    assert client.get(f"{API}/cooperatives", query_string={"q": "%"}).json["total"] == 0
    assert client.get(f"{API}/cooperatives", query_string={"q": "_"}).json["total"] == 0


def test_admins_may_list_by_status_and_others_may_not(client, coop_factory, users):
    pending, manager = coop_factory.create()
    coop_factory.verified()

    as_admin = client.get(f"{API}/cooperatives", query_string={"status": "pending"},
                          headers=coop_factory.admin.headers)
    as_manager = client.get(f"{API}/cooperatives", query_string={"status": "pending"}, headers=manager.headers)
    anonymous = client.get(f"{API}/cooperatives", query_string={"status": "pending"})

    assert [c["id"] for c in as_admin.json["items"]] == [pending["id"]]
    assert as_manager.status_code == 403 and anonymous.status_code == 403


@pytest.mark.parametrize("query", [{"region": "atlantis"}, {"sector": "x"}, {"per_page": 101}, {"page": 0},
                                   {"per_page": "many"}, {"status": "gone"}, {"q": "x" * 101}])
def test_bad_list_filters_are_422(client, query):
    response = client.get(f"{API}/cooperatives", query_string=query)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"


def test_listing_cooperatives_runs_a_constant_number_of_queries(client, coop_factory, queries):
    def measure() -> int:
        queries.reset()
        assert client.get(f"{API}/cooperatives").status_code == 200
        return queries.count

    manager = None
    for _ in range(2):
        cooperative, manager = coop_factory.verified(manager)
        coop_factory.verified_certification(manager, cooperative["id"])
    with_two = measure()
    for _ in range(4):
        cooperative, manager = coop_factory.verified(manager)
        coop_factory.verified_certification(manager, cooperative["id"])
        coop_factory.verified_certification(manager, cooperative["id"], kind="organic")

    assert measure() == with_two


def test_a_pending_cooperative_is_visible_to_its_managers_and_admins_only(client, coop_factory, users):
    cooperative, manager = coop_factory.create()
    url = f"{API}/cooperatives/{cooperative['id']}"

    assert client.get(url, headers=manager.headers).status_code == 200
    assert client.get(url, headers=coop_factory.admin.headers).status_code == 200
    for headers in ({}, users.buyer().headers, users.cooperative().headers):
        response = client.get(url, headers=headers)
        assert response.status_code == 404
        assert response.json["error"]["code"] == "not_found"


def test_the_detail_shows_only_certifications_in_force(client, coop_factory, time_machine):
    cooperative, manager = coop_factory.verified()
    coop_factory.certification(manager, cooperative["id"], number="SUB.0001")
    in_force = coop_factory.verified_certification(manager, cooperative["id"], number="AS.0001")
    coop_factory.verified_certification(manager, cooperative["id"], number="OLD.0001", kind="organic",
                                        expires_on=(validators.today() + timedelta(days=3)).isoformat())
    time_machine.move_to(now() + timedelta(days=4))

    detail = client.get(f"{API}/cooperatives/{cooperative['id']}").json

    assert [c["number"] for c in detail["certifications"]] == [in_force["number"]]


def test_an_unknown_cooperative_is_a_404(client):
    assert client.get(f"{API}/cooperatives/999999").status_code == 404


# --- edit --------------------------------------------------------------------------------------------------------

def test_a_manager_edits_the_description_without_leaving_verification(client, coop_factory):
    cooperative, manager = coop_factory.verified()

    response = client.patch(f"{API}/cooperatives/{cooperative['id']}",
                            json={"description": {"fr": "Nouvelle description"}, "province": "Tiznit"},
                            headers=manager.headers)

    assert response.status_code == 200
    assert response.json["status"] == "verified"
    assert response.json["display_description"] == "Nouvelle description"


def test_sending_the_same_legal_identifiers_again_changes_nothing(client, coop_factory):
    cooperative, manager = coop_factory.verified()
    response = client.patch(f"{API}/cooperatives/{cooperative['id']}",
                            json={"name": cooperative["name"], "ice": cooperative["ice"]}, headers=manager.headers)
    assert response.json["status"] == "verified"


def test_a_managers_edit_resubmits_a_rejected_cooperative(client, coop_factory):
    cooperative, manager = coop_factory.create()
    coop_factory.decide(cooperative["id"], "reject", "ICE does not match the register")

    response = client.patch(f"{API}/cooperatives/{cooperative['id']}", json={"ice": "000000000000776"},
                            headers=manager.headers)

    assert response.json["status"] == "pending"
    queue = client.get(f"{API}/admin/cooperatives", headers=coop_factory.admin.headers).json
    assert [c["id"] for c in queue["items"]] == [cooperative["id"]]


def test_only_admins_change_the_rates_and_nobody_patches_the_status(client, coop_factory, table_counts):
    cooperative, manager = coop_factory.verified()
    url = f"{API}/cooperatives/{cooperative['id']}"

    by_manager = client.patch(url, json={"commission_bps": 0}, headers=manager.headers)
    status_by_manager = client.patch(url, json={"status": "verified"}, headers=manager.headers)
    status_by_admin = client.patch(url, json={"status": "suspended"}, headers=coop_factory.admin.headers)
    by_admin = client.patch(url, json={"commission_bps": 300, "reserve_bps": 500}, headers=coop_factory.admin.headers)

    assert by_manager.status_code == 403 and "commission_bps" in by_manager.json["error"]["details"]
    assert status_by_manager.status_code == 422 and status_by_admin.status_code == 422
    assert by_admin.status_code == 200
    assert (by_admin.json["commission_bps"], by_admin.json["reserve_bps"]) == (300, 500)


@pytest.mark.parametrize("change", [{"commission_bps": -1}, {"reserve_bps": 10_001}, {"commission_bps": "5%"},
                                    {"commission_bps": 2.5}])
def test_rates_out_of_range_are_422(client, coop_factory, change):
    cooperative, _ = coop_factory.verified()
    response = client.patch(f"{API}/cooperatives/{cooperative['id']}", json=change,
                            headers=coop_factory.admin.headers)
    assert response.status_code == 422


def test_a_manager_of_another_cooperative_cannot_edit_it(client, coop_factory, table_counts):
    cooperative, _ = coop_factory.verified()
    _, other_manager = coop_factory.verified()
    before = table_counts()

    response = client.patch(f"{API}/cooperatives/{cooperative['id']}", json={"name": "Pirate"},
                            headers=other_manager.headers)

    assert response.status_code == 404
    assert client.get(f"{API}/cooperatives/{cooperative['id']}").json["name"] == cooperative["name"]
    assert table_counts() == before


def test_a_buyer_patching_a_cooperative_is_a_403(client, coop_factory, users):
    cooperative, _ = coop_factory.verified()
    response = client.patch(f"{API}/cooperatives/{cooperative['id']}", json={"name": "x"},
                            headers=users.buyer().headers)
    assert response.status_code == 403


def test_a_renamed_cooperative_announces_it_after_the_commit(app, client, coop_factory):
    from cooperatives.signals import cooperative_status_changed, cooperative_updated

    cooperative, manager = coop_factory.verified()
    received = []

    def on_updated(sender, **kwargs):
        received.append(("updated", sender.name))

    def on_status(sender, **kwargs):
        received.append(("status", kwargs["from_state"], kwargs["to_state"]))

    with cooperative_updated.connected_to(on_updated), cooperative_status_changed.connected_to(on_status):
        held = client.patch(f"{API}/cooperatives/{cooperative['id']}", json={"name": "Coopérative Atlas"},
                            headers=manager.headers).json["pending_change"]
        client.patch(f"{API}/cooperatives/{cooperative['id']}", json={"phone": "0661000000"},
                     headers=manager.headers)
        assert received == []
        client.post(f"{API}/admin/cooperative-changes/{held['id']}/decision", json={"decision": "approve"},
                    headers=coop_factory.admin.headers)

    assert received == [("updated", "Coopérative Atlas")]


# --- managers ----------------------------------------------------------------------------------------------------

def test_a_manager_adds_another_cooperative_user_as_manager(client, coop_factory, users):
    cooperative, manager = coop_factory.create()
    colleague = users.cooperative()

    response = client.post(f"{API}/cooperatives/{cooperative['id']}/managers", json={"email": colleague.email.upper()},
                           headers=manager.headers)

    assert response.status_code == 201
    assert {m["email"] for m in response.json["managers"]} == {manager.email, colleague.email}
    assert client.get(f"{API}/me", headers=colleague.headers).json["cooperative_ids"] == [cooperative["id"]]
    assert client.get(f"{API}/cooperatives/{cooperative['id']}", headers=colleague.headers).status_code == 200


def test_only_cooperative_accounts_become_managers(client, coop_factory, users, table_counts):
    cooperative, manager = coop_factory.create()
    before = table_counts()
    url = f"{API}/cooperatives/{cooperative['id']}/managers"

    buyer = client.post(url, json={"email": users.buyer().email}, headers=manager.headers)
    unknown = client.post(url, json={"email": "nobody@example.ma"}, headers=manager.headers)
    again = client.post(url, json={"email": manager.email}, headers=manager.headers)
    stranger = client.post(url, json={"email": users.cooperative().email}, headers=users.cooperative().headers)

    assert (buyer.status_code, unknown.status_code) == (422, 422)
    assert buyer.json["error"]["code"] == "not_a_cooperative_user"
    assert again.status_code == 409 and again.json["error"]["code"] == "already_manager"
    assert stranger.status_code == 404
    assert table_counts() == before


# --- unions ------------------------------------------------------------------------------------------------------

def join(client, union, union_manager, member, manager):
    """Ask to join, and accept as the union's manager."""
    asked = client.post(f"{API}/cooperatives/{member['id']}/union", json={"union_id": union["id"]},
                        headers=manager.headers)
    assert asked.status_code == 202, asked.json
    accepted = client.post(f"{API}/cooperatives/{union['id']}/join-requests/{asked.json['id']}/decision",
                           json={"decision": "accept"}, headers=union_manager.headers)
    assert accepted.status_code == 200, accepted.json


def test_leaving_a_union_with_null(client, coop_factory):
    union, union_manager = coop_factory.verified(legal_form="union")
    member, manager = coop_factory.verified()
    join(client, union, union_manager, member, manager)
    assert [c["id"] for c in client.get(f"{API}/cooperatives/{union['id']}").json["member_cooperatives"]] == \
        [member["id"]]

    response = client.post(f"{API}/cooperatives/{member['id']}/union", json={"union_id": None},
                           headers=manager.headers)

    assert response.status_code == 200 and response.json["union_id"] is None
    assert client.get(f"{API}/cooperatives/{union['id']}").json["member_cooperatives"] == []


def test_a_union_must_be_verified_a_union_and_not_the_cooperative_itself(client, coop_factory):
    pending_union, _ = coop_factory.create(legal_form="union")
    not_a_union, _ = coop_factory.verified()
    cooperative, manager = coop_factory.verified()
    url = f"{API}/cooperatives/{cooperative['id']}/union"

    for union_id in (pending_union["id"], not_a_union["id"], cooperative["id"], 999999):
        response = client.post(url, json={"union_id": union_id}, headers=manager.headers)
        assert response.status_code == 422, union_id
        assert "union_id" in response.json["error"]["details"]


def test_a_union_cannot_join_a_union(client, coop_factory):
    union, _ = coop_factory.verified(legal_form="union")
    other_union, manager = coop_factory.verified(legal_form="union")

    response = client.post(f"{API}/cooperatives/{other_union['id']}/union", json={"union_id": union["id"]},
                           headers=manager.headers)

    assert response.status_code == 409
    assert response.json["error"]["code"] == "union_cannot_join_union"


def test_a_union_with_members_cannot_stop_being_a_union(client, coop_factory):
    union, union_manager = coop_factory.verified(legal_form="union")
    member, manager = coop_factory.verified()
    join(client, union, union_manager, member, manager)

    response = client.patch(f"{API}/cooperatives/{union['id']}", json={"legal_form": "cooperative"},
                            headers=union_manager.headers)

    assert response.status_code == 409
    assert response.json["error"]["code"] == "union_has_members"


@pytest.mark.parametrize("body", [{}, {"union_id": "one"}, {"union_id": 0}, {"union_id": 1, "extra": True}])
def test_bad_union_bodies_are_422(client, coop_factory, body):
    cooperative, manager = coop_factory.verified()
    response = client.post(f"{API}/cooperatives/{cooperative['id']}/union", json=body, headers=manager.headers)
    assert response.status_code == 422


def test_joining_a_union_for_another_managers_cooperative_is_a_404(client, coop_factory):
    union, _ = coop_factory.verified(legal_form="union")
    cooperative, _ = coop_factory.verified()
    _, stranger = coop_factory.verified()
    response = client.post(f"{API}/cooperatives/{cooperative['id']}/union", json={"union_id": union["id"]},
                           headers=stranger.headers)
    assert response.status_code == 404


@pytest.mark.parametrize("change", [{"ice": 123}, {"region": None}, {"founded_on": "tomorrow"},
                                    {"description": {"ar": ""}}, {"phone": "+234 0803 123"}, {"id": 9},
                                    {"verified_at": "2020-01-01T00:00:00Z"}, {"managers": []}])
def test_bad_edits_are_422_and_change_nothing(client, coop_factory, change):
    cooperative, manager = coop_factory.verified()

    response = client.patch(f"{API}/cooperatives/{cooperative['id']}", json=change, headers=manager.headers)

    assert response.status_code == 422
    assert client.get(f"{API}/cooperatives/{cooperative['id']}").json == cooperative


def test_changing_the_ice_to_another_cooperatives_is_a_409(client, coop_factory):
    first, _ = coop_factory.verified()
    second, manager = coop_factory.verified()
    response = client.patch(f"{API}/cooperatives/{second['id']}", json={"ice": first["ice"]}, headers=manager.headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "ice_taken"
    assert client.get(f"{API}/cooperatives/{second['id']}").json["status"] == "verified"
