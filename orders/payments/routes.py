"""Payment providers' callbacks. Not authenticated by token: a webhook proves itself by its signature."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from marketplace.errors import ErrorSchema
from orders.payments import schemas, webhooks

blp = Blueprint("payments", __name__, url_prefix="/api/v1/payments", description="Payment providers' webhooks")


@blp.route("/stripe/webhook", methods=["POST"])
@blp.doc(
    security=[],
    parameters=[{"in": "header", "name": "Stripe-Signature", "required": True, "schema": {"type": "string"},
                 "description": "`t=<unix time>,v1=<HMAC-SHA256 of t.body with the endpoint secret>`"}],
    requestBody={"required": True, "content": {"application/json": {"schema": {"type": "object"}}},
                 "description": "A Stripe event, read as raw bytes for the signature check."},
)
@blp.response(200, schemas.WebhookReceiptSchema)
@blp.alt_response(400, schema=ErrorSchema, description="`invalid_signature`: missing, forged or stale signature, or not an event")
def stripe_webhook():
    """Receive a Stripe event: verified, stored once, handled in the same transaction."""
    return webhooks.receive_event(request.get_data(), request.headers.get("Stripe-Signature"))
