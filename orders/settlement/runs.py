"""Settlement runs: every parcel delivered on or before `up_to − RETURN_WINDOW_DAYS` and not yet settled is
split (split.py), recorded and posted to the ledger exactly once, then each cooperative's deduction for refunds
after an earlier settlement is taken and one payout per payee is created.

Exactly once: a parcel is claimed by inserting its `settled_parcels` row (unique `coop_order_id`,
`ON CONFLICT DO NOTHING`); a run that lost the claim to another skips it. The run locks its parcels' orders
(refunds lock them too, so a refund is either seen by the run or sees the settled parcel) and each cooperative's
row before reading what it owes back. Parcels are read and written a batch at a time: memory does not grow with
the run and the statements per parcel stay constant.
"""
from __future__ import annotations

from collections import defaultdict
import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from blinker import signal
from flask import current_app
from sqlalchemy import exists, func, insert, select

from catalog.models import StockLot
from cooperatives.models import Cooperative, Member
from marketplace import clock
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.transaction import unit_of_work
from orders.models import CoopOrder, Order, OrderLine, OrderLineLot, ParcelStatus, Payment, PaymentMethod, Refund, \
    RefundStatus
from orders.settlement.accounts import cooperative_payable, deduction_lines, settlement_lines
from orders.settlement.bulk import among, insert_new, insert_rows
from orders.settlement.ledger import Posting, account_balances, post_entries, post_entry
from orders.settlement.models import EntryKind
from orders.settlement.postings import card_parcel_shares, parcel_captured_mad
from orders.settlement.run_models import (Payee, Payout, PayoutStatus, RefundAllocation, RunCooperative,
                                          SettledParcel, SettledShare, SettlementRun)
from orders.settlement.services import CooperativeProfile, settlement_profiles
from orders.settlement.split import ParcelMoney, ParcelSplit, apply_deductions, split_parcel

BATCH_SIZE = 500
# sender: the SettlementRun once its cooperatives are recorded, inside the run's transaction
run_closed = signal("settlement-run-closed")


def cutoff_for(up_to: date) -> date:
    """The last delivery day a run up to `up_to` settles."""
    return up_to - timedelta(days=int(current_app.config["RETURN_WINDOW_DAYS"]))


def _eligible(cutoff: date):
    end = datetime.combine(cutoff + timedelta(days=1), time.min, tzinfo=UTC)
    return (select(CoopOrder.id).where(CoopOrder.status == ParcelStatus.DELIVERED, CoopOrder.delivered_at < end,
                                       ~exists().where(SettledParcel.coop_order_id == CoopOrder.id)))


def eligible_count(up_to: date) -> int:
    """How many parcels a run up to `up_to` would settle now."""
    return db.session.scalar(select(func.count()).select_from(_eligible(cutoff_for(up_to)).subquery()))


def eligible_batch(cutoff: date, *, after: int, limit: int) -> list[int]:
    """The next parcels to settle, by id."""
    return list(db.session.scalars(_eligible(cutoff).where(CoopOrder.id > after).order_by(CoopOrder.id).limit(limit)))


