"""Text messages: mobile numbers only, and the HTTP provider adapter against a small provider on loopback."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.money import Money
from marketplace.notifications import Recipient, notify, sms
from marketplace.notifications.models import Notification
from marketplace.transaction import unit_of_work


class Provider:
    """A provider that records what it is sent and answers with `status`."""

    def __init__(self, status: int):
        self.status, self.received = status, []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                provider.received.append((self.headers["Authorization"], json.loads(self.rfile.read(length))))
                self.send_response(provider.status)
                self.end_headers()
                self.wfile.write(b'{"id": "msg-1"}')

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/messages"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def text_member(phone: str, language: str = "fr") -> Notification | None:
    with unit_of_work():
        notification = notify("payout_sent_sms", Recipient(language=language, phone=phone), {
            "amount": Money(123456, "MAD"), "reference": "VIR-77", "cooperative": "Tifaout"})
    return db.session.get(Notification, notification.id) if notification else None


@pytest.fixture
def http_sms(app, app_config):
    def use(provider: Provider) -> None:
        app_config(SMS_BACKEND="http", SMS_URL=provider.url, SMS_TOKEN="token-123", SMS_SENDER="SoukCoop")
        sms.init_app(app)

    return use


@pytest.mark.parametrize("phone, mobile", [
    ("+212612345678", True), ("+212712345678", True), ("+212522123456", False), ("+33612345678", True),
    ("+15417543010", True),  # the US plan does not tell mobiles from fixed lines
    ("not a number", False),
])
def test_only_mobile_numbers_receive_text_messages(phone, mobile):
    assert sms.is_mobile(phone) is mobile


def test_a_fixed_line_gets_no_message_at_all(app):
    with app.app_context():
        assert text_member("+212522123456") is None
        assert db.session.scalars(select(Notification)).all() == []


def test_the_http_adapter_posts_the_message_to_the_provider(app, http_sms):
    with Provider(200) as provider, app.app_context():
        http_sms(provider)
        message = text_member("+212612345678", "ar")

    assert (message.status, message.channel, message.attempts) == ("sent", "sms", 1)
    [(authorization, body)] = provider.received
    assert authorization == "Bearer token-123"
    assert body["from"] == "SoukCoop" and body["to"] == "+212612345678"
    assert "VIR-77" in body["text"] and "1.234,56" in body["text"]


def test_a_provider_error_leaves_the_message_failed_with_its_answer(app, http_sms):
    with Provider(503) as provider, app.app_context():
        http_sms(provider)
        message = text_member("+212612345678")

    assert (message.status, message.attempts) == ("failed", 1) and len(provider.received) == 1
    assert "SMS provider answered 503" in message.last_error
