"""Cancelling an order before anything shipped: stock back to the same lots, the payment cancelled or refunded."""
from __future__ import annotations

from marketplace.auth.models import Role, User
from marketplace.errors import Conflict
from marketplace.transaction import after_commit, unit_of_work
from orders import card_payments, refunds, services
from orders.errors import OrderError
from orders.models import CANCELLABLE, Order, OrderStatus, ParcelStatus, PaymentMethod, PaymentStatus


def cancel(user: User, order_id: int, *, reason: str | None = None) -> Order:
    """The buyer (before shipment) or an admin cancels: the stock returns to the lots it came from; a card payment
    is cancelled at Stripe, or refunded in full when it was captured (after the commit)."""
    with unit_of_work():
        order = services.get_order(user, order_id)
        order = services.lock_order(order.id)
        if order.status not in CANCELLABLE or any(
                p.status in (ParcelStatus.SHIPPED, ParcelStatus.DELIVERED) for p in order.coop_orders):
            raise Conflict(OrderError.NOT_CANCELLABLE, f"An order that is {order.status} cannot be cancelled.",
                           {"status": order.status})
        reason = reason or ("cancelled by the buyer" if user.role != Role.ADMIN else "cancelled by an administrator")
        services.release_stock(order)
        services.move_order(order, OrderStatus.CANCELLED, actor_id=user.id, reason=reason)
        for parcel in order.coop_orders:
            if parcel.status != ParcelStatus.CANCELLED:
                services.move_parcel(parcel, ParcelStatus.CANCELLED, actor_id=user.id, reason=reason)
        payment = order.payment
        if payment.status == PaymentStatus.PENDING:
            services.move_payment(payment, PaymentStatus.CANCELLED, actor_id=user.id, reason=reason)
            if payment.method == PaymentMethod.CARD:
                after_commit(card_payments.cancel_intent, order.id)
        elif payment.amount_captured > payment.amount_refunded:
            refunds.refund_remainder(order, actor_id=user.id, reason=reason)
    return services.get_order(user, order_id)
