"""Cooperatives prepare, ship and deliver their parcels; the order follows its parcels."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.auth.models import Role, User
from marketplace.auth.permissions import found
from marketplace.clock import now
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.pagination import paginate
from marketplace.transaction import unit_of_work
from cooperatives.services import managed_cooperative, manages
from orders import events, services
from orders.errors import OrderError
from orders.models import (
    CoopOrder, Order, OrderLine, OrderLineLot, OrderStatus, ParcelStatus, PaymentMethod, PaymentStatus,
)


def parcels_of(user: User, cooperative_id: int, *, page: int, per_page: int, status: str | None = None) -> dict:
    """A cooperative's parcels, oldest first, for its managers (and admins); 404 for anyone else."""
    managed_cooperative(user, cooperative_id)
    statement = (select(CoopOrder).where(CoopOrder.cooperative_id == cooperative_id)
                 .options(selectinload(CoopOrder.order),
                          selectinload(CoopOrder.lines).selectinload(OrderLine.lots).selectinload(OrderLineLot.lot))
                 .order_by(CoopOrder.id))
    if status:
        statement = statement.where(CoopOrder.status == status)
    return paginate(statement, page=page, per_page=per_page)


def _managed_parcel(user: User, coop_order_id: int, *, admin_allowed: bool) -> CoopOrder:
    parcel = db.session.get(CoopOrder, coop_order_id)
    visible = parcel is not None and ((admin_allowed and user.role == Role.ADMIN)
                                      or manages(user, parcel.cooperative_id))
    found(parcel, visible=visible, what="parcel")
    services.lock_order(parcel.order_id)
    db.session.refresh(parcel)
    return parcel


def ship(user: User, coop_order_id: int, *, carrier: str, tracking_number: str) -> CoopOrder:
    """The cooperative hands its parcel to a carrier (only once the order is paid or confirmed)."""
    with unit_of_work():
        parcel = _managed_parcel(user, coop_order_id, admin_allowed=False)
        if parcel.status != ParcelStatus.TO_SHIP:
            raise Conflict(OrderError.INVALID_TRANSITION, f"A parcel that is {parcel.status} cannot be shipped.",
                           {"status": parcel.status})
        parcel.carrier, parcel.tracking_number, parcel.shipped_at = carrier, tracking_number, now()
        services.move_parcel(parcel, ParcelStatus.SHIPPED, actor_id=user.id, reason=f"{carrier} {tracking_number}")
        services.follow_parcels(parcel.order, actor_id=user.id)
    return parcel


def deliver(user: User, coop_order_id: int, *, cash_collected: dict | None) -> CoopOrder:
    """The parcel reached the buyer; for cash on delivery, the cash collected is recorded (default: the amount
    due for this parcel) and a different amount is flagged for an admin."""
    with unit_of_work():
        parcel = _managed_parcel(user, coop_order_id, admin_allowed=True)
        order: Order = parcel.order
        if parcel.status != ParcelStatus.SHIPPED:
            raise Conflict(OrderError.INVALID_TRANSITION, f"A parcel that is {parcel.status} cannot be delivered.",
                           {"status": parcel.status})
        if order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
            due = parcel.items_amount + parcel.shipping_amount
            if cash_collected is not None and cash_collected["currency"] != order.currency:
                raise Conflict(OrderError.CURRENCY_MISMATCH, f"Cash is recorded in the order currency, {order.currency}.")
            collected = due if cash_collected is None else cash_collected["amount"]
            parcel.cash_collected, parcel.cash_flagged = collected, collected != due
            payment = order.payment
            payment.amount_captured += collected
            if parcel.cash_flagged:
                payment.flagged = True
                payment.flag_reason = f"parcel {parcel.id}: collected {collected}, due {due} {order.currency}"
            if payment.status == PaymentStatus.PENDING:  # a later parcel's cash keeps a partial refund's status
                services.move_payment(payment, PaymentStatus.CAPTURED, actor_id=user.id, reason="cash collected")
            events.cash_collected.send(parcel)
        elif cash_collected is not None:
            raise Conflict(OrderError.NOT_CASH_ON_DELIVERY, "This order was paid by card: no cash is collected.")
        parcel.delivered_at = now()
        services.move_parcel(parcel, ParcelStatus.DELIVERED, actor_id=user.id)
        services.follow_parcels(order, actor_id=user.id)
    return parcel


def complete_delivered(*, older_than_days: int) -> int:
    """Delivered orders whose last parcel arrived more than the return window ago become `completed`."""
    cutoff = now() - timedelta(days=older_than_days)
    done = 0
    with unit_of_work():
        for order_id in db.session.scalars(select(Order.id).where(Order.status == OrderStatus.DELIVERED)
                                           .order_by(Order.id)):
            order = services.lock_order(order_id)
            if order.status == OrderStatus.DELIVERED and all(
                    p.delivered_at and p.delivered_at <= cutoff for p in order.coop_orders
                    if p.status == ParcelStatus.DELIVERED):
                services.move_order(order, OrderStatus.COMPLETED, actor_id=None, reason="return window over")
                done += 1
    return done
