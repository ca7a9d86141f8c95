"""The platform's calls to Stripe, through the official library, configured from the app.

Every call carries the caller's idempotency key (derived from the order, so a retry of our own code reuses it)
and turns Stripe's failures into the API's errors: unreachable, timed out or overloaded → 503
`payment_provider_unavailable`; refused for the payment's state → 409 `payment_provider_rejected`; anything
else → 502 `payment_provider_error`. Amounts are the project's minor units as they are (Stripe counts XOF and
XAF without decimals too); currencies go to Stripe in lower case.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import stripe
from flask import current_app

from marketplace.money import Money
from orders.payments.errors import PaymentProviderError, PaymentProviderRejected, PaymentProviderUnavailable

log = logging.getLogger(__name__)

# A buyer waits on checkout: a dead Stripe must answer in seconds, not the library's default 80 s. Worst case
# (two attempts timing out, 0.5 s back-off between them) is about 21 s, inside gunicorn's 30 s worker timeout.
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 8
NETWORK_RETRIES = 1  # requests carry an idempotency key, so a retry never charges twice
# statuses in Stripe's own vocabulary (not ours: PaymentStatus, RefundStatus): a PaymentIntent's, a Refund's
STRIPE_CANCELED = "canceled"
STRIPE_SUCCEEDED = "succeeded"


@dataclass(frozen=True, slots=True)
class IntentRef:
    id: str
    client_secret: str
    status: str
    amount: int
    currency: str
    order_number: str | None = None

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


@dataclass(frozen=True, slots=True)
class RefundRef:
    id: str
    status: str
    amount: int
    currency: str


def stripe_client() -> stripe.StripeClient:
    """The app's Stripe client (one per key and API base, so its HTTP connections are reused)."""
    config = current_app.config
    key, base = config["STRIPE_SECRET_KEY"], config["STRIPE_API_BASE"]
    if not key:
        raise PaymentProviderUnavailable(message="Card payments are not configured on this server (STRIPE_SECRET_KEY).")
    clients = current_app.extensions.setdefault("stripe_clients", {})
    if (key, base) not in clients:
        clients[(key, base)] = stripe.StripeClient(
            key,
            base_addresses={"api": base} if base else None,
            max_network_retries=NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)),
        )
    return clients[(key, base)]


def create_payment_intent(amount: Money, *, order_number: str, idempotency_key: str) -> IntentRef:
    """Create the card PaymentIntent of an order: its amount and currency, its number in the metadata."""
    intent = _call(lambda client: client.v1.payment_intents.create(
        params={
            "amount": amount.amount,
            "currency": amount.currency.lower(),
            "payment_method_types": ["card"],
            "metadata": {"order_number": order_number},
        },
        options={"idempotency_key": idempotency_key},
    ))
    return _intent_ref(intent)


def retrieve_payment_intent(intent_id: str) -> IntentRef:
    """The PaymentIntent as Stripe holds it now (events may arrive late or out of order)."""
    return _intent_ref(_call(lambda client: client.v1.payment_intents.retrieve(intent_id)))


def cancel_payment_intent(intent_id: str, *, idempotency_key: str) -> IntentRef:
    """Cancel a PaymentIntent nobody will pay; one that is already cancelled is left as it is."""
    try:
        intent = _call(lambda client: client.v1.payment_intents.cancel(
            intent_id, options={"idempotency_key": idempotency_key}))
    except PaymentProviderRejected:
        current = retrieve_payment_intent(intent_id)
        if current.status != STRIPE_CANCELED:
            raise
        return current
    return _intent_ref(intent)


def create_refund(intent_id: str, amount: Money, *, idempotency_key: str) -> RefundRef:
    """Refund `amount` (in the PaymentIntent's currency) of a paid PaymentIntent.

    Stripe's check against what was captured is not relied on (the test double does not make it): callers
    enforce it before calling.
    """
    refund = _call(lambda client: client.v1.refunds.create(
        params={"payment_intent": intent_id, "amount": amount.amount},
        options={"idempotency_key": idempotency_key},
    ))
    return RefundRef(id=refund.id, status=refund.status, amount=refund.amount, currency=refund.currency.upper())


def charge_fee(charge_id: str) -> Money | None:
    """The fee Stripe kept on a charge, from its balance transaction (in the account's settlement currency);
    None while the charge has no balance transaction yet."""
    charge = _call(lambda client: client.v1.charges.retrieve(charge_id, params={"expand": ["balance_transaction"]}))
    return balance_transaction_fee(charge.to_dict().get("balance_transaction"))


def balance_transaction_fee(transaction) -> Money | None:
    """The fee of a balance transaction as Stripe sends it (expanded: a dict with `fee` and `currency`), or None
    when it is missing or only an id."""
    if not isinstance(transaction, dict):
        return None
    fee, currency = transaction.get("fee"), transaction.get("currency")
    if type(fee) is not int or fee < 0 or not isinstance(currency, str):
        return None
    try:
        return Money(fee, currency.upper())
    except ValueError:  # a currency the platform does not know
        return None


def _intent_ref(intent) -> IntentRef:
    metadata = intent.metadata.to_dict() if intent.metadata is not None else {}
    return IntentRef(id=intent.id, client_secret=intent.client_secret, status=intent.status, amount=intent.amount,
                     currency=intent.currency.upper(), order_number=metadata.get("order_number"))


def _call(request):
    """Run one Stripe request and translate its failure into the API's errors."""
    try:
        return request(stripe_client())
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        log.warning("Stripe unreachable: %s", error)
        raise PaymentProviderUnavailable(
            message="The card payment provider cannot be reached right now; try again in a few minutes.") from error
    except stripe.APIError as error:
        log.warning("Stripe failed (HTTP %s): %s", error.http_status, error)
        raise PaymentProviderUnavailable(
            message="The card payment provider failed to answer; try again in a few minutes.",
            details=_details(error)) from error
    except (stripe.InvalidRequestError, stripe.CardError, stripe.IdempotencyError) as error:
        log.warning("Stripe refused a request (HTTP %s): %s", error.http_status, error)
        raise PaymentProviderRejected(
            message=f"The card payment provider refused the request: {error.user_message or 'no reason given'}.",
            details=_details(error)) from error
    except stripe.StripeError as error:
        log.error("Stripe error (HTTP %s): %s", error.http_status, error)
        raise PaymentProviderError(
            message="The card payment provider could not process the request; it has been logged.",
            details=_details(error)) from error


def _details(error: stripe.StripeError) -> dict:
    return {"provider": "stripe", "provider_status": error.http_status, "provider_code": error.code}
