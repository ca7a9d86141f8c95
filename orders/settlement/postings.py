"""The ledger entries of an order's money events, posted inside the unit of work of the event itself (the order
side sends `orders.events` synchronously), and the one-off backfill of orders that existed before the ledger.

Source keys: `payment:<payment id>` (card captured), `cash:<parcel id>` (cash collected at the door),
`refund:<refund id>`, `refund-failed:<refund id>` (its reversal). Amounts are converted to MAD with the order's
own rate; a refund is divided among its parcels once, when posted, and that division is what settlement reads.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import exists, func, select

from cooperatives.models import Cooperative
from marketplace.extensions import db
from marketplace.money import BASE_CURRENCY, Money, allocate, convert
from orders import events
from orders.models import CoopOrder, Order, Payment, PaymentMethod, PaymentStatus, Refund, RefundStatus
from orders.settlement.accounts import payment_lines, provider_fee_lines, refund_after_settlement_lines, refund_lines
from orders.settlement.ledger import post_entry, reverse_entry
from orders.settlement.models import EntryKind, JournalEntry
from orders.settlement.run_models import RefundAllocation, SettledParcel
from orders.settlement.split import commission_on_refund

CAPTURED_STATUSES = {PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}


def to_mad(currency: str, exchange_rate: str, amount: int) -> int:
    """`amount` minor units of `currency` in MAD minor units, with the order's own rate (half up)."""
    if currency == BASE_CURRENCY:
        return amount
    return convert(Money(amount, currency), BASE_CURRENCY, {currency: Decimal(exchange_rate)}).amount


def card_parcel_shares(captured_mad: int, parcels: list[tuple[int, int]]) -> dict[int, int]:
    """A card payment's MAD divided among its parcels [(parcel id, amount due)] so the parts add up exactly."""
    parcels = sorted(parcels)
    weights = [due for _, due in parcels]
    if not any(weights):
        weights = [1] * len(parcels)
    return dict(zip((parcel_id for parcel_id, _ in parcels), allocate(captured_mad, weights)))


def parcel_captured_mad(method: PaymentMethod, currency: str, exchange_rate: str, amount_captured: int, parcel,
                        order_parcels) -> tuple[int, int]:
    """What a parcel brought in, in MAD, as (goods, shipping): its part of the card payment, or the cash collected
    at its door, divided between goods and shipping in proportion to what was due. Settlement and refunds both
    read it, so a refund never bears more of a parcel than the parcel brought in."""
    if method == PaymentMethod.CASH_ON_DELIVERY:
        captured = to_mad(currency, exchange_rate, parcel.cash_collected or 0)
    else:
        captured = card_parcel_shares(to_mad(currency, exchange_rate, amount_captured),
                                      [(p.id, p.items_amount + p.shipping_amount) for p in order_parcels])[parcel.id]
    due = (parcel.items_amount, parcel.shipping_amount)
    goods = allocate(captured, list(due))[0] if captured and any(due) else captured
    return goods, captured - goods


def post_card_payment(payment: Payment) -> None:
    """A card payment captured: the bank receives it for the buyer's parcels."""
    order = payment.order
    captured = to_mad(order.currency, order.exchange_rate, payment.amount_captured)
    if captured:
        post_entry(EntryKind.PAYMENT, source_key=f"payment:{payment.id}",
                   reference=f"Order {order.number} paid by card",
                   lines=payment_lines(captured, provider_fee=min(payment.provider_fee_mad or 0, captured)))


def post_provider_fee(payment: Payment) -> None:
    """The provider's fee, learnt after the capture was posted: the bank received that much less."""
    order = payment.order
    fee = min(payment.provider_fee_mad or 0, to_mad(order.currency, order.exchange_rate, payment.amount_captured))
    if fee:
        post_entry(EntryKind.PAYMENT, source_key=f"payment-fee:{payment.id}",
                   reference=f"Order {order.number} card fee", lines=provider_fee_lines(fee))


