"""Error codes of the orders package."""
from __future__ import annotations

from enum import StrEnum


class OrderError(StrEnum):
    CART_EMPTY = "cart_empty"
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    CASH_ON_DELIVERY_UNAVAILABLE = "cash_on_delivery_unavailable"
    SHIPPING_RATE_MISSING = "shipping_rate_missing"
    NOT_CANCELLABLE = "not_cancellable"
    REFUND_EXCEEDS_CAPTURED = "refund_exceeds_captured"
    NOTHING_TO_REFUND = "nothing_to_refund"
    INVALID_TRANSITION = "invalid_transition"
    CURRENCY_MISMATCH = "currency_mismatch"
    NOT_CASH_ON_DELIVERY = "not_cash_on_delivery"
