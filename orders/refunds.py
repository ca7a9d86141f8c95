"""Refunds per line and quantity, optionally the shipping and a restock to the same lots.

The project enforces the limits itself (Stripe's test double does not): a line never refunds more units than
it had, and the order never refunds more than was captured — pending refunds count, so two refunds racing for
the same money queue on the order's row lock and the second one sees the first.
"""
from __future__ import annotations

from sqlalchemy import select

from marketplace.auth.models import Role, User
from marketplace.auth.permissions import found
from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.transaction import after_commit, unit_of_work
from cooperatives.services import managed_cooperative_ids
from marketplace.audit import change_state
from orders import card_payments, events, services
from orders.checkout import request_hash
from orders.errors import OrderError
from orders.models import (
    REFUND_TRANSITIONS, Order, PaymentMethod, PaymentStatus, Refund, RefundLine, RefundStatus,
)

REFUNDABLE = {PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED}


def _order_for(user: User, order_id: int) -> tuple[Order, set[int] | None]:
    """The order and, for a manager, the cooperatives whose parcels they may refund (None: all, an admin)."""
    order = db.session.get(Order, order_id)
    if user.role == Role.ADMIN:
        return found(order, what="order"), None
    mine = set(managed_cooperative_ids(user))
    visible = order is not None and any(parcel.cooperative_id in mine for parcel in order.coop_orders)
    return found(order, visible=visible, what="order"), mine


def _record(order: Order, refund: Refund, *, actor_id: int | None) -> None:
    payment = order.payment
    payment.amount_refunded += refund.amount
    services.move_payment(payment, PaymentStatus.REFUNDED if payment.amount_refunded == payment.amount_captured
                          else PaymentStatus.PARTIALLY_REFUNDED, actor_id=actor_id, reason=refund.reason)
    card = payment.method == PaymentMethod.CARD
    change_state(refund, RefundStatus.PENDING if card else RefundStatus.OWED, allowed=REFUND_TRANSITIONS,
                 actor_id=actor_id, reason=refund.reason)
    events.refund_recorded.send(refund)
    if card:
        after_commit(card_payments.send_refund, refund.id, on_failure=lambda error, rid=refund.id: refund_failed(rid))


def _ensure_within_captured(order: Order, amount: int) -> None:
    payment = order.payment
    left = payment.amount_captured - payment.amount_refunded
    if payment.status not in REFUNDABLE or amount > left:
        raise Conflict(OrderError.REFUND_EXCEEDS_CAPTURED, "A refund cannot exceed what was captured and not yet "
                       "refunded.", {"requested": order.money(amount).as_dict(), "refundable": order.money(
                           max(left, 0) if payment.status in REFUNDABLE else 0).as_dict()})


def create_refund(user: User, order_id: int, body: dict, *, idempotency_key: str | None) -> tuple[Order, bool]:
    """Refund lines (and optionally shipping) of an order; returns (order, created). Same key + body → same refund."""
    if not idempotency_key or not idempotency_key.strip():
        raise ValidationFailed(OrderError.IDEMPOTENCY_KEY_REQUIRED,
                               "Send an Idempotency-Key header (a fresh random value per refund).",
                               {"Idempotency-Key": ["Missing header: a fresh random value per refund."]})
    key, fingerprint = idempotency_key.strip(), request_hash(body)
    with unit_of_work():
        order, cooperatives = _order_for(user, order_id)
        order = services.lock_order(order.id)
        previous = db.session.scalar(select(Refund).where(Refund.order_id == order.id, Refund.idempotency_key == key))
        if previous is not None:
            if previous.request_hash != fingerprint:
                raise Conflict(OrderError.IDEMPOTENCY_KEY_REUSED,
                               "This Idempotency-Key was used for another refund; use a new key.")
            return services.load_order(order.id), False
        refund = _build(order, body, cooperatives)
        refund.idempotency_key, refund.request_hash, refund.created_by_id = key, fingerprint, user.id
        _ensure_within_captured(order, refund.amount)
        db.session.add(refund)
        _record(order, refund, actor_id=user.id)
    return services.load_order(order_id), True