def post_cash_collected(parcel: CoopOrder) -> None:
    """Cash collected at the door for one parcel."""
    order = parcel.order
    collected = to_mad(order.currency, order.exchange_rate, parcel.cash_collected or 0)
    if collected:
        post_entry(EntryKind.PAYMENT, source_key=f"cash:{parcel.id}",
                   reference=f"Order {order.number} parcel {parcel.id} cash collected", lines=payment_lines(collected))


def _refund_parts(refund: Refund, order: Order) -> dict[int, tuple[int, int]]:
    """The refund in the order's currency per parcel: (goods, shipping). Goods follow its lines; the rest is the
    shipping of the parcels whose shipping was refunded and not yet borne by an earlier refund."""
    parcel_of_line = {line.id: line.coop_order_id for line in order.lines}
    goods: dict[int, int] = {}
    for refund_line in refund.lines:
        parcel_id = parcel_of_line[refund_line.order_line_id]
        goods[parcel_id] = goods.get(parcel_id, 0) + refund_line.amount
    rest = refund.amount - sum(goods.values())
    shipping: dict[int, int] = {}
    if rest > 0:
        borne = set(db.session.scalars(select(RefundAllocation.coop_order_id).join(Refund).where(
            Refund.order_id == order.id, Refund.id != refund.id, Refund.status != RefundStatus.FAILED,
            RefundAllocation.shipping > 0)))
        candidates = [p for p in order.coop_orders if p.shipping_refunded and p.id not in borne and p.shipping_amount]
        weights = {p.id: p.shipping_amount for p in candidates} or goods or {
            p.id: p.items_amount + p.shipping_amount or 1 for p in order.coop_orders}
        ids = sorted(weights)
        shipping = dict(zip(ids, allocate(rest, [weights[i] for i in ids])))
    return {p: (goods.get(p, 0), shipping.get(p, 0)) for p in sorted(set(goods) | set(shipping))}


def _refund_mad(refund: Refund, order: Order, parts: dict[int, tuple[int, int]]) -> dict[tuple[int, int], int]:
    """The refund in MAD per (parcel id, 0 goods | 1 shipping).

    Converted with the order's rate and divided like the refund, then held to what the parcel brought in for that
    side less what earlier refunds took of it; the refund that completes a side takes exactly what is left of it.
    Converting each refund on its own would let rounding refund a centime more than a parcel brought in, or leave
    one with the members of a parcel refunded in full.
    """
    keys = [(parcel_id, side) for parcel_id in parts for side in (0, 1)]
    weights = [parts[parcel_id][side] for parcel_id, side in keys]
    refund_mad = to_mad(order.currency, order.exchange_rate, refund.amount)
    amounts = allocate(refund_mad, weights) if any(weights) else [refund_mad] + [0] * (len(keys) - 1)
    mad = dict(zip(keys, amounts))
    earlier = {parcel_id: (int(goods), int(shipping)) for parcel_id, goods, shipping in db.session.execute(
        select(RefundAllocation.coop_order_id, func.sum(RefundAllocation.goods), func.sum(RefundAllocation.shipping))
        .join(Refund, Refund.id == RefundAllocation.refund_id)
        .where(RefundAllocation.coop_order_id.in_(parts), Refund.id != refund.id, Refund.status != RefundStatus.FAILED)
        .group_by(RefundAllocation.coop_order_id))}
    payment = order.payment
    for parcel in order.coop_orders:
        if parcel.id not in parts:
            continue
        brought = parcel_captured_mad(payment.method, order.currency, order.exchange_rate, payment.amount_captured,
                                      parcel, order.coop_orders)
        complete = (sum(line.refunded_amount for line in parcel.lines) >= parcel.items_amount,
                    parcel.shipping_refunded)
        for side in (0, 1):
            if not brought[side] or not parts[parcel.id][side]:
                continue  # nothing came in for it (cash not collected yet): the refund is owed as converted
            left = max(brought[side] - earlier.get(parcel.id, (0, 0))[side], 0)
            mad[(parcel.id, side)] = left if complete[side] else min(mad[(parcel.id, side)], left)
    return mad


