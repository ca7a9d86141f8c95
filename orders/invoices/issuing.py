"""Issuing invoices and credit notes inside the transaction of the event that calls for them (payment captured,
cash collected, refund recorded, settlement run closed), so the number is taken — or given back — with it.

Each document is issued once per cause (`source_key`, unique); issuing again for the same cause returns the
existing one, so the event handlers and the backfill may both run. The PDF is rendered by a job after the commit.

A refund the payment provider refuses after its credit note was issued is answered by a new invoice of the same
lines that refers to the credit note: issued documents are never withdrawn, and the parcel's documents add up
to what was sold.

A refund on a parcel that has no invoice yet (cash on delivery: money collected at one door, a line of another
parcel refunded before it arrived) needs no credit note: nothing was invoiced. That parcel's invoice, when it is
delivered, lists only what was sold — its lines less the units refunded, its shipping unless refunded.
"""
from __future__ import annotations

from collections import defaultdict

from flask import current_app
from sqlalchemy import or_, select

from cooperatives.models import Cooperative
from marketplace import clock, jobs
from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.money import allocate
from marketplace.transaction import unit_of_work
from orders import services
from orders.invoices import content, documents
from orders.invoices.models import PLATFORM_SERIES, Invoice, InvoiceKind, Issuer
from orders.invoices.numbering import Number, next_number, next_numbers
from orders.models import CoopOrder, ParcelStatus, Payment, PaymentMethod, Refund
from orders.settlement.run_models import RunCooperative, SettlementRun


def _existing(source_key: str) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.source_key == source_key))


def _issue(*, source_key: str, series: str, kind: InvoiceKind, issuer: Issuer, cooperative_id: int,
           data: dict, **links) -> Invoice:
    issued_at = clock.now()
    invoice = _document(next_number(series, issued_at.year), issued_at, source_key=source_key, kind=kind,
                        issuer=issuer, cooperative_id=cooperative_id, data=data, **links)
    return _issued([invoice])[0]


def _document(number: Number, issued_at, *, source_key: str, kind: InvoiceKind, issuer: Issuer,
              cooperative_id: int, data: dict, **links) -> Invoice:
    return Invoice(number=str(number), series=number.series, year=number.year, sequence=number.sequence, kind=kind,
                   issuer=issuer, source_key=source_key, cooperative_id=cooperative_id, currency=data["currency"],
                   total=data["total"], issued_at=issued_at, content=data, **links)


def _issued(invoices: list[Invoice]) -> list[Invoice]:
    """Write the documents (one flush for all) and render their PDFs after the commit."""
    db.session.add_all(invoices)
    db.session.flush()
    if current_app.config["INVOICES_RENDER_ON_ISSUE"]:
        for invoice in invoices:
            jobs.enqueue_after_commit(documents.stored_pdf, invoice.id, "fr")
    return invoices


def invoice_parcel(parcel: CoopOrder) -> Invoice | None:
    """The parcel's invoice, issued now in the cooperative's name unless it exists (None: nothing to invoice)."""
    existing = _existing(f"parcel:{parcel.id}")
    if existing is not None or parcel.status == ParcelStatus.CANCELLED:
        return existing
    order = parcel.order
    buyer = db.session.get(User, order.buyer_id)
    data = content.parcel_invoice(parcel, buyer)
    if data is None:
        return None
    return _issue(source_key=f"parcel:{parcel.id}", series=str(parcel.cooperative_id), kind=InvoiceKind.INVOICE,
                  issuer=Issuer.COOPERATIVE, cooperative_id=parcel.cooperative_id, data=data, order_id=order.id,
                  coop_order_id=parcel.id, buyer_id=order.buyer_id)


def invoice_parcels(parcels: list[CoopOrder]) -> None:
    """Invoice several parcels, in cooperative order (the order counter rows are locked in)."""
    for parcel in sorted(parcels, key=lambda p: p.cooperative_id):
        invoice_parcel(parcel)


def credit_refund(refund: Refund) -> list[Invoice]:
    """One credit note per invoiced parcel the refund touches, referring to that parcel's invoice."""
    db.session.flush()
    order = refund.order
    lines = {line.id: line for line in order.lines}
    refunded: dict[int, list] = defaultdict(list)
    for refund_line in refund.lines:
        line = lines[refund_line.order_line_id]
        refunded[line.coop_order_id].append((line, refund_line.quantity))
    shipping = _shipping_parts(refund, order)
    parcels = {p.id: p for p in order.coop_orders}
    notes = []
    for parcel_id in sorted(set(refunded) | set(shipping), key=lambda i: (parcels[i].cooperative_id, i)):
        invoice = _existing(f"parcel:{parcel_id}")
        key = f"refund:{refund.id}:parcel:{parcel_id}"
        if invoice is None or _existing(key) is not None:
            continue
        parcel = parcels[parcel_id]
        refers_to = {"id": invoice.id, "number": invoice.number, "issued_on": invoice.issued_at.date().isoformat()}
        data = content.credit_note(parcel, db.session.get(User, order.buyer_id), refunded.get(parcel_id, []),
                                   shipping.get(parcel_id, 0), refund.reason, refers_to)
        notes.append(_issue(source_key=key, series=str(parcel.cooperative_id), kind=InvoiceKind.CREDIT_NOTE,
                            issuer=Issuer.COOPERATIVE, cooperative_id=parcel.cooperative_id, data=data,
                            order_id=order.id, coop_order_id=parcel_id, refund_id=refund.id,
                            refers_to_id=invoice.id, buyer_id=order.buyer_id))
    return notes


