"""A verified cooperative's corrected legal identifiers wait for an administrator; its shop stays open."""
from __future__ import annotations

import pytest

from tests.catalog.conftest import Shop, shop  # noqa: F401  (fixture)
from tests.cooperatives.conftest import API


def patch(client, cooperative_id, body, account):
    return client.patch(f"{API}/cooperatives/{cooperative_id}", json=body, headers=account.headers)


def decide(client, admin, change_id, decision, reason=None):
    return client.post(f"{API}/admin/cooperative-changes/{change_id}/decision",
                       json={"decision": decision, "reason": reason}, headers=admin.headers)


def audit(client, admin, entity_type, entity_id):
    return client.get(f"{API}/admin/audit-log", query_string={"entity_type": entity_type, "entity_id": entity_id},
                      headers=admin.headers).json["items"]


@pytest.mark.parametrize("change", [{"name": "Coopérative Tifaouine (corrigé)"}, {"registration_number": "RC 99/2020"},
                                    {"ice": "999999999999955"}, {"legal_form": "union"}])
def test_a_correction_is_held_and_the_verified_identity_stays_in_force(client, coop_factory, change):
    cooperative, manager = coop_factory.verified()

    response = patch(client, cooperative["id"], change, manager)

    assert response.status_code == 202, response.json
    assert response.json["status"] == "verified"
    [(field, value)] = change.items()
    assert response.json[field] == cooperative[field]
    held = response.json["pending_change"]
    assert (held["status"], held["changes"], held["current"]) == ("pending", change, {field: cooperative[field]})
    assert client.get(f"{API}/cooperatives/{cooperative['id']}").json[field] == cooperative[field]
    assert audit(client, coop_factory.admin, "cooperatives", cooperative["id"])[0]["to_state"] == "verified"


def test_a_name_correction_leaves_the_products_on_sale_until_approved(client, coop_factory, shop):
    cooperative, manager = coop_factory.verified()
    product = shop.published(manager, cooperative["id"], category="pottery", certify=False)
    admin = coop_factory.admin

    held = patch(client, cooperative["id"], {"name": "Coopérative Atlas", "phone": "0661000000"}, manager).json
    assert held["phone"] == "+212661000000"  # other fields apply at once
    assert product["id"] in shop.listed_ids()
    queue = client.get(f"{API}/admin/cooperative-changes", headers=admin.headers).json
    assert [item["id"] for item in queue["items"]] == [held["pending_change"]["id"]]

    approved = decide(client, admin, held["pending_change"]["id"], "approve")

    assert approved.status_code == 200
    assert (approved.json["status"], approved.json["decided_by"]) == ("approved", admin.id)
    detail = client.get(f"{API}/cooperatives/{cooperative['id']}").json
    assert (detail["name"], detail["status"]) == ("Coopérative Atlas", "verified")
    assert product["id"] in shop.listed_ids()
    [entry, created] = audit(client, admin, "cooperative_changes", held["pending_change"]["id"])
    assert (entry["from_state"], entry["to_state"], entry["actor_id"]) == ("pending", "approved", admin.id)
    assert (created["to_state"], created["actor_id"]) == ("pending", manager.id)


def test_a_rejection_needs_a_reason_and_changes_nothing(client, coop_factory):
    cooperative, manager = coop_factory.verified()
    held = patch(client, cooperative["id"], {"ice": "999999999999955"}, manager).json["pending_change"]
    admin = coop_factory.admin

    assert decide(client, admin, held["id"], "reject").status_code == 422
    rejected = decide(client, admin, held["id"], "reject", "Cet ICE n'est pas au registre")

    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert client.get(f"{API}/cooperatives/{cooperative['id']}").json["ice"] == cooperative["ice"]
    again = decide(client, admin, held["id"], "approve")
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_transition"


def test_a_second_correction_updates_the_pending_request(client, coop_factory):
    cooperative, manager = coop_factory.verified()
    first = patch(client, cooperative["id"], {"name": "Coopérative Atlass"}, manager).json["pending_change"]
    second = patch(client, cooperative["id"], {"name": "Coopérative Atlas", "registration_number": "RC 7/2019"},
                   manager).json["pending_change"]

    assert second["id"] == first["id"]
    assert second["changes"] == {"name": "Coopérative Atlas", "registration_number": "RC 7/2019"}


def test_an_ice_another_cooperative_has_is_refused_at_once_and_nothing_is_held(client, coop_factory):
    first, _ = coop_factory.verified()
    second, manager = coop_factory.verified()

    response = patch(client, second["id"], {"ice": first["ice"]}, manager)

    assert response.status_code == 409 and response.json["error"]["code"] == "ice_taken"
    queue = client.get(f"{API}/admin/cooperative-changes", headers=coop_factory.admin.headers).json
    assert queue["items"] == []


def test_the_change_queue_is_for_administrators_only(client, coop_factory, users):
    cooperative, manager = coop_factory.verified()
    held = patch(client, cooperative["id"], {"name": "Coopérative Atlas"}, manager).json["pending_change"]

    assert client.get(f"{API}/admin/cooperative-changes", headers=manager.headers).status_code == 403
    assert decide(client, manager, held["id"], "approve").status_code == 403
    assert decide(client, coop_factory.admin, held["id"] + 1000, "approve").status_code == 404


def test_an_edit_of_a_pending_cooperative_applies_at_once(client, coop_factory):
    cooperative, manager = coop_factory.create()
    response = patch(client, cooperative["id"], {"name": "Coopérative Atlas"}, manager)
    assert response.status_code == 200
    assert (response.json["name"], response.json["pending_change"]) == ("Coopérative Atlas", None)
