"""The Stripe gateway through the real stripe library against localstripe on loopback."""
from __future__ import annotations

import json
import socket
import threading
import time
from urllib.parse import parse_qs

import pytest
from werkzeug.serving import make_server

from marketplace.money import Money
from orders.payments import stripe_gateway as gateway
from orders.payments.errors import PaymentProviderError, PaymentProviderRejected, PaymentProviderUnavailable


@pytest.fixture
def stripe_app(app, localstripe):
    with app.app_context():
        yield localstripe


def paid_intent(localstripe, amount: Money, number: str = "SC-2026-000001") -> gateway.IntentRef:
    intent = gateway.create_payment_intent(amount, order_number=number, idempotency_key=f"order-{number}-intent")
    assert localstripe.pay(intent.id) == "succeeded"
    return intent


@pytest.mark.parametrize("amount", [Money(12050, "MAD"), Money(1099, "EUR"), Money(15000, "XOF")])
def test_a_payment_intent_is_created_for_the_order_amount_in_its_currency(stripe_app, amount):
    intent = gateway.create_payment_intent(amount, order_number="SC-2026-000042", idempotency_key="order-42-intent")

    assert intent.id.startswith("pi_") and intent.client_secret.startswith(f"{intent.id}_secret_")
    assert intent.status == "requires_payment_method"
    assert intent.money == amount
    assert intent.order_number == "SC-2026-000042"
    stored = stripe_app.client.v1.payment_intents.retrieve(intent.id)
    assert (stored.amount, stored.currency) == (amount.amount, amount.currency.lower())
    assert stored.metadata["order_number"] == "SC-2026-000042"


def test_an_intent_the_buyer_paid_reads_back_as_succeeded(stripe_app):
    intent = paid_intent(stripe_app, Money(25000, "XOF"))

    assert gateway.retrieve_payment_intent(intent.id).status == "succeeded"


def test_cancelling_an_unpaid_intent_twice_cancels_it_once_and_does_not_fail(stripe_app):
    intent = gateway.create_payment_intent(Money(5000, "MAD"), order_number="SC-1", idempotency_key="order-1-intent")

    first = gateway.cancel_payment_intent(intent.id, idempotency_key="order-1-cancel")
    again = gateway.cancel_payment_intent(intent.id, idempotency_key="order-1-cancel")

    assert first.status == again.status == "canceled"
    assert gateway.retrieve_payment_intent(intent.id).status == "canceled"


def test_a_paid_intent_cannot_be_cancelled(stripe_app):
    intent = paid_intent(stripe_app, Money(5000, "MAD"))

    with pytest.raises(PaymentProviderRejected) as refused:
        gateway.cancel_payment_intent(intent.id, idempotency_key="order-1-cancel")

    assert refused.value.status == 409 and refused.value.code == "payment_provider_rejected"
    assert gateway.retrieve_payment_intent(intent.id).status == "succeeded"


@pytest.mark.parametrize("paid, refunds", [
    (Money(12050, "MAD"), [Money(2050, "MAD"), Money(10000, "MAD")]),
    (Money(9900, "XOF"), [Money(9900, "XOF")]),
])
def test_partial_and_full_refunds_are_created_on_the_paid_intent(stripe_app, paid, refunds):
    intent = paid_intent(stripe_app, paid)

    made = [gateway.create_refund(intent.id, amount, idempotency_key=f"refund-{i}")
            for i, amount in enumerate(refunds)]

    assert [(r.status, Money(r.amount, r.currency)) for r in made] == [("succeeded", a) for a in refunds]
    listed = stripe_app.client.v1.refunds.list(params={"payment_intent": intent.id})
    assert sorted(r.amount for r in listed.data) == sorted(a.amount for a in refunds)


def test_refunding_an_intent_nobody_paid_is_refused_with_a_clear_error(stripe_app):
    intent = gateway.create_payment_intent(Money(5000, "MAD"), order_number="SC-1", idempotency_key="order-1-intent")

    with pytest.raises(PaymentProviderRejected) as refused:
        gateway.create_refund(intent.id, Money(5000, "MAD"), idempotency_key="refund-1")

    assert "refused" in refused.value.message and refused.value.details["provider_status"] == 400


def test_an_unknown_intent_is_a_rejection_not_a_crash(stripe_app):
    with pytest.raises(PaymentProviderRejected) as refused:
        gateway.retrieve_payment_intent("pi_doesnotexist")

    assert refused.value.details["provider_status"] == 404


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_stripe_answers_payment_provider_unavailable_within_seconds(app):
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE=f"http://127.0.0.1:{free_port()}")

    with app.app_context():
        started = time.monotonic()
        with pytest.raises(PaymentProviderUnavailable) as unavailable:
            gateway.create_payment_intent(Money(5000, "MAD"), order_number="SC-1", idempotency_key="order-1-intent")
        elapsed = time.monotonic() - started

    assert unavailable.value.status == 503 and unavailable.value.code == "payment_provider_unavailable"
    assert "cannot be reached" in unavailable.value.message
    assert elapsed < 3


