"""Payouts: marking one paid (posted to the ledger once) and the treasurer's CSV of a run."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from cooperatives.models import Cooperative
from cooperatives.validators import mask_account
from marketplace import clock
from marketplace.audit import change_state
from marketplace.auth.permissions import found
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.transaction import unit_of_work
from orders import events
from orders.settlement.accounts import cooperative_reserve, member_payable, payout_lines
from orders.settlement.ledger import post_entry
from orders.settlement.models import EntryKind
from orders.settlement.run_models import PAYOUT_TRANSITIONS, Payee, Payout, PayoutStatus, SettlementRun

CSV_COLUMNS = ["payout_id", "cooperative", "ice", "payee", "member", "method", "account", "amount_mad", "reference"]


def mad(amount: int) -> dict:
    return {"amount": amount, "currency": "MAD"}


def payout_view(payout: Payout) -> dict:
    """A payout as the API shows it: the account masked."""
    return {"id": payout.id, "payee": payout.payee, "cooperative_id": payout.cooperative_id,
            "member_id": payout.member_id, "full_name": payout.full_name, "method": payout.method,
            "account": mask_account(payout.account), "amount": mad(payout.amount), "status": payout.status,
            "reference": payout.reference, "paid_at": payout.paid_at}


def payout_account(payout: Payout) -> str:
    return cooperative_reserve(payout.cooperative_id) if payout.payee == Payee.COOPERATIVE_RESERVE \
        else member_payable(payout.member_id)


def mark_paid(payout_id: int, *, reference: str, actor_id: int) -> Payout:
    """The treasurer paid it: the payable goes down, so does the bank; a payout is paid once (409 after)."""
    with unit_of_work():
        payout = found(db.session.scalar(select(Payout).where(Payout.id == payout_id).with_for_update()),
                       what="payout")
        if payout.status == PayoutStatus.PAID:
            raise Conflict("payout_already_paid", f"Payout {payout.id} was already paid.",
                           {"payout_id": payout.id, "reference": payout.reference,
                            "paid_at": payout.paid_at.isoformat()})
        change_state(payout, PayoutStatus.PAID, allowed=PAYOUT_TRANSITIONS, actor_id=actor_id, reason=reference)
        payout.reference, payout.paid_at, payout.paid_by_id = reference, clock.now(), actor_id
        post_entry(EntryKind.PAYOUT, source_key=f"payout:{payout.id}",
                   reference=f"Payout {payout.id} paid: {reference}"[:200],
                   lines=payout_lines(payout_account(payout), payout.amount))
        events.payout_paid.send(payout)
    return payout


def decimal_mad(amount: int) -> str:
    """Minor units as `1234.56` (a point, no thousands separator)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"


def payouts_csv(run_id: int) -> str:
    """The run's payouts, one row a payee, full accounts: UTF-8 with a BOM, `;`-separated."""
    found(db.session.get(SettlementRun, run_id), what="settlement run")
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows = db.session.execute(select(Payout, Cooperative.name, Cooperative.ice)
                              .join(Cooperative, Cooperative.id == Payout.cooperative_id)
                              .where(Payout.run_id == run_id).order_by(Payout.id))
    for payout, name, ice in rows:
        writer.writerow([payout.id, name, ice, payout.payee,
                         payout.full_name if payout.payee == Payee.MEMBER else "", payout.method,
                         payout.account or "", decimal_mad(payout.amount), payout.reference or ""])
    return buffer.getvalue()