def reinvoice_failed_refund(refund: Refund) -> list[Invoice]:
    """The provider refused the refund, so the sale stands again: each of its credit notes is answered by an
    invoice of the same lines that refers to it (an issued credit note is never withdrawn)."""
    issued = []
    for note in db.session.scalars(select(Invoice).where(Invoice.refund_id == refund.id,
                                                         Invoice.kind == InvoiceKind.CREDIT_NOTE)
                                   .order_by(Invoice.cooperative_id, Invoice.id)):
        key = f"refund-failed:{refund.id}:parcel:{note.coop_order_id}"
        if _existing(key) is not None:
            continue
        refers_to = {"id": note.id, "number": note.number, "issued_on": note.issued_at.date().isoformat()}
        data = {**note.content, "refers_to": refers_to, "reason": None, "refund_failed": True}
        issued.append(_issue(source_key=key, series=note.series, kind=InvoiceKind.INVOICE, issuer=Issuer.COOPERATIVE,
                             cooperative_id=note.cooperative_id, data=data, order_id=note.order_id,
                             coop_order_id=note.coop_order_id, refund_id=refund.id, refers_to_id=note.id,
                             buyer_id=note.buyer_id))
    return issued


def _shipping_parts(refund: Refund, order) -> dict[int, int]:
    """The shipping a refund gives back, per parcel: what is left of it after its lines, shared among the
    parcels whose shipping is refunded and not credited by an earlier credit note."""
    rest = refund.amount - sum(line.amount for line in refund.lines)
    if rest <= 0:
        return {}
    earlier = db.session.execute(select(Invoice.coop_order_id, Invoice.content).where(
        Invoice.order_id == order.id, Invoice.kind == InvoiceKind.CREDIT_NOTE, Invoice.refund_id != refund.id))
    credited = {parcel_id for parcel_id, data in earlier if data["shipping"]}
    candidates = sorted((p for p in order.coop_orders if p.shipping_refunded and p.shipping_amount
                         and p.id not in credited), key=lambda p: p.id)
    if not candidates:
        return {}
    return dict(zip((p.id for p in candidates), allocate(rest, [p.shipping_amount for p in candidates])))


def commissions_of_run(run: SettlementRun) -> list[Invoice]:
    """The platform's commission invoice to each cooperative of a settlement run that took commission."""
    prefix = f"settlement:{run.id}:cooperative:"
    issued_before = set(db.session.scalars(select(Invoice.source_key).where(Invoice.settlement_run_id == run.id)))
    rows = [row for row in db.session.scalars(select(RunCooperative).where(RunCooperative.run_id == run.id,
                                                                           RunCooperative.commission > 0)
                                              .order_by(RunCooperative.cooperative_id))
            if f"{prefix}{row.cooperative_id}" not in issued_before]
    if not rows:
        return []
    cooperatives = {c.id: c for c in db.session.scalars(
        select(Cooperative).where(Cooperative.id.in_([row.cooperative_id for row in rows])))}
    issued_at = clock.now()
    numbers = next_numbers(PLATFORM_SERIES, issued_at.year, len(rows))  # one counter update for the whole run
    return _issued([
        _document(number, issued_at, source_key=f"{prefix}{row.cooperative_id}", kind=InvoiceKind.INVOICE,
                  issuer=Issuer.PLATFORM, cooperative_id=row.cooperative_id, settlement_run_id=run.id,
                  data=content.commission_invoice(cooperatives[row.cooperative_id], run_id=run.id,
                                                  up_to=run.up_to.isoformat(), parcels=row.parcels_count,
                                                  commission=row.commission))
        for row, number in zip(rows, numbers)])


def missing_parcels() -> list[int]:
    """Parcels that should have an invoice and have none: of card orders whose payment was captured (and not
    cancelled), or delivered with their cash collected."""
    invoiced = select(Invoice.coop_order_id).where(Invoice.kind == InvoiceKind.INVOICE,
                                                   Invoice.coop_order_id.is_not(None))
    paid_by_card = select(Payment.order_id).where(Payment.method == PaymentMethod.CARD,
                                                  Payment.amount_captured > 0)
    return list(db.session.scalars(
        select(CoopOrder.id).where(CoopOrder.id.not_in(invoiced), CoopOrder.status != ParcelStatus.CANCELLED,
                                   or_(CoopOrder.order_id.in_(paid_by_card), CoopOrder.cash_collected.is_not(None)))
        .order_by(CoopOrder.id)))


def missing_commission_runs() -> list[int]:
    """Settlement runs that took commission and whose commission invoices were not issued."""
    invoiced = select(Invoice.settlement_run_id).where(Invoice.settlement_run_id.is_not(None))
    return list(db.session.scalars(select(SettlementRun.id).where(SettlementRun.commission > 0,
                                                                  SettlementRun.id.not_in(invoiced))
                                   .order_by(SettlementRun.id)))


def issue_missing_for_parcel(parcel_id: int) -> Invoice | None:
    """Backfill one parcel, in a transaction of its own, its order locked like any event on it."""
    with unit_of_work():
        parcel = db.session.get(CoopOrder, parcel_id)
        services.lock_order(parcel.order_id)
        return invoice_parcel(parcel)


def issue_missing_for_run(run_id: int) -> list[Invoice]:
    """Backfill the commission invoices of one settlement run."""
    with unit_of_work():
        return commissions_of_run(db.session.get(SettlementRun, run_id))
