"""Stripe webhooks: verify the delivery, store each event once, run its handler in the same transaction.

Packages that react to payments register one handler per event type:

    @on_stripe_event("payment_intent.succeeded")
    def mark_paid(intent: dict) -> None: ...

The handler receives the event's `data.object` and runs inside the unit of work that inserts the event id, so
the event row and the handler's writes commit together or not at all: a handler that raises leaves no trace
and Stripe's next delivery of the event is processed afresh. A duplicate delivery, even one racing the first,
meets the unique event id (the insert waits for the first transaction and then does nothing) and runs nothing.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import stripe
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from marketplace import clock
from marketplace.extensions import db
from marketplace.transaction import unit_of_work
from orders.payments.errors import InvalidSignature, WebhookNotConfigured
from orders.payments.models import StripeEvent
from orders.payments.schemas import StripeEventSchema

log = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300  # Stripe's own default: older signed deliveries are refused as replays
EventHandler = Callable[[dict], None]
_handlers: dict[str, EventHandler] = {}
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def on_stripe_event(event_type: str) -> Callable[[EventHandler], EventHandler]:
    """Register the handler of one event type (one per type: a second, different one is a programming error)."""

    def register(handler: EventHandler) -> EventHandler:
        existing = _handlers.get(event_type)
        if existing is not None and _name(existing) != _name(handler):
            raise RuntimeError(f"{event_type} is already handled by {_name(existing)}")
        _handlers[event_type] = handler
        return handler

    return register


def _name(function: Callable) -> str:
    return f"{function.__module__}.{function.__qualname__}"


@dataclass(frozen=True, slots=True)
class Receipt:
    event_id: str
    type: str
    duplicate: bool
    received: bool = True


def receive_event(payload: bytes, signature: str | None) -> Receipt:
    """Verify a delivery from Stripe, store its event once and run the event type's handler with it."""
    event = verified_event(payload, signature)
    handler = _handlers.get(event["type"])
    with unit_of_work():
        stored = _store_once(event, handled=handler is not None)
        if stored and handler is not None:
            handler(event["data"]["object"])
    log.info("Stripe event %s (%s)%s", event["id"], event["type"], "" if stored else " was a duplicate")
    return Receipt(event_id=event["id"], type=event["type"], duplicate=not stored)


def verified_event(payload: bytes, signature: str | None) -> dict:
    """The event, once Stripe's signature over the raw body checks out (the check `construct_event` runs)."""
    secret = current_app.config["STRIPE_WEBHOOK_SECRET"]
    if not secret:
        raise WebhookNotConfigured(message="Stripe webhooks are not configured on this server (STRIPE_WEBHOOK_SECRET).")
    if not signature:
        raise InvalidSignature(message="The Stripe-Signature header is missing.")
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance=TOLERANCE_SECONDS)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise InvalidSignature(message="The Stripe signature does not match this body or is too old.",
                               details={"reason": str(error)}) from error
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise InvalidSignature(message="The signed body is not a JSON Stripe event.") from error
    errors = StripeEventSchema().validate(event) if isinstance(event, dict) else {"_schema": ["Not an object."]}
    if errors:
        raise InvalidSignature(message="The signed body is not a Stripe event.", details=errors)
    return event


def _store_once(event: dict, *, handled: bool) -> bool:
    """Insert the event unless its id is already stored; True when this call stored it."""
    now = clock.now()
    data_object = event["data"]["object"]
    object_id = data_object.get("id")
    insert = _INSERTS[db.session.get_bind().dialect.name]
    statement = insert(StripeEvent.__table__).values(
        event_id=event["id"],
        type=event["type"],
        object_id=object_id if isinstance(object_id, str) else None,
        created_at=datetime.fromtimestamp(event["created"], UTC),
        received_at=now,
        payload=event,
        processed_at=now if handled else None,
    ).on_conflict_do_nothing(index_elements=["event_id"]).returning(StripeEvent.id)
    return db.session.execute(statement).scalar_one_or_none() is not None
