"""Notification fixtures: the settlement `books` (cooperatives, orders over HTTP, card payments through a stand-in
gateway), the cooperatives' `coop_factory`, and helpers reading the messages through the admin API."""
from __future__ import annotations

import pytest

from marketplace.notifications.sms import ConsoleSms

from tests.settlement.conftest import API, books, card, coop_factory, market, shop  # noqa: F401  (fixtures)


class Messages:
    """What the platform sent, read through GET /admin/notifications and Flask-Mailman's outbox."""

    def __init__(self, app, client, users):
        self.app, self.client, self.users = app, client, users

    def listed(self, **filters) -> list[dict]:
        response = self.client.get(f"{API}/admin/notifications", query_string={"per_page": 100, **filters},
                                   headers=self.users.shared_admin().headers)
        assert response.status_code == 200, response.json
        return response.json["items"]

    def events_for(self, recipient: str) -> list[str]:
        return sorted(item["event"] for item in self.listed(recipient=recipient))

    def emails_to(self, address: str) -> list:
        outbox = getattr(self.app.extensions["mailman"], "outbox", [])
        return [message for message in outbox if address in message.to]

    def sms_to(self, number: str) -> list[dict]:
        return [sms for sms in self.app.extensions["sms"].outbox if sms["to"] == number]


@pytest.fixture
def messages(app, client, users) -> Messages:
    """Empty outboxes for this test (the app fixture puts the session's extensions back afterwards)."""
    app.extensions["mailman"].outbox = []
    app.extensions["sms"] = ConsoleSms()
    return Messages(app, client, users)


def set_language(client, account, language: str, **extra):
    response = client.patch(f"{API}/me", json={"language": language, **extra}, headers=account.headers)
    assert response.status_code == 200, response.json
    return response.json
