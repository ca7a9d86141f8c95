"""E-mail through a real SMTP server on loopback (aiosmtpd): what arrives, and what a server that is down does
to the message (and does not do to the order)."""
from __future__ import annotations

import email
import email.policy
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from marketplace.clock import now
from marketplace.notifications import email as mail
from tests.notifications.conftest import set_language


class Inbox(Message):
    """Keeps every message the server receives, parsed."""

    def __init__(self):
        super().__init__(email.message.EmailMessage)
        self.received: list[email.message.EmailMessage] = []

    def prepare_message(self, session, envelope):
        return email.message_from_bytes(envelope.content, policy=email.policy.default)

    def handle_message(self, message):
        self.received.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def send_by_smtp(app, app_config, smtp_port):
    """Point the app at 127.0.0.1:smtp_port over SMTP (nothing listens there until a test starts a server)."""
    app_config(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_TIMEOUT=5)
    mail.init_app(app)
    yield
    app.config.update(MAIL_BACKEND="locmem")
    mail.init_app(app)


def start_server(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


def text_and_html(message) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def test_french_and_arabic_messages_arrive_through_a_real_smtp_server(client, coop_factory, send_by_smtp,
                                                                     smtp_port, messages):
    controller, inbox = start_server(smtp_port)
    try:
        cooperative, manager = coop_factory.create(name="Coopérative Aït Baha")
        arabic_cooperative, arabic_manager = coop_factory.create(name="تعاونية أركان")
        set_language(client, arabic_manager, "ar")
        coop_factory.decide(cooperative["id"], "reject", "ICE illisible")
        coop_factory.decide(arabic_cooperative["id"], "reject", "وثائق ناقصة")
    finally:
        controller.stop()

    french = next(m for m in inbox.received if m["To"] == manager.email)
    arabic = next(m for m in inbox.received if m["To"] == arabic_manager.email)
    # Flask-Mailman folds long encoded subjects after "Subject:", which decodes with a leading space
    assert french["Subject"].strip() == "Coopérative Aït Baha n'a pas été vérifiée"
    assert arabic["Subject"].strip() == "لم يتم التحقق من تعاونية أركان"
    text, html = text_and_html(french)
    assert "Motif : ICE illisible" in text and 'dir="ltr"' in html
    text, html = text_and_html(arabic)
    assert "السبب: وثائق ناقصة" in text and 'dir="rtl"' in html and 'lang="ar"' in html
    assert {m["status"] for m in messages.listed(event="cooperative_rejected")} == {"sent"}


def test_a_server_that_is_down_leaves_the_message_failed_and_the_order_untouched_until_a_retry_sends_it(
        books, client, send_by_smtp, smtp_port, messages, time_machine, app):
    coop = books.cooperative([{}])
    variant_id = books.product(coop, amount=8000, lots=[(coop.members[0], 5)])

    order = books.order([(variant_id, 1)])  # nothing listens on the SMTP port

    assert order["status"] == "confirmed"
    assert books.market.order(order["buyer"], order["id"]).json["status"] == "confirmed"
    [failed] = messages.listed(recipient=order["buyer"].email)
    assert (failed["event"], failed["status"], failed["attempts"]) == ("order_confirmed", "failed", 1)
    assert "ConnectionRefusedError" in failed["last_error"]

    runner = app.test_cli_runner()
    assert "0 messages queued" in runner.invoke(args=["notifications", "retry"]).output  # backoff not over
    controller, inbox = start_server(smtp_port)
    try:
        time_machine.move_to(now() + timedelta(seconds=61))
        result = runner.invoke(args=["notifications", "retry"])
    finally:
        controller.stop()

    assert result.exit_code == 0, result.output
    [sent] = messages.listed(recipient=order["buyer"].email)
    assert (sent["status"], sent["attempts"]) == ("sent", 2) and sent["sent_at"]
    assert [m["Subject"].strip() for m in inbox.received if m["To"] == order["buyer"].email] == [
        f"Commande {order['number']} confirmée"]
    again = runner.invoke(args=["notifications", "retry"])
    assert "0 messages queued" in again.output
    assert len([m for m in inbox.received if m["To"] == order["buyer"].email]) == 1


def test_each_failure_doubles_the_wait_and_attempts_stop_at_the_maximum(books, send_by_smtp, app_config, app,
                                                                       messages, time_machine):
    app_config(NOTIFICATION_MAX_ATTEMPTS=3, NOTIFICATION_RETRY_SECONDS=60)
    coop = books.cooperative([{}])
    variant_id = books.product(coop, amount=8000, lots=[(coop.members[0], 5)])
    order = books.order([(variant_id, 1)])
    runner = app.test_cli_runner()

    waits = []
    for _ in range(3):
        [message] = messages.listed(recipient=order["buyer"].email)
        waits.append(message["attempts"])
        time_machine.move_to(now() + timedelta(seconds=60 * 2 ** (message["attempts"] - 1) - 1))
        assert "0 messages queued" in runner.invoke(args=["notifications", "retry"]).output
        time_machine.move_to(now() + timedelta(seconds=2))
        runner.invoke(args=["notifications", "retry"])

    [message] = messages.listed(recipient=order["buyer"].email)
    assert waits == [1, 2, 3] and (message["status"], message["attempts"]) == ("failed", 3)