@dataclass
class _Totals:
    """What a run settled so far, per cooperative (bounded by cooperatives and members, not by parcels)."""
    parcels: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    members: dict[int, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    def add(self, cooperative_id: int, split: ParcelSplit) -> None:
        sums = self.parcels[cooperative_id]
        sums["parcels_count"] += 1
        for name in ("captured", "refunds", "fees", "commission", "reserve"):
            sums[name] += getattr(split, name)
        sums["members"] += split.members_total
        for member_id, amount in split.members.items():
            self.members[cooperative_id][member_id] += amount


def validate_up_to(up_to: date) -> None:
    if up_to > clock.today():
        raise ValidationFailed(message="A run cannot settle beyond today.",
                               details={"up_to": [f"Must be on or before {clock.today().isoformat()}."]})


def scheduled_run() -> int | None:
    """The scheduled run (SETTLEMENT_SCHEDULE): settle up to today when some parcel is eligible; None (and no
    empty run) otherwise. Running it twice settles nothing twice: each parcel is claimed once."""
    day = clock.today()
    return run_settlement(day, actor_id=None) if eligible_count(day) else None


def run_settlement(up_to: date, *, actor_id: int | None, batch_size: int | None = None,
                   progress: Callable[[int], None] | None = None) -> int:
    """Settle every eligible parcel in one transaction; returns the run's id (a run finding nothing is kept too).

    While the database writes one batch, the next one (already read) is split: on PostgreSQL the writes run in a
    second thread, holding the session until they end, so the server's work and Python's overlap.
    """
    validate_up_to(up_to)
    cutoff, batch_size = cutoff_for(up_to), batch_size or BATCH_SIZE
    with unit_of_work():
        ids = eligible_batch(cutoff, after=0, limit=batch_size)
        run = SettlementRun(up_to=up_to, created_at=clock.now(), created_by_id=actor_id)
        db.session.add(run)
        db.session.flush()
        totals, profiles = _Totals(), {}
        with batch_writer() as write:
            splits = _split_batch(_read_batch(ids, profiles), profiles) if ids else []
            while ids:
                following = eligible_batch(cutoff, after=ids[-1], limit=batch_size)
                batch = _read_batch(following, profiles) if following else None
                written = write(_write_batch, run.id, splits, totals)
                following_splits = _split_batch(batch, profiles) if batch else []
                written.result()
                if progress:
                    progress(len(ids))
                ids, splits = following, following_splits
        _close(run, totals)
        run_closed.send(run)
        return run.id


@contextmanager
def batch_writer() -> Iterator[Callable[..., Future]]:
    """`write(fn, *args)` → a Future of `fn(*args)`: run in a thread that shares this one's session on PostgreSQL
    (the caller touches the session again only once the Future is done), at once elsewhere (SQLite works in
    this process, and an in-memory database belongs to its thread)."""
    if db.session.get_bind().dialect.name != "postgresql":
        def write_now(fn, *args) -> Future:
            done = Future()
            try:
                done.set_result(fn(*args))
            except Exception as error:  # noqa: BLE001 — handed to whoever waits on the Future
                done.set_exception(error)
            return done
        yield write_now
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="settlement-writer") as executor:
        # the copied context carries the app context, hence the same scoped session
        yield lambda fn, *args: executor.submit(contextvars.copy_context().run, fn, *args)


@dataclass
class _Batch:
    """What splitting a batch of parcels needs, read in a few statements."""
    parcels: list
    orders: dict[int, Any]
    parcels_of_order: dict[int, list]
    contributions: dict[int, dict[int, int]]
    refunded: dict[int, tuple[int, int]]


def _read_batch(ids: list[int], profiles: dict[int, CooperativeProfile]) -> _Batch:
    """Lock the parcels' orders and read them; `profiles` gains the terms and members of cooperatives it lacked."""
    order_ids = sorted(set(db.session.scalars(select(CoopOrder.order_id).where(among(CoopOrder.id, ids)))))
    db.session.execute(select(Order.id).where(among(Order.id, order_ids)).order_by(Order.id).with_for_update())
    orders = {row.id: row for row in db.session.execute(
        select(Order.id, Order.number, Order.currency, Order.exchange_rate, Payment.method, Payment.amount_captured,
               Payment.provider_fee_mad)
        .join(Payment, Payment.order_id == Order.id).where(among(Order.id, order_ids)))}
    parcels_of_order: dict[int, list] = defaultdict(list)
    for row in db.session.execute(select(CoopOrder.id, CoopOrder.order_id, CoopOrder.cooperative_id,
                                         CoopOrder.items_amount, CoopOrder.shipping_amount, CoopOrder.cash_collected,
                                         CoopOrder.delivered_at).where(among(CoopOrder.order_id, order_ids))):
        parcels_of_order[row.order_id].append(row)
    contributions: dict[int, dict[int, int]] = defaultdict(dict)
    for parcel_id, member_id, value in db.session.execute(
            select(OrderLine.coop_order_id, StockLot.member_id,
                   func.sum((OrderLineLot.units - OrderLineLot.returned) * OrderLine.unit_price_mad))
            .join(OrderLineLot, OrderLineLot.line_id == OrderLine.id).join(StockLot, StockLot.id == OrderLineLot.lot_id)
            .where(among(OrderLine.coop_order_id, ids)).group_by(OrderLine.coop_order_id, StockLot.member_id)):
        contributions[parcel_id][member_id] = int(value)
    refunded = {parcel_id: (int(goods), int(shipping)) for parcel_id, goods, shipping in db.session.execute(
        select(RefundAllocation.coop_order_id, func.sum(RefundAllocation.goods), func.sum(RefundAllocation.shipping))
        .join(Refund, Refund.id == RefundAllocation.refund_id)
        .where(among(RefundAllocation.coop_order_id, ids), Refund.status != RefundStatus.FAILED,
               RefundAllocation.after_settlement.is_(False))
        .group_by(RefundAllocation.coop_order_id))}
    wanted = set(ids)
    parcels = sorted((p for rows in parcels_of_order.values() for p in rows if p.id in wanted), key=lambda p: p.id)
    unread = {p.cooperative_id for p in parcels} - profiles.keys()
    if unread:
        profiles.update(settlement_profiles(unread))
    return _Batch(parcels, orders, parcels_of_order, contributions, refunded)


