"""POST /payments/stripe/webhook: only Stripe-signed events, each stored and handled once, in one transaction."""
from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import event, func, select

from marketplace import clock
from marketplace.audit import AuditEntry
from marketplace.extensions import db
from marketplace.money import Money
from orders.payments.models import StripeEvent
from orders.payments.stripe_gateway import cancel_payment_intent, create_payment_intent, create_refund
from orders.payments.webhooks import on_stripe_event
from tests.conftest import POSTGRES_URL
from tests.orders.stripe_server import (
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    post_event,
    signature_header,
    signed_event,
    stripe_event,
)


@pytest.fixture
def secret(app):
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    return WEBHOOK_SECRET


def intent_object(intent_id: str = "pi_3Souk", amount: int = 15000, currency: str = "xof") -> dict:
    return {"id": intent_id, "object": "payment_intent", "amount": amount, "amount_received": amount,
            "currency": currency, "status": "succeeded", "metadata": {"order_number": "SC-2026-000007"}}


def stored_events(app) -> list[StripeEvent]:
    with app.app_context():
        events = db.session.scalars(select(StripeEvent).order_by(StripeEvent.id)).all()
        db.session.expunge_all()
        return events


def post_raw(client, body: bytes, headers: dict):
    return client.post(WEBHOOK_PATH, data=body, headers={"Content-Type": "application/json", **headers})


def test_a_signed_event_delivered_three_times_is_stored_and_handled_once(app, client, secret, stripe_handlers):
    handled = stripe_handlers.record("payment_intent.succeeded")
    payload = stripe_event("payment_intent.succeeded", intent_object(), created=1_790_000_000)

    answers = [post_event(client, payload) for _ in range(3)]

    assert [(a.status_code, a.json) for a in answers] == [
        (200, {"received": True, "duplicate": False}),
        (200, {"received": True, "duplicate": True}),
        (200, {"received": True, "duplicate": True}),
    ]
    assert handled == [intent_object()]
    [stored] = stored_events(app)
    assert (stored.event_id, stored.type, stored.object_id) == (payload["id"], "payment_intent.succeeded", "pi_3Souk")
    assert stored.created_at.timestamp() == 1_790_000_000 and stored.processed_at is not None
    assert stored.payload == payload


def test_a_delivery_costs_one_sql_statement_besides_its_handler(client, secret, stripe_handlers, queries):
    stripe_handlers.record("payment_intent.succeeded")
    payload = stripe_event("payment_intent.succeeded", intent_object())

    queries.reset()
    post_event(client, payload)
    first = queries.count
    queries.reset()
    post_event(client, payload)

    assert (first, queries.count) == (1, 1)


def test_an_event_type_nobody_handles_is_stored_and_acknowledged(app, client, secret, stripe_handlers):
    payload = stripe_event("customer.created", {"id": "cus_1", "object": "customer"})

    answer = post_event(client, payload)

    assert answer.status_code == 200 and answer.json == {"received": True, "duplicate": False}
    [stored] = stored_events(app)
    assert (stored.type, stored.object_id, stored.processed_at) == ("customer.created", "cus_1", None)


def forged(payload):
    body, _ = signed_event(payload, WEBHOOK_SECRET)
    return body, {"Stripe-Signature": signature_header(body, "whsec_someone_else")}


def stale(payload):
    body, signature = signed_event(payload, WEBHOOK_SECRET, timestamp=int(clock.now().timestamp()) - 301)
    return body, {"Stripe-Signature": signature}


def tampered(payload):
    body, signature = signed_event(payload, WEBHOOK_SECRET)
    return body.replace(b'"amount": 15000', b'"amount": 15'), {"Stripe-Signature": signature}


def unsigned(payload):
    body, _ = signed_event(payload, WEBHOOK_SECRET)
    return body, {}


def mangled_header(payload):
    body, signature = signed_event(payload, WEBHOOK_SECRET)
    return body, {"Stripe-Signature": signature.replace("t=", "t=x")}


def signed_garbage(payload):
    body = b"\xff\xfe not json {"
    return body, {"Stripe-Signature": signature_header(body, WEBHOOK_SECRET)}


def signed_non_event(payload):
    body = json.dumps({"id": payload["id"], "data": "nope"}).encode()
    return body, {"Stripe-Signature": signature_header(body, WEBHOOK_SECRET)}


@pytest.mark.parametrize("delivery", [forged, stale, tampered, unsigned, mangled_header, signed_garbage,
                                      signed_non_event])
