"""The routes: a user's language and phone (PATCH /me), the admin's view of every message, a user's own."""
from __future__ import annotations

import pytest

from tests.factories import member_body
from tests.notifications.conftest import API, set_language


def test_registration_takes_a_language_and_a_phone_and_me_shows_them(client):
    response = client.post(f"{API}/auth/register", json={
        "email": "salma@example.ma", "password": "correct horse battery", "full_name": "Salma", "role": "buyer",
        "language": "ar", "phone": "06 12 34 56 78"})

    assert response.status_code == 201, response.json
    assert (response.json["language"], response.json["phone"]) == ("ar", "+212612345678")


def test_a_user_changes_the_language_of_their_messages(client, users, coop_factory, messages):
    cooperative, manager = coop_factory.create()
    assert client.get(f"{API}/me", headers=manager.headers).json["language"] == "fr"

    body = set_language(client, manager, "en", phone="+33 6 12 34 56 78")
    coop_factory.decide(cooperative["id"], "reject", "missing statutes")

    assert (body["language"], body["phone"]) == ("en", "+33612345678")
    assert client.get(f"{API}/me", headers=manager.headers).json["language"] == "en"
    [message] = messages.emails_to(manager.email)
    assert message.subject.endswith("was not verified") and "Reason: missing statutes" in message.body


@pytest.mark.parametrize("body, field", [
    ({"language": "de"}, "language"),
    ({}, "language"),
    ({"language": "fr", "phone": "12"}, "phone"),
    ({"language": "fr", "phone": 612345678}, "phone"),
])
def test_a_bad_profile_change_is_a_422_that_changes_nothing(client, users, body, field):
    buyer = users.buyer()

    response = client.patch(f"{API}/me", json=body, headers=buyer.headers)

    assert response.status_code == 422 and field in response.json["error"]["details"]
    assert client.get(f"{API}/me", headers=buyer.headers).json["language"] == "fr"


def test_patch_me_needs_a_signed_in_user(client):
    assert client.patch(f"{API}/me", json={"language": "ar"}).status_code == 401


@pytest.mark.parametrize("role", ["buyer", "cooperative"])
def test_only_admins_list_every_message(client, users, role):
    account = users.new(role)

    response = client.get(f"{API}/admin/notifications", headers=account.headers)

    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert client.get(f"{API}/admin/notifications").status_code == 401


def test_admins_filter_messages_by_status_recipient_and_event(client, users, coop_factory, messages):
    first, first_manager = coop_factory.create()
    second, second_manager = coop_factory.create()
    coop_factory.decide(first["id"], "verify")
    coop_factory.decide(second["id"], "reject", "incomplet")

    assert [m["event"] for m in messages.listed(recipient=first_manager.email)] == ["cooperative_verified"]
    assert [m["recipient"] for m in messages.listed(event="cooperative_rejected")] == [second_manager.email]
    assert len(messages.listed(status="sent")) == 2 and messages.listed(status="failed") == []
    [item] = messages.listed(recipient=second_manager.email)
    assert set(item) == {"id", "event", "channel", "recipient", "language", "status", "attempts", "last_error",
                         "created_at", "sent_at"}
    response = client.get(f"{API}/admin/notifications", query_string={"status": "lost"},
                          headers=users.shared_admin().headers)
    assert response.status_code == 422 and "status" in response.json["error"]["details"]


def test_a_user_sees_only_their_own_messages_without_errors(client, users, coop_factory, messages):
    first, first_manager = coop_factory.create()
    second, second_manager = coop_factory.create()
    coop_factory.decide(first["id"], "verify")
    coop_factory.decide(second["id"], "verify")

    response = client.get(f"{API}/me/notifications", headers=first_manager.headers)

    assert response.status_code == 200
    assert (response.json["total"], response.json["page"], response.json["per_page"]) == (1, 1, 20)
    [item] = response.json["items"]
    assert item["recipient"] == first_manager.email and item["event"] == "cooperative_verified"
    assert "last_error" not in item
    assert client.get(f"{API}/me/notifications", headers=users.buyer().headers).json["items"] == []


def test_a_members_phone_for_sms_is_checked_and_shown_in_full_to_managers_only(client, coop_factory):
    cooperative, manager = coop_factory.verified()
    member = coop_factory.add_member(manager, cooperative["id"], phone="06 61 23 45 67", language="ar")
    path = f"{API}/cooperatives/{cooperative['id']}/members"

    as_manager = client.get(path, headers=manager.headers).json["items"][0]
    as_admin = client.get(path, headers=coop_factory.admin.headers).json["items"][0]
    refused = client.post(path, json=member_body(phone="123"), headers=manager.headers)

    assert (member["phone"], member["language"]) == ("+212661234567", "ar")
    assert as_manager["phone"] == "+212661234567" and as_admin["phone"] == "•••• 4567"
    assert refused.status_code == 422 and "phone" in refused.json["error"]["details"]
