"""What buyers, cooperatives' managers and members are told about orders, refunds and payouts.

The receivers run synchronously in the unit of work that changed the order (orders.events), so each message is
recorded in the same transaction and sent by a job after its commit.
"""
from __future__ import annotations

from cooperatives.models import Cooperative, Member
from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.money import Money
from marketplace.notifications import Recipient, notify
from orders import events
from orders.models import CoopOrder, Order, OrderStatus, ParcelStatus, Payment, Refund
from orders.settlement.run_models import Payee, Payout

BUYER_ORDER_EVENTS = {OrderStatus.PAID: "order_confirmed", OrderStatus.CONFIRMED: "order_confirmed"}
BUYER_PARCEL_EVENTS = {ParcelStatus.SHIPPED: "parcel_shipped", ParcelStatus.DELIVERED: "parcel_delivered"}


def _buyer(order: Order) -> User:
    return db.session.get(User, order.buyer_id)


def _lines(lines) -> list[dict]:
    return [{"name": line.product_name, "label": line.label, "quantity": line.quantity} for line in lines]


def _tell_managers(cooperative_id: int, event: str, context: dict) -> None:
    cooperative = db.session.get(Cooperative, cooperative_id)
    for manager in cooperative.managers:
        notify(event, manager, {"cooperative": cooperative.name, **context})


def on_order_status_changed(order: Order, *, to_state: str, **_state) -> None:
    """A paid (card) or placed (cash on delivery) order is confirmed to its buyer."""
    event = BUYER_ORDER_EVENTS.get(to_state)
    if event:
        notify(event, _buyer(order), {"number": order.number, "total": order.money(order.total_amount),
                                      "lines": _lines(order.lines), "paid_by_card": to_state == OrderStatus.PAID})


def on_parcel_status_changed(parcel: CoopOrder, *, to_state: str, **_state) -> None:
    """A parcel to ship is announced to its cooperative; shipped and delivered parcels to the buyer."""
    order = parcel.order
    if to_state == ParcelStatus.TO_SHIP:
        address = order.shipping_address
        _tell_managers(parcel.cooperative_id, "parcel_to_ship", {
            "number": order.number, "parcel_id": parcel.id, "lines": _lines(parcel.lines),
            "city": address.get("city", ""), "country": address.get("country", "")})
    elif to_state in BUYER_PARCEL_EVENTS:
        cooperative = db.session.get(Cooperative, parcel.cooperative_id)
        notify(BUYER_PARCEL_EVENTS[to_state], _buyer(order), {
            "number": order.number, "cooperative": cooperative.name, "carrier": parcel.carrier or "",
            "tracking_number": parcel.tracking_number or ""})


def on_payment_captured(payment: Payment) -> None:
    """The buyer is told the card payment arrived."""
    order = payment.order
    notify("payment_received", _buyer(order), {"number": order.number,
                                                "amount": order.money(payment.amount_captured)})


def on_cash_collected(parcel: CoopOrder) -> None:
    """The buyer is told the cash collected at the door was recorded."""
    order = parcel.order
    notify("payment_received", _buyer(order), {"number": order.number,
                                                "amount": order.money(parcel.cash_collected or 0)})


def on_refund_recorded(refund: Refund) -> None:
    """The buyer is told of the refund, each cooperative whose parcel it touches of its share."""
    order = refund.order
    notify("refund_issued", _buyer(order), {"number": order.number, "amount": Money(refund.amount, refund.currency),
                                            "reason": refund.reason})
    by_parcel: dict[int, int] = {}
    lines = {line.id: line for line in order.lines}
    for refund_line in refund.lines:
        parcel_id = lines[refund_line.order_line_id].coop_order_id
        by_parcel[parcel_id] = by_parcel.get(parcel_id, 0) + refund_line.amount
    for parcel in order.coop_orders:
        if parcel.id in by_parcel:
            _tell_managers(parcel.cooperative_id, "parcel_refunded", {
                "number": order.number, "parcel_id": parcel.id,
                "amount": Money(by_parcel[parcel.id], refund.currency), "reason": refund.reason})


def on_payout_paid(payout: Payout) -> None:
    """A member is told by SMS (mobile numbers only); the reserve's payout is told to the managers."""
    context = {"amount": Money(payout.amount, "MAD"), "reference": payout.reference}
    if payout.payee == Payee.MEMBER:
        member = db.session.get(Member, payout.member_id)
        if member is not None and member.phone:
            notify("payout_sent_sms", Recipient(language=member.language, phone=member.phone),
                   {**context, "cooperative": member.cooperative.name})
    else:
        _tell_managers(payout.cooperative_id, "payout_sent", context)


def connect() -> None:
    """Subscribe the receivers (connections are by identity: safe once per app)."""
    events.order_status_changed.connect(on_order_status_changed)
    events.parcel_status_changed.connect(on_parcel_status_changed)
    events.payment_captured.connect(on_payment_captured)
    events.cash_collected.connect(on_cash_collected)
    events.refund_recorded.connect(on_refund_recorded)
    events.payout_paid.connect(on_payout_paid)
