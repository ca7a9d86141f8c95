"""Order services shared by the use cases: finding an order the caller may see, its stock, its status."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from catalog import stock
from marketplace.audit import change_state
from marketplace.auth.models import Role, User
from marketplace.auth.permissions import found
from marketplace.extensions import db
from marketplace.pagination import paginate
from orders import events
from orders.models import (
    ORDER_TRANSITIONS, PARCEL_TRANSITIONS, PAYMENT_TRANSITIONS, CoopOrder, Order, OrderLine, OrderLineLot,
    OrderStatus, ParcelStatus, Payment,
)


def order_options():
    return (selectinload(Order.lines).selectinload(OrderLine.lots).joinedload(OrderLineLot.lot),
            selectinload(Order.coop_orders), selectinload(Order.refunds), joinedload(Order.payment))


def visible_to(user: User, order: Order | None) -> bool:
    return order is not None and (user.role == Role.ADMIN or order.buyer_id == user.id)


def load_order(order_id: int) -> Order | None:
    """The order with everything its JSON shows; the caller has checked who may see it."""
    return db.session.scalar(select(Order).where(Order.id == order_id).options(*order_options()))


def get_order(user: User, order_id: int) -> Order:
    """The order if the caller bought it or is an admin; 404 otherwise."""
    order = load_order(order_id)
    return found(order, visible=visible_to(user, order), what="order")


def lock_order(order_id: int) -> Order | None:
    """The order row, locked until the unit of work ends (webhooks, cancellation and expiry serialise on it)."""
    return db.session.scalar(select(Order).where(Order.id == order_id).with_for_update()
                             .execution_options(populate_existing=True))


def list_orders(user: User, *, page: int, per_page: int, status: str | None = None) -> dict:
    """The buyer's own orders, or every order for an admin; newest first."""
    statement = select(Order).where(Order.number.is_not(None)).options(*order_options()).order_by(Order.id.desc())
    if user.role != Role.ADMIN:
        statement = statement.where(Order.buyer_id == user.id)
    if status:
        statement = statement.where(Order.status == status)
    return paginate(statement, page=page, per_page=per_page)


def move_order(order: Order, to: str, *, actor_id: int | None, reason: str | None = None) -> None:
    entry = change_state(order, to, allowed=ORDER_TRANSITIONS, actor_id=actor_id, reason=reason)
    events.order_status_changed.send(order, from_state=entry.from_state, to_state=entry.to_state)


def move_parcel(parcel: CoopOrder, to: str, *, actor_id: int | None, reason: str | None = None) -> None:
    entry = change_state(parcel, to, allowed=PARCEL_TRANSITIONS, actor_id=actor_id, reason=reason)
    events.parcel_status_changed.send(parcel, from_state=entry.from_state, to_state=entry.to_state)


def move_payment(payment: Payment, to: str, *, actor_id: int | None, reason: str | None = None) -> None:
    if payment.status != to:
        change_state(payment, to, allowed=PAYMENT_TRANSITIONS, actor_id=actor_id, reason=reason)


def _allocations(order: Order) -> list[OrderLineLot]:
    return list(db.session.scalars(select(OrderLineLot).join(OrderLine).where(OrderLine.order_id == order.id)
                                   .order_by(OrderLineLot.lot_id)))


def release_stock(order: Order) -> None:
    """Put every unit the order still holds back into the lots it came from."""
    if not order.holds_stock:
        return
    allocations = [a for a in _allocations(order) if a.held]
    stock.lock_variants(line.variant_id for line in order.lines)
    stock.restock_lots((a.lot_id, a.held) for a in allocations)
    for allocation in allocations:
        allocation.returned = allocation.units
    order.holds_stock = False


def restock_units(line: OrderLine, quantity: int) -> None:
    """Put `quantity` units of a line back into its lots, latest-drawn lots first."""
    allocations = sorted((a for a in line.lots if a.held), key=lambda a: a.id, reverse=True)
    back: list[tuple[int, int]] = []
    for allocation in allocations:
        units = min(quantity, allocation.held)
        if units:
            back.append((allocation.lot_id, units))
            allocation.returned += units
            quantity -= units
    stock.lock_variants([line.variant_id])
    stock.restock_lots(back)


def draw_stock(order: Order, lines: Iterable[OrderLine]) -> None:
    """Draw the lines' units from lots, first-expiring first (409 `out_of_stock` naming every short variant),
    and record on each line which lots supplied it."""
    lines = list(lines)
    drawn = stock.draw_lines((line.variant_id, line.quantity) for line in lines)
    for line in sorted(lines, key=lambda l: (l.variant_id, l.id or 0)):
        needed, taken = line.quantity, drawn[line.variant_id]
        while needed:
            lot, units = taken[0]
            use = min(units, needed)
            db.session.add(OrderLineLot(line=line, lot=lot, units=use))
            needed -= use
            if use == units:
                taken.pop(0)
            else:
                taken[0] = (lot, units - use)
    order.holds_stock = True


def follow_parcels(order: Order, *, actor_id: int | None) -> None:
    """Move the order to where its parcels are: some shipped → partially_shipped, all → shipped, all delivered."""
    live = [parcel.status for parcel in order.coop_orders if parcel.status != ParcelStatus.CANCELLED]
    if not live:
        return
    moved = {ParcelStatus.SHIPPED, ParcelStatus.DELIVERED}
    if all(status == ParcelStatus.DELIVERED for status in live):
        target = OrderStatus.DELIVERED
    elif all(status in moved for status in live):
        target = OrderStatus.SHIPPED
    elif any(status in moved for status in live):
        target = OrderStatus.PARTIALLY_SHIPPED
    else:
        return
    if order.status != target:
        move_order(order, target, actor_id=actor_id)