def post_refund(refund: Refund) -> None:
    """A refund paid (or owed) to the buyer, divided among its parcels in MAD; for a parcel already settled the
    cooperative owes its part back, less the commission the platform had taken on the goods."""
    db.session.flush()
    order = refund.order
    parts = _refund_parts(refund, order)
    mad = _refund_mad(refund, order, parts)
    refund_mad = sum(mad.values())
    lines = refund_lines(refund_mad) if refund_mad else []
    settled = {sp.coop_order_id: sp for sp in db.session.scalars(
        select(SettledParcel).where(SettledParcel.coop_order_id.in_(parts)).with_for_update())}
    bps = dict(db.session.execute(select(CoopOrder.id, Cooperative.commission_bps).join(Cooperative)
                                  .where(CoopOrder.id.in_(parts))).all())
    for parcel_id in parts:
        goods, shipping = mad[(parcel_id, 0)], mad[(parcel_id, 1)]
        allocation = RefundAllocation(refund_id=refund.id, coop_order_id=parcel_id, goods=goods, shipping=shipping)
        sp = settled.get(parcel_id)
        if sp is not None:
            returned = commission_on_refund(goods, bps[parcel_id],
                                            commission_taken=sp.commission - sp.commission_returned)
            sp.commission_returned += returned
            allocation.after_settlement, allocation.commission_returned = True, returned
            lines += refund_after_settlement_lines(goods + shipping, returned, sp.cooperative_id)
        db.session.add(allocation)
    if lines:
        post_entry(EntryKind.REFUND, source_key=f"refund:{refund.id}",
                   reference=f"Order {order.number} refund {refund.id}", lines=lines)


def reverse_refund(refund: Refund) -> None:
    """The provider refused the refund: its entry is reversed and the commission it gave back is taken again."""
    entry = db.session.scalar(select(JournalEntry).where(JournalEntry.source_key == f"refund:{refund.id}"))
    if entry is not None:
        reverse_entry(entry, source_key=f"refund-failed:{refund.id}",
                      reference=f"Order {refund.order.number} refund {refund.id} failed")
    for allocation in db.session.scalars(select(RefundAllocation).where(RefundAllocation.refund_id == refund.id,
                                                                         RefundAllocation.commission_returned > 0)):
        sp = db.session.scalar(select(SettledParcel).where(SettledParcel.coop_order_id == allocation.coop_order_id)
                               .with_for_update())
        sp.commission_returned -= allocation.commission_returned


def _posted(source_key: str) -> bool:
    return db.session.scalar(select(exists().where(JournalEntry.source_key == source_key)))


def backfill() -> dict[str, int]:
    """Post every captured card payment, cash collection and refund that has no entry yet (idempotent)."""
    counts = {"payments": 0, "cash": 0, "refunds": 0}
    for payment in db.session.scalars(select(Payment).where(Payment.method == PaymentMethod.CARD,
                                                            Payment.status.in_(CAPTURED_STATUSES))
                                      .order_by(Payment.id)):
        if not _posted(f"payment:{payment.id}"):
            post_card_payment(payment)
            counts["payments"] += 1
    for parcel in db.session.scalars(select(CoopOrder).where(CoopOrder.cash_collected > 0).order_by(CoopOrder.id)):
        if not _posted(f"cash:{parcel.id}"):
            post_cash_collected(parcel)
            counts["cash"] += 1
    for refund in db.session.scalars(select(Refund).where(Refund.status != RefundStatus.FAILED)
                                     .order_by(Refund.id)):
        if not _posted(f"refund:{refund.id}"):
            post_refund(refund)
            counts["refunds"] += 1
    return counts


def connect() -> None:
    """Listen to the order side's money events (idempotent: blinker keeps one connection per receiver)."""
    events.payment_captured.connect(post_card_payment)
    events.provider_fee_known.connect(post_provider_fee)
    events.cash_collected.connect(post_cash_collected)
    events.refund_recorded.connect(post_refund)
    events.refund_failed.connect(reverse_refund)
