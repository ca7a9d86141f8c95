"""Stripe for the test suite, offline: localstripe on loopback, and webhook deliveries signed as Stripe signs them.

Fixtures (a plugin of the whole suite, `pytest_plugins` in tests/conftest.py):
- `localstripe`: localstripe's own aiohttp app, started once per session on 127.0.0.1 (a free port) in a
  thread of its own, without its pickle file; wiped before each test; the test's app is configured to use it
  (`STRIPE_SECRET_KEY`, `STRIPE_API_BASE`, `STRIPE_WEBHOOK_SECRET`). `localstripe.pay(intent_id)` plays the
  buyer's side (what Stripe.js does): attach `pm_card_visa`, then confirm; `canceled_event(intent_id)` and
  `charge_refunded_event(intent_id)` build the events localstripe does not emit from its current state.
- `stripe_webhooks`: serves the test's app on loopback and registers its webhook URL with localstripe, so
  localstripe's own signed events reach the real route; `stripe_webhooks.wait_for(type, object_id)` blocks
  until that delivery was answered.
- `stripe_handlers`: an empty handler registry for the test (`stripe_handlers.record(type)`), so tests of the
  webhook machinery do not run the order handlers.

Also: `stripe_event(type, object)` builds an event, `signed_event(payload, secret)` signs it
(`signature_header(body, secret)` signs any bytes), `post_event(client, payload)` delivers it to the app.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import threading
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
import stripe
from aiohttp import web
from localstripe import resources as localstripe_resources
from localstripe import webhooks as localstripe_webhooks
from werkzeug.serving import make_server

from marketplace import clock
from orders.payments import webhooks

SECRET_KEY = "sk_test_souk_coop"
WEBHOOK_SECRET = "whsec_test_souk_coop"
WEBHOOK_PATH = "/api/v1/payments/stripe/webhook"
DELIVERY_TIMEOUT_SECONDS = 15  # localstripe waits 1 s before each delivery; a loaded machine needs slack


class _LocalStripeThread:
    """localstripe's aiohttp app on an event loop in a daemon thread, bound to loopback on a free port."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.url = ""
        from localstripe.server import app

        self._runner = web.AppRunner(app, access_log=None)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="localstripe", daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError("localstripe did not start within 10 s")

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        self._ready.set()
        self.loop.run_forever()

    def run(self, coroutine) -> object:
        """Run `coroutine` on localstripe's loop (its state is only touched from there)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def stop(self) -> None:
        self.run(self._runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)


async def _forget_registrations_and_pending_deliveries() -> None:
    # DELETE /_config/data keeps webhook registrations, and a delivery scheduled by the previous test would
    # otherwise reach this test's app a second later.
    for task in asyncio.all_tasks():
        if task.get_coro().__qualname__ == "_send_webhook":
            task.cancel()
    localstripe_webhooks._webhooks.clear()


@pytest.fixture(scope="session")
def _localstripe_thread() -> Iterator[_LocalStripeThread]:
    with pytest.MonkeyPatch.context() as patch:
        # localstripe saves its whole state to a fixed /tmp/localstripe.pickle after every change
        patch.setattr(localstripe_resources.Store, "dump_to_disk", lambda self: None)
        server = _LocalStripeThread()
        server.start()
        yield server
        server.stop()


@dataclass
class LocalStripe:
    url: str
    client: stripe.StripeClient
    _thread: _LocalStripeThread

    def pay(self, intent_id: str, payment_method: str = "pm_card_visa") -> str:
        """Play the buyer's browser: attach a card to the PaymentIntent, confirm it; returns the new status.

        `pm_card_chargeCustomerFail` is declined: the status falls back to `requires_payment_method` and
        localstripe emits `payment_intent.payment_failed`.
        """
        self.client.v1.payment_intents.update(intent_id, params={"payment_method": payment_method})
        try:
            return self.client.v1.payment_intents.confirm(intent_id).status
        except stripe.CardError:
            return self.client.v1.payment_intents.retrieve(intent_id).status

    def canceled_event(self, intent_id: str) -> dict:
        """`payment_intent.canceled` about the intent as localstripe holds it (localstripe emits none)."""
        return stripe_event("payment_intent.canceled", self.client.v1.payment_intents.retrieve(intent_id).to_dict())

    def charge_refunded_event(self, intent_id: str) -> dict:
        """`charge.refunded` about the intent's charge as localstripe holds it, with `amount_refunded` and its
        refunds (localstripe emits none)."""
        intent = self.client.v1.payment_intents.retrieve(intent_id)
        charge_id = intent.latest_charge if isinstance(intent.latest_charge, str) else intent.latest_charge.id
        return stripe_event("charge.refunded", self.client.v1.charges.retrieve(charge_id).to_dict())

    def register_webhook(self, url: str, secret: str = WEBHOOK_SECRET, events: list[str] | None = None) -> None:
        """Have localstripe post its signed events to `url`."""
        body = {"url": url, "secret": secret, **({"events": events} if events is not None else {})}
        _request("POST", f"{self.url}/_config/webhooks/souk", body)

    def reset(self) -> None:
        _request("DELETE", f"{self.url}/_config/data")
        self._thread.run(_forget_registrations_and_pending_deliveries())


def _request(method: str, url: str, body: dict | None = None) -> None:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200, f"localstripe answered {response.status} to {method} {url}"


@pytest.fixture
def localstripe(app, _localstripe_thread) -> Iterator[LocalStripe]:
    fake = LocalStripe(url=_localstripe_thread.url, _thread=_localstripe_thread,
                       client=stripe.StripeClient(SECRET_KEY, base_addresses={"api": _localstripe_thread.url}))
    fake.reset()
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=fake.url, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    yield fake
    fake.reset()


@dataclass
class Delivery:
    status: int
    event: dict
    answer: dict | None


@dataclass
class WebhookInbox:
    """The deliveries that reached the app over HTTP, with the app's answers."""

    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def record(self, delivery: Delivery) -> None:
        with self._arrived:
            self.deliveries.append(delivery)
            self._arrived.notify_all()

    def wait_for(self, event_type: str, object_id: str, timeout: float = DELIVERY_TIMEOUT_SECONDS) -> Delivery:
        """The answered delivery of `event_type` about `object_id`, waiting for it to arrive if needed."""

        def find() -> Delivery | None:
            return next((d for d in self.deliveries if d.event.get("type") == event_type
                         and d.event.get("data", {}).get("object", {}).get("id") == object_id), None)

        with self._arrived:
            if not self._arrived.wait_for(find, timeout=timeout):
                seen = [(d.event.get("type"), d.status) for d in self.deliveries]
                raise AssertionError(f"no {event_type} about {object_id} within {timeout} s; received {seen}")
            return find()


