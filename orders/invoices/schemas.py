"""Invoice bodies (API.md, "Notifications and invoices")."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from marketplace.pagination import page_schema
from orders.invoices.models import DOCUMENT_LANGUAGES, InvoiceKind, Issuer


class InvoiceSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    kind = fields.String(metadata={"enum": [k.value for k in InvoiceKind]})
    issuer = fields.String(metadata={"enum": [i.value for i in Issuer],
                                     "description": "`cooperative` (to the buyer) or `platform` (its commission)"})
    cooperative_id = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    coop_order_id = fields.Integer(allow_none=True)
    settlement_run_id = fields.Integer(allow_none=True)
    issued_at = fields.DateTime()
    total = fields.Function(lambda i: {"amount": i.total, "currency": i.currency})
    currency = fields.String()
    refers_to = fields.Integer(attribute="refers_to_id", allow_none=True,
                               metadata={"description": "a credit note: the id of the invoice it refers to"})
    refers_to_number = fields.Function(lambda i: i.refers_to.number if i.refers_to_id else None)


class InvoiceListSchema(Schema):
    items = fields.List(fields.Nested(InvoiceSchema))


InvoicePageSchema = page_schema(InvoiceSchema, "InvoicePage")


class PdfArgsSchema(Schema):
    lang = fields.String(load_default="fr", validate=validate.OneOf(DOCUMENT_LANGUAGES))