class SilentServer:
    """Accepts connections on loopback and never answers: a Stripe that hangs."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        try:
            while True:
                self.connections.append(self.sock.accept()[0])
        except OSError:  # the socket was shut down
            pass

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=5)
        for connection in self.connections:
            connection.close()


def test_a_stripe_that_hangs_is_given_up_after_the_read_timeout_and_one_retry(app, monkeypatch):
    monkeypatch.setattr(gateway, "READ_TIMEOUT_SECONDS", 0.2)
    hanging = SilentServer()
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE=hanging.url)
    try:
        with app.app_context(), pytest.raises(PaymentProviderUnavailable):
            gateway.create_payment_intent(Money(5000, "MAD"), order_number="SC-1", idempotency_key="order-1-intent")
    finally:
        hanging.close()

    assert len(hanging.connections) == 1 + gateway.NETWORK_RETRIES


class ScriptedStripe:
    """A loopback server answering each request with the next scripted (status, body), recording what it got."""

    def __init__(self, answers: list[tuple[int, dict]]):
        self.answers, self.requests = list(answers), []
        self.server = make_server("127.0.0.1", 0, self.wsgi)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wsgi(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
        self.requests.append({"path": environ["PATH_INFO"], "idempotency_key": environ.get("HTTP_IDEMPOTENCY_KEY"),
                              "form": {k: v[0] for k, v in parse_qs(body).items()}})
        status, answer = self.answers.pop(0)
        start_response(f"{status} Scripted", [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def scripted_stripe(app):
    servers = []

    def start(*answers: tuple[int, dict]) -> ScriptedStripe:
        servers.append(ScriptedStripe(list(answers)))
        app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE=servers[-1].url)
        return servers[-1]

    yield start
    for server in servers:
        server.close()


STRIPE_DOWN = (500, {"error": {"type": "api_error", "message": "An unknown error occurred"}})
INTENT = (200, {"id": "pi_7", "object": "payment_intent", "amount": 15000, "currency": "xof",
                "status": "requires_payment_method", "client_secret": "pi_7_secret_x",
                "metadata": {"order_number": "SC-7"}})


def test_a_stripe_error_is_retried_once_with_the_same_idempotency_key(app, scripted_stripe):
    stripe_server = scripted_stripe(STRIPE_DOWN, INTENT)

    with app.app_context():
        intent = gateway.create_payment_intent(Money(15000, "XOF"), order_number="SC-7",
                                               idempotency_key="order-SC-7-intent")

    assert intent == gateway.IntentRef("pi_7", "pi_7_secret_x", "requires_payment_method", 15000, "XOF", "SC-7")
    assert [r["idempotency_key"] for r in stripe_server.requests] == ["order-SC-7-intent"] * 2
    assert stripe_server.requests[0]["path"] == "/v1/payment_intents"
    assert stripe_server.requests[0]["form"] == {"amount": "15000", "currency": "xof",
                                                 "payment_method_types[0]": "card",
                                                 "metadata[order_number]": "SC-7"}


@pytest.mark.parametrize("answers", [
    [STRIPE_DOWN, STRIPE_DOWN],
    [(429, {"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many requests"}})],
], ids=["stripe failing", "rate limited"])
def test_stripe_failing_or_rate_limiting_is_payment_provider_unavailable(app, scripted_stripe, answers):
    stripe_server = scripted_stripe(*answers)

    with app.app_context(), pytest.raises(PaymentProviderUnavailable):
        gateway.create_refund("pi_7", Money(100, "XOF"), idempotency_key="refund-1")

    assert len(stripe_server.requests) == len(answers)
    assert {r["idempotency_key"] for r in stripe_server.requests} == {"refund-1"}


def test_without_a_secret_key_card_payments_are_unavailable_with_a_clear_message(app):
    app.config.update(STRIPE_SECRET_KEY="", STRIPE_API_BASE="")

    with app.app_context(), pytest.raises(PaymentProviderUnavailable) as unavailable:
        gateway.create_payment_intent(Money(5000, "MAD"), order_number="SC-1", idempotency_key="order-1-intent")

    assert "STRIPE_SECRET_KEY" in unavailable.value.message


def test_a_key_stripe_refuses_is_a_provider_error_not_a_crash(app, localstripe):
    app.config.update(STRIPE_SECRET_KEY="rk_not_a_secret_key")

    with app.app_context(), pytest.raises(PaymentProviderError) as failed:
        gateway.create_payment_intent(Money(5000, "MAD"), order_number="SC-1", idempotency_key="order-1-intent")

    assert failed.value.status == 502 and failed.value.details["provider_status"] == 401
