"""Error codes of the payments package and the errors a payment provider's trouble becomes."""
from __future__ import annotations

from enum import StrEnum

from marketplace.errors import AppError, BadRequest


class PaymentError(StrEnum):
    PAYMENT_PROVIDER_UNAVAILABLE = "payment_provider_unavailable"
    PAYMENT_PROVIDER_REJECTED = "payment_provider_rejected"
    PAYMENT_PROVIDER_ERROR = "payment_provider_error"
    INVALID_SIGNATURE = "invalid_signature"
    WEBHOOK_NOT_CONFIGURED = "webhook_not_configured"


class PaymentProviderError(AppError):
    """Stripe answered with an error this platform cannot fix by retrying (bad key, unexpected answer): 502."""

    status, default_code = 502, PaymentError.PAYMENT_PROVIDER_ERROR.value


class PaymentProviderUnavailable(PaymentProviderError):
    """Stripe could not be reached, timed out, or is overloaded: 503, try again later."""

    status, default_code = 503, PaymentError.PAYMENT_PROVIDER_UNAVAILABLE.value


class PaymentProviderRejected(PaymentProviderError):
    """Stripe refused the request for the state of the payment (cancel a paid intent, refund too much): 409."""

    status, default_code = 409, PaymentError.PAYMENT_PROVIDER_REJECTED.value


class InvalidSignature(BadRequest):
    """A webhook delivery that is not provably from Stripe, or not an event: 400, nothing stored."""

    default_code = PaymentError.INVALID_SIGNATURE.value


class WebhookNotConfigured(AppError):
    """No endpoint secret: no delivery can be verified, so none is accepted (Stripe retries later)."""

    status, default_code = 503, PaymentError.WEBHOOK_NOT_CONFIGURED.value
