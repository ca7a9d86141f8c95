"""What settlement shows: a run, a cooperative's statement for a period and a member's earnings, each read from
the rows a run wrote (the same figures it posted to the ledger)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from cooperatives.models import Cooperative, Member
from cooperatives.services import manages
from marketplace.auth.models import Role, User
from marketplace.auth.permissions import found
from marketplace.extensions import db
from marketplace.pagination import paginate
from orders.settlement.payouts import mad, payout_view
from orders.settlement.run_models import (Payout, PayoutStatus, RunCooperative, SettledParcel, SettledShare,
                                          SettlementRun)

AMOUNTS = ("captured", "refunds", "fees", "commission", "reserve", "members")


def _parcel_view(parcel: SettledParcel) -> dict:
    return {"settlement_id": parcel.run_id, "coop_order_id": parcel.coop_order_id,
            "order_number": parcel.order_number, "cooperative_id": parcel.cooperative_id,
            "delivered_on": parcel.delivered_on, **{name: mad(getattr(parcel, name)) for name in AMOUNTS}}


def _run_summary(run: SettlementRun) -> dict:
    return {"id": run.id, "up_to": run.up_to, "created_at": run.created_at,
            "created_by": run.created_by_id, "parcels_count": run.parcels_count,
            "totals": {name: mad(getattr(run, name)) for name in (*AMOUNTS, "deductions", "payable")}}


def run_view(run_id: int) -> dict:
    """One run in full: totals, each cooperative with its members, each parcel, each payout (accounts masked)."""
    run = found(db.session.get(SettlementRun, run_id), what="settlement run")
    detail: dict[int, list[dict]] = {}
    for cooperative_id, member_id, full_name, amount in db.session.execute(
            select(Member.cooperative_id, SettledShare.member_id, Member.full_name, func.sum(SettledShare.amount))
            .join(Member, Member.id == SettledShare.member_id).where(SettledShare.run_id == run.id)
            .group_by(Member.cooperative_id, SettledShare.member_id, Member.full_name)
            .order_by(SettledShare.member_id)):
        detail.setdefault(cooperative_id, []).append(
            {"member_id": member_id, "full_name": full_name, "amount": mad(int(amount))})
    cooperatives = [{"cooperative_id": c.cooperative_id, "name": c.name, "parcels_count": c.parcels_count,
                     **{name: mad(getattr(c, name)) for name in (*AMOUNTS, "deductions", "payable")},
                     "members_detail": detail.get(c.cooperative_id, [])} for c in run.cooperatives]
    return {**_run_summary(run), "cooperatives": cooperatives,
            "parcels": [_parcel_view(parcel) for parcel in run.parcels],
            "payouts": [payout_view(payout) for payout in run.payouts]}


def runs_page(*, page: int, per_page: int) -> dict:
    """Runs, newest first, with their totals."""
    result = paginate(select(SettlementRun).order_by(SettlementRun.created_at.desc(), SettlementRun.id.desc()),
                      page=page, per_page=per_page)
    return {**result, "items": [_run_summary(run) for run in result["items"]]}


def _visible_cooperative(user: User, cooperative_id: int) -> None:
    cooperative = db.session.get(Cooperative, cooperative_id)
    found(cooperative, visible=user.role == Role.ADMIN or manages(user, cooperative_id), what="cooperative")


def _period(from_: date | None, to: date | None):
    conditions = []
    if from_ is not None:
        conditions.append(SettlementRun.created_at >= datetime.combine(from_, time.min, tzinfo=UTC))
    if to is not None:
        conditions.append(SettlementRun.created_at < datetime.combine(to + timedelta(days=1), time.min, tzinfo=UTC))
    return conditions


def statement(user: User, cooperative_id: int, *, from_: date | None, to: date | None) -> dict:
    """The cooperative's settled parcels, deductions and payouts of the runs made in the period (UTC days)."""
    _visible_cooperative(user, cooperative_id)
    period = _period(from_, to)
    parcels = list(db.session.scalars(
        select(SettledParcel).join(SettlementRun, SettlementRun.id == SettledParcel.run_id)
        .where(SettledParcel.cooperative_id == cooperative_id, *period).order_by(SettledParcel.run_id,
                                                                                 SettledParcel.coop_order_id)))
    deductions = list(db.session.scalars(
        select(RunCooperative).join(SettlementRun, SettlementRun.id == RunCooperative.run_id)
        .where(RunCooperative.cooperative_id == cooperative_id, RunCooperative.owed > 0, *period)
        .order_by(RunCooperative.run_id)))
    payouts = list(db.session.scalars(
        select(Payout).join(SettlementRun, SettlementRun.id == Payout.run_id)
        .where(Payout.cooperative_id == cooperative_id, *period).order_by(Payout.id)))
    lines = [{key: value for key, value in _parcel_view(parcel).items() if key != "cooperative_id"}
             for parcel in parcels]
    totals = {name: mad(sum(getattr(parcel, name) for parcel in parcels)) for name in AMOUNTS}
    totals["deductions"] = mad(sum(d.deductions for d in deductions))
    totals["paid_out"] = mad(sum(p.amount for p in payouts if p.status == PayoutStatus.PAID))
    return {"cooperative_id": cooperative_id, "from": from_, "to": to, "lines": lines,
            "deductions": [{"settlement_id": d.run_id, "owed": mad(d.owed), "deducted": mad(d.deductions),
                            "from_reserve": mad(d.from_reserve), "from_members": mad(d.deductions - d.from_reserve),
                            "carried": mad(d.carried)} for d in deductions],
            "payouts": [payout_view(payout) for payout in payouts], "totals": totals}


def earnings(user: User, cooperative_id: int, member_id: int) -> dict:
    """What the member was allocated, parcel by parcel, oldest run first."""
    _visible_cooperative(user, cooperative_id)
    member = db.session.get(Member, member_id)
    found(member, visible=member is not None and member.cooperative_id == cooperative_id, what="member")
    rows = db.session.execute(
        select(SettledShare.run_id, SettledParcel.coop_order_id, SettledParcel.order_number, SettledShare.amount,
               SettledParcel.basis)
        .join(SettledParcel, SettledParcel.id == SettledShare.settled_parcel_id)
        .where(SettledShare.member_id == member_id).order_by(SettledShare.run_id, SettledParcel.coop_order_id)).all()
    items = [{"settlement_id": run_id, "coop_order_id": parcel_id, "order_number": number, "amount": mad(amount),
              "basis": basis} for run_id, parcel_id, number, amount, basis in rows]
    return {"member_id": member.id, "full_name": member.full_name, "items": items,
            "total": mad(sum(row.amount for row in rows))}
