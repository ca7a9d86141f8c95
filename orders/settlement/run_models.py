"""Settlement runs, the parcels each settled (once: `coop_order_id` is unique), the members' shares, what each
cooperative was paid or had deducted, the payouts, and how each refund was divided among the parcels.
Every amount is MAD minor units."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.dbtypes import UTCDateTime, utcnow
from marketplace.extensions import db


class PayoutStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"


PAYOUT_TRANSITIONS: dict[str | None, set[str]] = {None: {PayoutStatus.PENDING},
                                                   PayoutStatus.PENDING: {PayoutStatus.PAID}}


class Payee(StrEnum):
    COOPERATIVE_RESERVE = "cooperative_reserve"
    MEMBER = "member"


class SettlementRun(db.Model):
    __tablename__ = "settlement_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    up_to: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    parcels_count: Mapped[int] = mapped_column(Integer, default=0)
    captured: Mapped[int] = mapped_column(BigInteger, default=0)
    refunds: Mapped[int] = mapped_column(BigInteger, default=0)
    fees: Mapped[int] = mapped_column(BigInteger, default=0)
    commission: Mapped[int] = mapped_column(BigInteger, default=0)
    reserve: Mapped[int] = mapped_column(BigInteger, default=0)
    members: Mapped[int] = mapped_column(BigInteger, default=0)
    deductions: Mapped[int] = mapped_column(BigInteger, default=0)
    payable: Mapped[int] = mapped_column(BigInteger, default=0)

    created_by = relationship("User")
    cooperatives: Mapped[list[RunCooperative]] = relationship(order_by="RunCooperative.cooperative_id",
                                                               viewonly=True)
    parcels: Mapped[list[SettledParcel]] = relationship(order_by="SettledParcel.coop_order_id", viewonly=True)
    payouts: Mapped[list[Payout]] = relationship(order_by="Payout.id", viewonly=True)


class SettledParcel(db.Model):
    """A parcel settled by a run, with its split; the unique `coop_order_id` is what settles a parcel once."""

    __tablename__ = "settled_parcels"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("settlement_runs.id"), index=True)
    coop_order_id: Mapped[int] = mapped_column(ForeignKey("coop_orders.id"), unique=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    order_number: Mapped[str] = mapped_column(String(20))
    delivered_on: Mapped[date] = mapped_column(Date)
    captured: Mapped[int] = mapped_column(Integer)
    goods: Mapped[int] = mapped_column(Integer)
    refunds: Mapped[int] = mapped_column(Integer)
    fees: Mapped[int] = mapped_column(Integer)
    commission: Mapped[int] = mapped_column(Integer)
    reserve: Mapped[int] = mapped_column(Integer)
    members: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(20))
    # commission given back on refunds after settlement (never more than `commission`)
    commission_returned: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (CheckConstraint("captured = members + reserve + commission + fees + refunds",
                                      name="parts_add_up"),
                      CheckConstraint("commission_returned >= 0 AND commission_returned <= commission",
                                      name="commission_returned_in_range"))


class SettledShare(db.Model):
    """One member's share of one settled parcel."""

    __tablename__ = "settled_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys: a run writes these rows only, from the parcel ids its claim returned and the member ids it
    # read in the same transaction (parcels and members are never deleted), and a key checked row by row cost a
    # run ~1.4 million lookups at 100,000 parcels, a sixth of its time. The unique (settled_parcel_id, member_id)
    # serves the lookups by parcel.
    settled_parcel_id: Mapped[int] = mapped_column()
    run_id: Mapped[int] = mapped_column(index=True)  # the settled parcel's, copied for the run's queries
    member_id: Mapped[int] = mapped_column(index=True)
    amount: Mapped[int] = mapped_column(Integer)

    parcel: Mapped[SettledParcel] = relationship(
        primaryjoin="foreign(SettledShare.settled_parcel_id) == SettledParcel.id")

    __table_args__ = (UniqueConstraint("settled_parcel_id", "member_id"),)


class RunCooperative(db.Model):
    """One cooperative's part of a run: its parcels' totals and the deduction taken for refunds after settlement."""

    __tablename__ = "run_cooperatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("settlement_runs.id"))
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    parcels_count: Mapped[int] = mapped_column(Integer)
    captured: Mapped[int] = mapped_column(BigInteger)
    refunds: Mapped[int] = mapped_column(BigInteger)
    fees: Mapped[int] = mapped_column(BigInteger)
    commission: Mapped[int] = mapped_column(BigInteger)
    reserve: Mapped[int] = mapped_column(BigInteger)
    members: Mapped[int] = mapped_column(BigInteger)
    owed: Mapped[int] = mapped_column(BigInteger, default=0)  # owed back before this run
    deductions: Mapped[int] = mapped_column(BigInteger, default=0)  # taken by this run
    from_reserve: Mapped[int] = mapped_column(BigInteger, default=0)
    from_members: Mapped[dict] = mapped_column(JSON, default=dict)  # member id (str) → amount taken
    carried: Mapped[int] = mapped_column(BigInteger, default=0)  # owed still, into the next run
    payable: Mapped[int] = mapped_column(BigInteger)

    run: Mapped[SettlementRun] = relationship(viewonly=True)

    __table_args__ = (UniqueConstraint("run_id", "cooperative_id"),)


class Payout(db.Model):
    """What one payee (a cooperative's reserve or a member) is paid by one run; `account` is stored in full."""

    __tablename__ = "payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("settlement_runs.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    payee: Mapped[str] = mapped_column(String(20))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    payee_key: Mapped[str] = mapped_column(String(40))  # `reserve:12` or `member:57`: one payout a payee a run
    full_name: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(20))
    account: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(200))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (UniqueConstraint("run_id", "payee_key"),
                      CheckConstraint("amount > 0", name="amount_positive"),
                      CheckConstraint("payee IN ('cooperative_reserve', 'member')", name="payee_known"))


class RefundAllocation(db.Model):
    """The part of a refund one parcel bears, in MAD, fixed when the refund is posted; `after_settlement` when
    the parcel was already settled (the cooperative then owes it back, less `commission_returned`)."""

    __tablename__ = "refund_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refunds.id"), index=True)
    coop_order_id: Mapped[int] = mapped_column(ForeignKey("coop_orders.id"), index=True)
    goods: Mapped[int] = mapped_column(Integer)
    shipping: Mapped[int] = mapped_column(Integer)
    after_settlement: Mapped[bool] = mapped_column(default=False)
    commission_returned: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("refund_id", "coop_order_id"),)
