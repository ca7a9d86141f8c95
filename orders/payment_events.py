"""What Stripe's events do to orders. Each handler runs in the webhook's unit of work, locks the order row, and
applies a transition that is a no-op when already applied: duplicated, replayed and out-of-order events (the
same event twice, `payment_failed` after `succeeded`) change nothing wrongly."""
from __future__ import annotations

from sqlalchemy import select

from catalog.errors import OutOfStock
from marketplace.extensions import db
from orders import card_payments, events, refunds, services
from orders.models import Order, OrderStatus, ParcelStatus, Payment, PaymentStatus, Refund
from orders.payments.stripe_gateway import STRIPE_SUCCEEDED
from orders.payments.webhooks import on_stripe_event


def _locked_order(intent_id: str | None) -> Order | None:
    order_id = db.session.scalar(select(Payment.order_id).where(Payment.payment_intent_id == intent_id)) \
        if intent_id else None
    return services.lock_order(order_id) if order_id else None


def _flag(payment: Payment, reason: str) -> None:
    payment.flagged, payment.flag_reason = True, reason


def _to_ship(order: Order, reason: str) -> None:
    services.move_order(order, OrderStatus.PAID, actor_id=None, reason=reason)
    for parcel in order.coop_orders:
        if parcel.status == ParcelStatus.AWAITING_PAYMENT:
            services.move_parcel(parcel, ParcelStatus.TO_SHIP, actor_id=None, reason=reason)


def _redraw(order: Order) -> bool:
    """Draw the stock of an expired order again; False (and nothing drawn) when it is gone."""
    try:
        with db.session.begin_nested():
            services.draw_stock(order, order.lines)
    except OutOfStock:
        return False
    return True


@on_stripe_event("payment_intent.succeeded")
def payment_succeeded(intent: dict) -> None:
    """Paid, only when amount and currency match what the order asked; a mismatch is flagged, never accepted.
    A payment after expiry draws the stock again, or is refunded in full when the stock is gone."""
    order = _locked_order(intent.get("id"))
    if order is None:
        return
    payment = order.payment
    if payment.status not in (PaymentStatus.PENDING, PaymentStatus.CANCELLED) or payment.amount_captured:
        return
    amount, currency = intent.get("amount"), str(intent.get("currency", "")).upper()
    if amount != payment.amount_due or currency != order.currency:
        _flag(payment, f"PaymentIntent {intent.get('id')} succeeded with {amount} {currency}, "
                       f"the order asked {payment.amount_due} {order.currency}")
        return
    payment.amount_captured = amount
    card_payments.record_capture_fee(payment, intent)
    services.move_payment(payment, PaymentStatus.CAPTURED, actor_id=None, reason="payment_intent.succeeded")
    events.payment_captured.send(payment)
    if order.status == OrderStatus.PENDING_PAYMENT:
        _to_ship(order, "payment_intent.succeeded")
    elif order.status == OrderStatus.EXPIRED and _redraw(order):
        _to_ship(order, "paid after expiry; the stock was still there")
    else:
        for parcel in order.coop_orders:
            if parcel.status == ParcelStatus.AWAITING_PAYMENT:
                services.move_parcel(parcel, ParcelStatus.CANCELLED, actor_id=None, reason="paid too late")
        _flag(payment, f"paid while the order was {order.status}: refunded in full")
        refunds.refund_remainder(order, actor_id=None, key="late-payment",
                                 reason=f"paid while the order was {order.status}; the stock was no longer held")


@on_stripe_event("payment_intent.payment_failed")
def payment_failed(intent: dict) -> None:
    """The attempt failed; the order stays payable (the buyer may try another card)."""
    order = _locked_order(intent.get("id"))
    if order is None or order.payment.status != PaymentStatus.PENDING:
        return
    error = intent.get("last_payment_error") or {}
    order.payment.last_error = (error.get("message") or error.get("code") or "payment failed")[:500]


@on_stripe_event("payment_intent.canceled")
def payment_canceled(intent: dict) -> None:
    """The PaymentIntent was cancelled at Stripe: an unpaid order is cancelled and its stock released."""
    order = _locked_order(intent.get("id"))
    if order is None or order.payment.status != PaymentStatus.PENDING:
        return
    reason = "payment_intent.canceled"
    if order.status == OrderStatus.PENDING_PAYMENT:
        services.release_stock(order)
        services.move_order(order, OrderStatus.CANCELLED, actor_id=None, reason=reason)
    for parcel in order.coop_orders:
        if parcel.status == ParcelStatus.AWAITING_PAYMENT:
            services.move_parcel(parcel, ParcelStatus.CANCELLED, actor_id=None, reason=reason)
    services.move_payment(order.payment, PaymentStatus.CANCELLED, actor_id=None, reason=reason)


@on_stripe_event("charge.refunded")
def charge_refunded(charge: dict) -> None:
    """Stripe confirmed refunds of a charge: each pending refund it lists as succeeded is recorded so."""
    order = _locked_order(charge.get("payment_intent"))
    if order is None:
        return
    done = {r.get("id") for r in (charge.get("refunds") or {}).get("data", []) if r.get("status") == STRIPE_SUCCEEDED}
    for refund in db.session.scalars(select(Refund).where(Refund.order_id == order.id,
                                                          Refund.provider_refund_id.in_(done))):
        refunds.refund_succeeded(refund)
