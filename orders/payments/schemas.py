"""Payment webhooks: the shape a Stripe event must have, and the receipt answered to Stripe."""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields
from marshmallow.validate import Length, Range


class StripeEventDataSchema(Schema):
    class Meta:
        unknown = INCLUDE

    object = fields.Dict(required=True)


class StripeEventSchema(Schema):
    """The fields of a Stripe event the platform relies on; the rest is stored as received."""

    class Meta:
        unknown = INCLUDE

    id = fields.String(required=True, validate=Length(min=1, max=255))
    type = fields.String(required=True, validate=Length(min=1, max=100))
    created = fields.Integer(required=True, strict=True, validate=Range(min=0, max=253402300799))
    data = fields.Nested(StripeEventDataSchema, required=True)


class WebhookReceiptSchema(Schema):
    received = fields.Boolean(required=True, metadata={"description": "always true: Stripe must not retry"})
    duplicate = fields.Boolean(required=True,
                               metadata={"description": "true when this event id was already processed"})
