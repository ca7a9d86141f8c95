"""Request and response schemas of settlement and the ledger."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalog.schemas import MoneySchema
from marketplace.pagination import PageArgsSchema, page_schema
from orders.settlement.accounts import ACCOUNT_PATTERN
from orders.settlement.models import EntryKind


class LedgerArgsSchema(PageArgsSchema):
    account = fields.String(validate=validate.Regexp(
        ACCOUNT_PATTERN, error="Not a ledger account (e.g. bank, cooperative:12:reserve, member:57:payable)."))
    from_ = fields.Date(data_key="from", metadata={"description": "first day, inclusive (UTC)"})
    to = fields.Date(metadata={"description": "last day, inclusive (UTC)"})

    @validates_schema
    def _period_runs_forward(self, data, **_kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("`from` must be on or before `to`.", field_name="from")


class JournalLineSchema(Schema):
    account = fields.String()
    debit = fields.Nested(MoneySchema, attribute="debit_money")
    credit = fields.Nested(MoneySchema, attribute="credit_money")


class JournalEntrySchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    kind = fields.String(validate=validate.OneOf([kind.value for kind in EntryKind]))
    reference = fields.String()
    reverses_id = fields.Integer(allow_none=True)
    lines = fields.List(fields.Nested(JournalLineSchema))


JournalPageSchema = page_schema(JournalEntrySchema, "JournalEntryPage")
