"""Invoices follow the order side's money events and settlement runs, in the transaction of each event."""
from __future__ import annotations

from orders import events
from orders.invoices import issuing
from orders.models import Payment
from orders.settlement import runs


def _card_captured(payment: Payment) -> None:
    issuing.invoice_parcels(list(payment.order.coop_orders))


def connect() -> None:
    """Listen (idempotent: blinker keeps one connection per receiver)."""
    events.payment_captured.connect(_card_captured)
    events.cash_collected.connect(issuing.invoice_parcel)
    events.refund_recorded.connect(issuing.credit_refund)
    events.refund_failed.connect(issuing.reinvoice_failed_refund)
    runs.run_closed.connect(issuing.commissions_of_run)