def _build(order: Order, body: dict, cooperatives: set[int] | None) -> Refund:
    lines = {line.id: line for line in order.lines}
    refund = Refund(order_id=order.id, currency=order.currency, reason=body["reason"], restock=body["restock"],
                    include_shipping=body["include_shipping"], amount=0, shipping_amount=0)
    errors, parcels = {}, set()
    requested: dict[int, int] = {}
    for index, entry in enumerate(body["lines"]):
        line = lines.get(entry["line_id"])
        if line is None or (cooperatives is not None and line.coop_order.cooperative_id not in cooperatives):
            errors[f"lines.{index}.line_id"] = ["Not a line of this order that you may refund."]
            continue
        requested[line.id] = requested.get(line.id, 0) + entry["quantity"]
    if errors:
        raise ValidationFailed(message="Some lines cannot be refunded.", details=errors)
    for line_id, quantity in requested.items():
        line = lines[line_id]
        if quantity > line.quantity - line.refunded_quantity:
            raise Conflict(OrderError.REFUND_EXCEEDS_CAPTURED, "A line cannot refund more units than were bought "
                           "and not yet refunded.", {"line_id": line.id, "requested": quantity,
                                                     "refundable": line.quantity - line.refunded_quantity})
        amount = line.unit_price * quantity
        refund.lines.append(RefundLine(order_line_id=line.id, quantity=quantity, amount=amount))
        line.refunded_quantity += quantity
        line.refunded_amount += amount
        refund.amount += amount
        parcels.add(line.coop_order_id)
        if refund.restock and order.holds_stock:
            services.restock_units(line, quantity)
    if refund.include_shipping:
        concerned = [p for p in order.coop_orders if (p.id in parcels if requested else
                     cooperatives is None or p.cooperative_id in cooperatives)]
        for parcel in concerned:
            if not parcel.shipping_refunded:
                parcel.shipping_refunded = True
                refund.shipping_amount += parcel.shipping_amount
        refund.amount += refund.shipping_amount
    if refund.amount == 0:
        raise Conflict(OrderError.NOTHING_TO_REFUND, "Nothing is left to refund for these lines.")
    return refund


def refund_remainder(order: Order, *, actor_id: int | None, reason: str, key: str = "cancellation") -> Refund:
    """Refund everything captured and not yet refunded (a cancellation after payment, a payment after the stock
    was gone), inside the caller's unit of work; the stock is the caller's business."""
    payment = order.payment
    refund = Refund(order_id=order.id, currency=order.currency, reason=reason, restock=False, include_shipping=True,
                    amount=payment.amount_captured - payment.amount_refunded, shipping_amount=0,
                    idempotency_key=f"{key}-{order.id}", request_hash="", created_by_id=actor_id)
    for line in order.lines:
        quantity = line.quantity - line.refunded_quantity
        if quantity:
            refund.lines.append(RefundLine(order_line_id=line.id, quantity=quantity,
                                           amount=line.line_total - line.refunded_amount))
            line.refunded_quantity, line.refunded_amount = line.quantity, line.line_total
    for parcel in order.coop_orders:
        if not parcel.shipping_refunded:
            parcel.shipping_refunded = True
            refund.shipping_amount += parcel.shipping_amount
    db.session.add(refund)
    _record(order, refund, actor_id=actor_id)
    return refund


def refund_failed(refund_id: int) -> None:
    """Stripe refused or could not be reached: the refund is failed and its money counts as captured again."""
    with unit_of_work():
        refund = db.session.get(Refund, refund_id)
        order = services.lock_order(refund.order_id)
        if refund.status != RefundStatus.PENDING:
            return
        change_state(refund, RefundStatus.FAILED, allowed=REFUND_TRANSITIONS, actor_id=None,
                     reason="the payment provider did not accept the refund")
        order.payment.amount_refunded -= refund.amount
        order.payment.flagged, order.payment.flag_reason = True, f"refund {refund.id} failed"
        events.refund_failed.send(refund)
        for refund_line in refund.lines:
            line = next(line for line in order.lines if line.id == refund_line.order_line_id)
            line.refunded_quantity -= refund_line.quantity
            line.refunded_amount -= refund_line.amount


def refund_succeeded(refund: Refund) -> None:
    """`charge.refunded` confirmed it (a no-op when already recorded)."""
    if refund.status == RefundStatus.PENDING:
        change_state(refund, RefundStatus.SUCCEEDED, allowed=REFUND_TRANSITIONS, actor_id=None,
                     reason="charge.refunded")

