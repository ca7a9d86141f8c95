"""The administrators' verification queue and decisions on cooperatives."""
import pytest

from tests.cooperatives.conftest import API


def decide(client, admin, cooperative_id, decision, reason=None):
    return client.post(f"{API}/admin/cooperatives/{cooperative_id}/decision",
                       json={"decision": decision, "reason": reason}, headers=admin.headers)


def test_the_queue_lists_pending_cooperatives_oldest_first_and_paginated(client, coop_factory):
    first, _ = coop_factory.create()
    second, _ = coop_factory.create()
    third, _ = coop_factory.create()
    coop_factory.verified()
    headers = coop_factory.admin.headers

    page_one = client.get(f"{API}/admin/cooperatives", query_string={"status": "pending", "per_page": 2},
                          headers=headers).json
    page_two = client.get(f"{API}/admin/cooperatives", query_string={"per_page": 2, "page": 2}, headers=headers).json

    assert [c["id"] for c in page_one["items"]] == [first["id"], second["id"]]
    assert [c["id"] for c in page_two["items"]] == [third["id"]]
    assert page_one["total"] == 3


@pytest.mark.parametrize("role, status", [("buyer", 403), ("cooperative", 403), (None, 401)])
def test_the_admin_routes_are_for_admins(client, users, coop_factory, role, status, table_counts):
    cooperative, _ = coop_factory.create()
    headers = users.new(role).headers if role else {}
    before = table_counts()

    queue = client.get(f"{API}/admin/cooperatives", headers=headers)
    decision = client.post(f"{API}/admin/cooperatives/{cooperative['id']}/decision", json={"decision": "verify"},
                           headers=headers)

    assert queue.status_code == status and decision.status_code == status
    assert decision.json["error"]["code"] in ("forbidden", "authentication_required")
    assert table_counts() == before


def test_verifying_sets_verified_at_and_is_audited_with_the_admin(client, coop_factory):
    cooperative, _ = coop_factory.create()
    admin = coop_factory.admin

    response = decide(client, admin, cooperative["id"], "verify")

    assert response.status_code == 200
    assert response.json["status"] == "verified" and response.json["verified_at"]
    entries = client.get(f"{API}/admin/audit-log", query_string={"entity_type": "cooperatives",
                                                                 "entity_id": cooperative["id"]},
                         headers=admin.headers).json["items"]
    assert (entries[0]["from_state"], entries[0]["to_state"], entries[0]["actor_id"]) == ("pending", "verified",
                                                                                          admin.id)


@pytest.mark.parametrize("decision", ["reject", "suspend", "reinstate"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_every_decision_but_verify_needs_a_reason(client, coop_factory, decision, reason, table_counts):
    cooperative, _ = coop_factory.create()
    before = table_counts()

    response = decide(client, coop_factory.admin, cooperative["id"], decision, reason)

    assert response.status_code == 422
    assert "reason" in response.json["error"]["details"]
    assert table_counts() == before


def test_the_allowed_transitions_and_their_reasons(client, coop_factory):
    cooperative, manager = coop_factory.create()
    admin, cid = coop_factory.admin, cooperative["id"]

    assert decide(client, admin, cid, "verify").json["status"] == "verified"
    assert decide(client, admin, cid, "suspend", "Fraude signalée").json["status"] == "suspended"
    assert client.get(f"{API}/cooperatives/{cid}").status_code == 404  # a suspended cooperative is not public
    assert decide(client, admin, cid, "reinstate", "Contrôle conforme").json["status"] == "verified"

    history = client.get(f"{API}/admin/audit-log", query_string={"entity_type": "cooperatives", "entity_id": cid},
                         headers=admin.headers).json["items"]
    assert [(e["from_state"], e["to_state"], e["reason"]) for e in reversed(history)] == [
        (None, "pending", "registered"), ("pending", "verified", None), ("verified", "suspended", "Fraude signalée"),
        ("suspended", "verified", "Contrôle conforme")]


@pytest.mark.parametrize("setup, decision", [
    ([], "suspend"), ([], "reinstate"),
    (["verify"], "verify"), (["verify"], "reject"), (["verify"], "reinstate"),
    (["reject"], "verify"), (["reject"], "suspend"),
    (["verify", "suspend"], "verify"), (["verify", "suspend"], "reject"),
])
def test_transitions_that_are_not_allowed_are_409(client, coop_factory, setup, decision, table_counts):
    cooperative, _ = coop_factory.create()
    for step in setup:
        coop_factory.decide(cooperative["id"], step, "because")
    before = table_counts()

    response = decide(client, coop_factory.admin, cooperative["id"], decision, "because")

    assert response.status_code == 409
    assert response.json["error"]["code"] == "invalid_transition"
    assert table_counts() == before


@pytest.mark.parametrize("body", [{}, {"decision": "approve"}, {"decision": 1}, {"decision": "verify", "x": 1},
                                  {"decision": "reject", "reason": "x" * 2001}])
def test_malformed_decisions_are_422(client, coop_factory, body):
    cooperative, _ = coop_factory.create()
    response = client.post(f"{API}/admin/cooperatives/{cooperative['id']}/decision", json=body,
                           headers=coop_factory.admin.headers)
    assert response.status_code == 422


def test_a_decision_on_an_unknown_cooperative_is_404(client, coop_factory):
    assert decide(client, coop_factory.admin, 424242, "verify").status_code == 404


def test_status_signals_are_sent_after_the_decision_is_committed(app, client, coop_factory):
    from cooperatives.models import Cooperative
    from cooperatives.signals import cooperative_status_changed
    from marketplace.extensions import db

    cooperative, _ = coop_factory.create()
    seen = []

    def on_status(sender, from_state, to_state):
        # a fresh connection sees the committed status
        with db.engine.connect() as connection:
            stored = connection.execute(db.select(Cooperative.status).where(Cooperative.id == sender.id)).scalar()
        seen.append((from_state, to_state, stored))

    with cooperative_status_changed.connected_to(on_status):
        decide(client, coop_factory.admin, cooperative["id"], "verify")

    assert seen == [("pending", "verified", "verified")]
