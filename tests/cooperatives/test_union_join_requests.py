"""A union decides who joins it: a cooperative asks, the union's managers accept or refuse (audited)."""
from __future__ import annotations

from tests.cooperatives.conftest import API


def ask(client, member, manager, union):
    return client.post(f"{API}/cooperatives/{member['id']}/union", json={"union_id": union["id"]},
                       headers=manager.headers)


def decide(client, union, account, request_id, decision, reason=None):
    return client.post(f"{API}/cooperatives/{union['id']}/join-requests/{request_id}/decision",
                       json={"decision": decision, "reason": reason}, headers=account.headers)


def listed_members(client, union):
    return [c["id"] for c in client.get(f"{API}/cooperatives/{union['id']}").json["member_cooperatives"]]


def test_joining_needs_the_unions_consent(client, coop_factory):
    union, union_manager = coop_factory.verified(legal_form="union", name="Union des Coopératives d'Argane")
    member, manager = coop_factory.verified(region="souss-massa")

    asked = ask(client, member, manager, union)

    assert asked.status_code == 202
    assert (asked.json["status"], asked.json["union_id"]) == ("pending", union["id"])
    assert asked.json["cooperative"] == {"id": member["id"], "name": member["name"], "region": "souss-massa"}
    assert listed_members(client, union) == []
    assert client.get(f"{API}/cooperatives/{member['id']}").json["union_id"] is None
    inbox = client.get(f"{API}/cooperatives/{union['id']}/join-requests", headers=union_manager.headers).json
    assert [item["id"] for item in inbox["items"]] == [asked.json["id"]]

    accepted = decide(client, union, union_manager, asked.json["id"], "accept")

    assert accepted.status_code == 200 and accepted.json["decided_by"] == union_manager.id
    assert listed_members(client, union) == [member["id"]]
    assert client.get(f"{API}/cooperatives/{member['id']}").json["union_id"] == union["id"]
    audit = client.get(f"{API}/admin/audit-log", headers=coop_factory.admin.headers,
                       query_string={"entity_type": "union_join_requests", "entity_id": asked.json["id"]}).json
    assert [(e["to_state"], e["actor_id"]) for e in audit["items"]] == [("accepted", union_manager.id),
                                                                         ("pending", manager.id)]


def test_a_refusal_needs_a_reason_and_leaves_the_cooperative_out(client, coop_factory):
    union, union_manager = coop_factory.verified(legal_form="union")
    member, manager = coop_factory.verified()
    request_id = ask(client, member, manager, union).json["id"]

    assert decide(client, union, union_manager, request_id, "refuse").status_code == 422
    refused = decide(client, union, union_manager, request_id, "refuse", "Hors de notre région")

    assert refused.status_code == 200 and refused.json["status"] == "refused"
    assert listed_members(client, union) == []
    again = decide(client, union, union_manager, request_id, "accept")
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_transition"


def test_only_the_unions_managers_decide(client, coop_factory):
    union, _ = coop_factory.verified(legal_form="union")
    other_union, other_manager = coop_factory.verified(legal_form="union")
    member, manager = coop_factory.verified()
    request_id = ask(client, member, manager, union).json["id"]

    assert decide(client, union, manager, request_id, "accept").status_code == 404
    assert decide(client, union, other_manager, request_id, "accept").status_code == 404
    assert decide(client, other_union, other_manager, request_id, "accept").status_code == 404
    assert client.get(f"{API}/cooperatives/{union['id']}/join-requests", headers=manager.headers).status_code == 404
    assert decide(client, union, coop_factory.admin, request_id, "accept").status_code == 403
    assert listed_members(client, union) == []


def test_a_pending_cooperative_may_ask_but_is_listed_only_once_verified(client, coop_factory):
    union, union_manager = coop_factory.verified(legal_form="union")
    member, manager = coop_factory.create()
    request_id = ask(client, member, manager, union).json["id"]
    assert decide(client, union, union_manager, request_id, "accept").status_code == 200

    assert listed_members(client, union) == []
    coop_factory.decide(member["id"], "verify")
    assert listed_members(client, union) == [member["id"]]


def test_asking_another_union_withdraws_the_first_request(client, coop_factory):
    first, first_manager = coop_factory.verified(legal_form="union")
    second, second_manager = coop_factory.verified(legal_form="union")
    member, manager = coop_factory.verified()
    first_request = ask(client, member, manager, first).json["id"]
    assert ask(client, member, manager, first).json["id"] == first_request  # asking again changes nothing

    ask(client, member, manager, second)

    withdrawn = client.get(f"{API}/cooperatives/{first['id']}/join-requests", headers=first_manager.headers,
                           query_string={"status": "withdrawn"}).json
    assert [item["id"] for item in withdrawn["items"]] == [first_request]
    assert decide(client, first, first_manager, first_request, "accept").status_code == 409