def test_a_delivery_not_provably_from_stripe_is_refused_and_changes_nothing(app, client, secret, stripe_handlers,
                                                                           delivery):
    handled = stripe_handlers.record("payment_intent.succeeded")
    body, headers = delivery(stripe_event("payment_intent.succeeded", intent_object()))

    answer = post_raw(client, body, headers)

    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_signature" and answer.json["error"]["message"]
    assert handled == [] and stored_events(app) == []


def test_a_stale_delivery_is_refused_for_its_age(client, secret, stripe_handlers):
    body, headers = stale(stripe_event("payment_intent.succeeded", intent_object()))

    answer = post_raw(client, body, headers)

    assert "tolerance" in answer.json["error"]["details"]["reason"]


def test_without_an_endpoint_secret_no_delivery_is_accepted(app, client, stripe_handlers):
    app.config["STRIPE_WEBHOOK_SECRET"] = ""
    body, signature = signed_event(stripe_event("payment_intent.succeeded", intent_object()), "")

    answer = post_raw(client, body, {"Stripe-Signature": signature})

    assert answer.status_code == 503 and answer.json["error"]["code"] == "webhook_not_configured"
    assert stored_events(app) == []


def test_a_handler_that_fails_leaves_no_event_and_no_write_so_the_retry_is_processed(app, client, secret,
                                                                                      stripe_handlers):
    attempts = []

    def handler(intent: dict) -> None:
        attempts.append(intent["id"])
        db.session.add(AuditEntry(entity_type="payment_intent", entity_id=len(attempts), to_state="paid"))
        db.session.flush()
        if len(attempts) == 1:
            raise RuntimeError("the order row could not be updated")

    stripe_handlers.register("payment_intent.succeeded", handler)
    payload = stripe_event("payment_intent.succeeded", intent_object())

    failed = post_event(client, payload)

    assert failed.status_code == 500 and failed.json["error"]["code"] == "internal_error"
    assert stored_events(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0

    retried = post_event(client, payload)

    assert retried.status_code == 200 and retried.json["duplicate"] is False
    assert attempts == ["pi_3Souk", "pi_3Souk"] and len(stored_events(app)) == 1
    with app.app_context():
        assert db.session.scalars(select(AuditEntry.entity_id)).all() == [2]


def second_delivery_during_first(app, stripe_handlers, *, first_fails: bool) -> tuple[dict, list[str]]:
    """Deliver one event twice: the second reaches its INSERT while the first's handler is still running."""
    first_in_handler, second_at_insert = threading.Event(), threading.Event()
    handled = []

    def handler(intent: dict) -> None:
        handled.append(threading.current_thread().name)
        if threading.current_thread().name == "first":
            first_in_handler.set()
            assert second_at_insert.wait(timeout=10)
            if first_fails:
                raise RuntimeError("the order row could not be updated")

    def second_reaches_insert(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread().name == "second" and statement.startswith("INSERT INTO stripe_events"):
            second_at_insert.set()

    stripe_handlers.register("payment_intent.succeeded", handler)
    body, signature = signed_event(stripe_event("payment_intent.succeeded", intent_object()), WEBHOOK_SECRET)
    answers = {}

    def deliver():
        answer = post_raw(app.test_client(), body, {"Stripe-Signature": signature})
        answers[threading.current_thread().name] = (answer.status_code, answer.json)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", second_reaches_insert)
    try:
        first = threading.Thread(target=deliver, name="first")
        first.start()
        assert first_in_handler.wait(timeout=10)
        second = threading.Thread(target=deliver, name="second")
        second.start()
        first.join(timeout=20)
        second.join(timeout=20)
    finally:
        event.remove(engine, "before_cursor_execute", second_reaches_insert)
    assert second_at_insert.is_set()
    return answers, handled


def test_a_delivery_arriving_while_the_first_is_handled_waits_for_it_and_is_a_duplicate(app, secret,
                                                                                        stripe_handlers):
    answers, handled = second_delivery_during_first(app, stripe_handlers, first_fails=False)

    assert answers == {"first": (200, {"received": True, "duplicate": False}),
                       "second": (200, {"received": True, "duplicate": True})}
    assert handled == ["first"] and len(stored_events(app)) == 1


def test_a_delivery_waiting_on_a_first_that_fails_is_processed_itself(app, secret, stripe_handlers):
    answers, handled = second_delivery_during_first(app, stripe_handlers, first_fails=True)

    assert answers["first"][0] == 500
    assert answers["second"] == (200, {"received": True, "duplicate": False})
    assert handled == ["first", "second"] and len(stored_events(app)) == 1


@pytest.mark.skipif(not POSTGRES_URL, reason="real concurrent writers need PostgreSQL: set TEST_DATABASE_URL")
def test_concurrent_deliveries_of_one_event_store_it_once_and_handle_it_once(app, secret, stripe_handlers):
    count = 8
    handled = stripe_handlers.record("payment_intent.succeeded")
    body, signature = signed_event(stripe_event("payment_intent.succeeded", intent_object()), WEBHOOK_SECRET)
    barrier, answers, lock = threading.Barrier(count), [], threading.Lock()

    def deliver():
        client = app.test_client()
        barrier.wait()
        answer = post_raw(client, body, {"Stripe-Signature": signature})
        with lock:
            answers.append((answer.status_code, answer.json["duplicate"]))

    threads = [threading.Thread(target=deliver) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(answers) == [(200, False)] + [(200, True)] * (count - 1)
    assert len(handled) == 1 and len(stored_events(app)) == 1


def test_localstripe_signs_its_own_payment_event_and_the_route_accepts_it(app, localstripe, stripe_webhooks,
                                                                          stripe_handlers):
    handled = stripe_handlers.record("payment_intent.succeeded")
    with app.app_context():
        intent = create_payment_intent(Money(15000, "XOF"), order_number="SC-2026-000009",
                                       idempotency_key="order-9-intent")

    assert localstripe.pay(intent.id) == "succeeded"
    delivery = stripe_webhooks.wait_for("payment_intent.succeeded", intent.id)

    assert delivery.status == 200 and delivery.answer == {"received": True, "duplicate": False}
    [paid] = handled
    assert (paid["id"], paid["amount"], paid["currency"], paid["status"]) == (intent.id, 15000, "xof", "succeeded")
    assert paid["metadata"] == {"order_number": "SC-2026-000009"}
    [stored] = stored_events(app)
    assert (stored.event_id, stored.object_id) == (delivery.event["id"], intent.id)


def test_localstripe_signs_a_declined_payment_and_the_route_accepts_it(app, localstripe, stripe_webhooks,
                                                                      stripe_handlers):
    failed = stripe_handlers.record("payment_intent.payment_failed")
    with app.app_context():
        intent = create_payment_intent(Money(12050, "MAD"), order_number="SC-2026-000010",
                                       idempotency_key="order-10-intent")

    assert localstripe.pay(intent.id, "pm_card_chargeCustomerFail") == "requires_payment_method"
    delivery = stripe_webhooks.wait_for("payment_intent.payment_failed", intent.id)

    assert delivery.status == 200 and delivery.answer["duplicate"] is False
    assert [(f["id"], f["amount"], f["currency"]) for f in failed] == [(intent.id, 12050, "mad")]


def test_events_localstripe_does_not_emit_are_built_from_its_state_and_accepted(app, client, localstripe,
                                                                              stripe_handlers):
    canceled = stripe_handlers.record("payment_intent.canceled")
    refunded = stripe_handlers.record("charge.refunded")
    with app.app_context():
        unpaid = create_payment_intent(Money(5000, "EUR"), order_number="SC-1", idempotency_key="order-1-intent")
        cancel_payment_intent(unpaid.id, idempotency_key="order-1-cancel")
        paid = create_payment_intent(Money(20000, "XOF"), order_number="SC-2", idempotency_key="order-2-intent")
        localstripe.pay(paid.id)
        create_refund(paid.id, Money(7000, "XOF"), idempotency_key="order-2-refund-1")

    answers = [post_event(client, localstripe.canceled_event(unpaid.id)),
               post_event(client, localstripe.charge_refunded_event(paid.id))]

    assert [a.status_code for a in answers] == [200, 200]
    assert [(c["id"], c["status"]) for c in canceled] == [(unpaid.id, "canceled")]
    [charge] = refunded
    assert (charge["payment_intent"], charge["amount"], charge["amount_refunded"]) == (paid.id, 20000, 7000)
    assert [r["amount"] for r in charge["refunds"]["data"]] == [7000]


def test_the_webhook_is_documented_as_signed_not_token_authenticated(client):
    operation = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/payments/stripe/webhook"]["post"]

    assert operation["security"] == []
    assert [p["name"] for p in operation["parameters"] if p["in"] == "header"] == ["Stripe-Signature"]
    assert set(operation["responses"]) >= {"200", "400"}


def test_each_event_type_has_one_handler_and_a_second_one_is_refused(stripe_handlers):
    def mark_paid(intent: dict) -> None: ...

    def mark_paid_again(intent: dict) -> None: ...

    on_stripe_event("payment_intent.succeeded")(mark_paid)
    on_stripe_event("payment_intent.succeeded")(mark_paid)  # the same handler again (a module imported twice)

    with pytest.raises(RuntimeError, match="already handled by .*mark_paid"):
        on_stripe_event("payment_intent.succeeded")(mark_paid_again)
    assert stripe_handlers.registry == {"payment_intent.succeeded": mark_paid}
