"""What happened to an order's money, told synchronously inside the unit of work that changed it, so whoever
listens (the ledger) writes in the same transaction: an error there rolls the whole event back."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

payment_captured = _signals.signal("payment-captured")  # sender: the Payment, card captured in full
cash_collected = _signals.signal("cash-collected")  # sender: the CoopOrder whose cash was collected
refund_recorded = _signals.signal("refund-recorded")  # sender: the Refund, its lines and parcels set
refund_failed = _signals.signal("refund-failed")  # sender: the Refund the provider refused
# sender: the Payment whose provider fee became known after its capture was recorded
provider_fee_known = _signals.signal("provider-fee-known")
order_status_changed = _signals.signal("order-status-changed")  # sender: the Order; from_state=, to_state=
parcel_status_changed = _signals.signal("parcel-status-changed")  # sender: the CoopOrder; from_state=, to_state=
payout_paid = _signals.signal("payout-paid")  # sender: the Payout the treasurer marked paid