def _split_batch(batch: _Batch, profiles: dict[int, CooperativeProfile]) -> list[tuple]:
    """Each parcel's split, in parcel id order: no statement, so it can run while the database writes."""
    splits = []
    for parcel in batch.parcels:
        order = batch.orders[parcel.order_id]
        money = _parcel_money(order, parcel, batch.parcels_of_order[parcel.order_id],
                              batch.refunded.get(parcel.id, (0, 0)))
        profile = profiles[parcel.cooperative_id]
        delivered_on = parcel.delivered_at.astimezone(UTC).date()
        split = split_parcel(money, profile.terms, profile.basis(delivered_on, batch.contributions.get(parcel.id)))
        splits.append((parcel, order, money, split, delivered_on))
    return splits


def _write_batch(run_id: int, splits: list[tuple], totals: _Totals) -> None:
    """Claim the parcels (those another run claimed first are skipped), post their entries, record the shares."""
    if not splits:
        return
    by_id = {parcel.id: (parcel, order, split) for parcel, order, _money, split, _day in splits}
    claimed = dict(insert_new(SettledParcel, [
        {"run_id": run_id, "coop_order_id": parcel.id, "cooperative_id": parcel.cooperative_id,
         "order_number": order.number, "delivered_on": delivered_on, "captured": split.captured,
         "goods": money.goods, "refunds": split.refunds, "fees": split.fees, "commission": split.commission,
         "reserve": split.reserve, "members": split.members_total, "basis": split.basis.value,
         "commission_returned": 0}
        for parcel, order, money, split, delivered_on in splits],
        unique="coop_order_id", returning=("coop_order_id", "id")))
    shares, postings = [], []
    for parcel_id, settled_id in sorted(claimed.items()):
        parcel, order, split = by_id[parcel_id]
        shares += [{"settled_parcel_id": settled_id, "run_id": run_id, "member_id": member_id, "amount": amount}
                   for member_id, amount in split.members.items() if amount]
        lines = settlement_lines(split, parcel.cooperative_id)
        if lines:
            postings.append(Posting(f"settlement:parcel:{parcel_id}",
                                    f"Run {run_id}: order {order.number} parcel {parcel_id}", lines))
        totals.add(parcel.cooperative_id, split)
    post_entries(EntryKind.SETTLEMENT, postings)
    insert_rows(SettledShare, shares)