def recording(app, inbox: WebhookInbox) -> Callable:
    """The app as a WSGI callable that records each request body it answered and the answer."""

    def wsgi(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        statuses: list[int] = []

        def capture(status: str, headers, exc_info=None):
            statuses.append(int(status.split()[0]))
            return start_response(status, headers, exc_info)

        chunks = list(app(environ, capture))
        answer = b"".join(chunks)
        inbox.record(Delivery(status=statuses[0], event=json.loads(body), answer=json.loads(answer) if answer else None))
        return chunks

    return wsgi


@pytest.fixture
def stripe_webhooks(app, localstripe) -> Iterator[WebhookInbox]:
    inbox = WebhookInbox()
    server = make_server("127.0.0.1", 0, recording(app, inbox))
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    inbox.url = f"http://127.0.0.1:{server.server_port}{WEBHOOK_PATH}"
    localstripe.register_webhook(inbox.url, app.config["STRIPE_WEBHOOK_SECRET"])
    yield inbox
    localstripe.reset()
    server.shutdown()
    thread.join(timeout=10)


class HandlerRecorder:
    """Handlers registered for one test only; `record(type)` returns the list the event objects go to."""

    def __init__(self, registry: dict):
        self.registry = registry

    def record(self, event_type: str) -> list[dict]:
        calls: list[dict] = []
        self.registry[event_type] = calls.append
        return calls

    def register(self, event_type: str, handler: Callable[[dict], None]) -> None:
        self.registry[event_type] = handler


@pytest.fixture
def stripe_handlers(monkeypatch) -> HandlerRecorder:
    registry: dict = {}
    monkeypatch.setattr(webhooks, "_handlers", registry)
    return HandlerRecorder(registry)


def stripe_event(event_type: str, data_object: dict, *, event_id: str | None = None,
                 created: int | None = None) -> dict:
    """An event as Stripe sends it (the fields the platform reads, plus the usual envelope)."""
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2025-10-29.clover",
        "created": int(clock.now().timestamp()) if created is None else created,
        "type": event_type,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": data_object},
    }


def signed_event(payload: dict, secret: str, timestamp: int | None = None) -> tuple[bytes, str]:
    """The body and `Stripe-Signature` header Stripe would send for `payload`."""
    body = json.dumps(payload).encode()
    return body, signature_header(body, secret, timestamp)


def signature_header(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe's scheme: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the endpoint secret>`."""
    timestamp = int(clock.now().timestamp()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def post_event(client, payload: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    """Deliver `payload` to the app's webhook route, signed with `secret`."""
    body, signature = signed_event(payload, secret, timestamp)
    return client.post(WEBHOOK_PATH, data=body,
                       headers={"Stripe-Signature": signature, "Content-Type": "application/json; charset=utf-8"})