def _parcel_money(order, parcel, order_parcels, refunded: tuple[int, int]) -> ParcelMoney:
    """What the parcel brought in, in MAD: its part of the card payment, or the cash collected at its door."""
    goods, shipping = parcel_captured_mad(order.method, order.currency, order.exchange_rate, order.amount_captured,
                                          parcel, order_parcels)
    captured = goods + shipping
    known_fee = None
    if order.method == PaymentMethod.CARD and order.provider_fee_mad is not None:
        # the provider's own fee, divided like the payment
        known_fee = card_parcel_shares(order.provider_fee_mad, [(p.id, p.items_amount + p.shipping_amount)
                                                                for p in order_parcels])[parcel.id]
    refunded_goods = min(refunded[0], goods)
    refunded_shipping = min(refunded[1] + refunded[0] - refunded_goods, shipping)
    return ParcelMoney(captured=captured, goods=goods, refunded_goods=refunded_goods,
                       refunded_shipping=refunded_shipping, payment_method=order.method, known_fee=known_fee)


def _close(run: SettlementRun, totals: _Totals) -> None:
    """Take each cooperative's deduction, record its part of the run, create the payouts and the run's totals."""
    cooperative_ids = sorted(totals.parcels)
    if not cooperative_ids:
        return
    cooperatives = {row.id: row for row in db.session.execute(
        select(Cooperative.id, Cooperative.name, Cooperative.bank_account).where(among(Cooperative.id, cooperative_ids))
        .order_by(Cooperative.id).with_for_update())}
    member_ids = sorted({m for members in totals.members.values() for m in members})
    people = {row.id: row for row in db.session.execute(
        select(Member.id, Member.full_name, Member.payout_method, Member.payout_account)
        .where(among(Member.id, member_ids)))} if member_ids else {}
    balances = account_balances([cooperative_payable(cooperative_id) for cooperative_id in cooperative_ids])
    rows, payouts = [], []
    for cooperative_id in cooperative_ids:
        sums, members = totals.parcels[cooperative_id], dict(totals.members[cooperative_id])
        owed = max(balances[cooperative_payable(cooperative_id)], 0)
        deduction = apply_deductions(sums["reserve"], members, owed)
        lines = deduction_lines(deduction, cooperative_id)
        if lines:
            post_entry(EntryKind.SETTLEMENT, source_key=f"deduction:{run.id}:{cooperative_id}",
                       reference=f"Run {run.id}: refunds after settlement deducted", lines=lines)
        payable = sums["reserve"] + sums["members"] - deduction.taken
        rows.append({"run_id": run.id, "cooperative_id": cooperative_id, "name": cooperatives[cooperative_id].name,
                     **{name: sums[name] for name in ("parcels_count", "captured", "refunds", "fees", "commission",
                                                      "reserve", "members")},
                     "owed": owed, "deductions": deduction.taken, "from_reserve": deduction.from_reserve,
                     "from_members": {str(m): a for m, a in deduction.from_members.items() if a},
                     "carried": deduction.carried, "payable": payable})
        reserve_paid = sums["reserve"] - deduction.from_reserve
        if reserve_paid:
            payouts.append({"run_id": run.id, "cooperative_id": cooperative_id,
                            "payee": Payee.COOPERATIVE_RESERVE.value, "member_id": None,
                            "payee_key": f"reserve:{cooperative_id}", "full_name": cooperatives[cooperative_id].name,
                            "method": "bank_transfer", "account": cooperatives[cooperative_id].bank_account,
                            "amount": reserve_paid,
                            "status": PayoutStatus.PENDING.value})
        for member_id in sorted(members):
            amount = members[member_id] - deduction.from_members.get(member_id, 0)
            if amount:
                person = people[member_id]
                payouts.append({"run_id": run.id, "cooperative_id": cooperative_id, "payee": Payee.MEMBER.value,
                                "member_id": member_id, "payee_key": f"member:{member_id}",
                                "full_name": person.full_name, "method": person.payout_method,
                                "account": person.payout_account, "amount": amount,
                                "status": PayoutStatus.PENDING.value})
    db.session.execute(insert(RunCooperative.__table__), rows)
    insert_rows(Payout, payouts)
    for name in ("parcels_count", "captured", "refunds", "fees", "commission", "reserve", "members", "deductions",
                 "payable"):
        setattr(run, name, sum(row[name] for row in rows))
