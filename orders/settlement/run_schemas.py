"""Schemas of settlement runs, payouts, statements and earnings (amounts are Money in MAD)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalog.schemas import MoneySchema
from marketplace.pagination import PageArgsSchema, page_schema
from orders.settlement.run_models import Payee, PayoutStatus
from cooperatives.models import REGIONS
from orders.settlement.split import Policy


def Mad(**kwargs):
    return fields.Nested(MoneySchema, **kwargs)


class RunArgsSchema(Schema):
    up_to = fields.Date(required=True, metadata={"description": "settle parcels delivered on or before this day "
                                                                "minus RETURN_WINDOW_DAYS; not after today"})


class PaidArgsSchema(Schema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=120),
                              metadata={"description": "the bank transfer's or the cash receipt's reference"})

    @validates_schema
    def _not_blank(self, data, **_kwargs):
        if not data["reference"].strip():
            raise ValidationError("Must not be blank.", field_name="reference")


class PeriodArgsSchema(Schema):
    from_ = fields.Date(data_key="from", load_default=None, metadata={"description": "first day of the runs (UTC)"})
    to = fields.Date(load_default=None, metadata={"description": "last day of the runs, inclusive (UTC)"})

    @validates_schema
    def _period_runs_forward(self, data, **_kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("`from` must be on or before `to`.", field_name="from")


class TotalsSchema(Schema):
    captured, refunds, fees, commission, reserve, members = Mad(), Mad(), Mad(), Mad(), Mad(), Mad()
    deductions, payable = Mad(), Mad()


class MemberAmountSchema(Schema):
    member_id = fields.Integer()
    full_name = fields.String()
    amount = Mad()


class RunCooperativeSchema(TotalsSchema):
    cooperative_id = fields.Integer()
    name = fields.String()
    parcels_count = fields.Integer()
    members_detail = fields.List(fields.Nested(MemberAmountSchema))


class SettledParcelSchema(Schema):
    coop_order_id = fields.Integer()
    order_number = fields.String()
    cooperative_id = fields.Integer()
    captured, refunds, fees, commission, reserve, members = Mad(), Mad(), Mad(), Mad(), Mad(), Mad()


class PayoutSchema(Schema):
    id = fields.Integer()
    payee = fields.String(validate=validate.OneOf([p.value for p in Payee]))
    cooperative_id = fields.Integer()
    member_id = fields.Integer(allow_none=True)
    full_name = fields.String()
    method = fields.String()
    account = fields.String(allow_none=True, metadata={"description": "masked: •••• 1234"})
    amount = Mad()
    status = fields.String(validate=validate.OneOf([s.value for s in PayoutStatus]))
    reference = fields.String(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)


class RunSummarySchema(Schema):
    id = fields.Integer()
    up_to = fields.Date()
    created_at = fields.DateTime()
    created_by = fields.Integer(allow_none=True)
    parcels_count = fields.Integer()
    totals = fields.Nested(TotalsSchema)


class RunSchema(RunSummarySchema):
    cooperatives = fields.List(fields.Nested(RunCooperativeSchema))
    parcels = fields.List(fields.Nested(SettledParcelSchema))
    payouts = fields.List(fields.Nested(PayoutSchema))


RunPageSchema = page_schema(RunSummarySchema, "SettlementRunPage")
RunPageArgsSchema = PageArgsSchema


class StatementLineSchema(SettledParcelSchema):
    settlement_id = fields.Integer()
    delivered_on = fields.Date()


class DeductionSchema(Schema):
    settlement_id = fields.Integer()
    owed = Mad(metadata={"description": "owed back for refunds after settlement when the run started"})
    deducted = Mad()
    from_reserve = Mad()
    from_members = Mad()
    carried = Mad(metadata={"description": "what the run could not cover, carried into the next"})


class StatementTotalsSchema(Schema):
    captured, refunds, fees, commission, reserve, members = Mad(), Mad(), Mad(), Mad(), Mad(), Mad()
    deductions, paid_out = Mad(), Mad()


class StatementSchema(Schema):
    cooperative_id = fields.Integer()
    from_ = fields.Date(data_key="from", attribute="from", allow_none=True)
    to = fields.Date(allow_none=True)
    lines = fields.List(fields.Nested(StatementLineSchema))
    deductions = fields.List(fields.Nested(DeductionSchema))
    payouts = fields.List(fields.Nested(PayoutSchema))
    totals = fields.Nested(StatementTotalsSchema)


class EarningSchema(Schema):
    settlement_id = fields.Integer()
    coop_order_id = fields.Integer()
    order_number = fields.String()
    amount = Mad()
    basis = fields.String(validate=validate.OneOf([p.value for p in Policy]))


class EarningsSchema(Schema):
    member_id = fields.Integer()
    full_name = fields.String()
    items = fields.List(fields.Nested(EarningSchema))
    total = Mad()


class ImpactArgsSchema(Schema):
    from_ = fields.Date(data_key="from", load_default=None, metadata={"description": "default: 29 days before `to`"})
    to = fields.Date(load_default=None, metadata={"description": "default: today (UTC)"})
    region = fields.String(load_default=None, validate=validate.OneOf(REGIONS))
    public = fields.Boolean(load_default=False, metadata={"description": "aggregates only, open to anyone"})

    @validates_schema
    def _period_runs_forward(self, data, **_kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("`from` must be on or before `to`.", field_name="from")


def _rows(name: str, **columns):
    return fields.List(fields.Nested(Schema.from_dict(columns, name=name)))


class ImpactSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    region = fields.String(allow_none=True)
    cooperatives = fields.Nested(Schema.from_dict({
        "total": fields.Integer(), "verified": fields.Integer(),
        "by_region": _rows("ImpactByRegion", region=fields.String(), total=fields.Integer(),
                           verified=fields.Integer()),
        "by_sector": _rows("ImpactBySector", sector=fields.String(), total=fields.Integer())}, name="ImpactCooperatives"))
    members = fields.Nested(Schema.from_dict({
        "total": fields.Integer(), "women": fields.Integer(), "under_35": fields.Integer(),
        "women_share": fields.Float(), "under_35_share": fields.Float()}, name="ImpactMembers"))
    sales = fields.Nested(Schema.from_dict({
        "orders": fields.Integer(), "parcels": fields.Integer(), "amount": Mad(),
        "by_region": _rows("SalesByRegion", region=fields.String(), amount=Mad()),
        "by_category": _rows("SalesByCategory", category=fields.String(), amount=Mad()),
        "by_buyer_country": _rows("SalesByCountry", country=fields.String(), amount=Mad())}, name="ImpactSales"))
    distributed = fields.Nested(Schema.from_dict({
        "to_members": Mad(), "to_women": Mad(), "women_share": fields.Float()}, name="ImpactDistributed"))
    certifications = fields.Nested(Schema.from_dict({
        "verified": fields.Integer(), "expiring_30_days": fields.Integer()}, name="ImpactCertifications"))


class DashboardSchema(Schema):
    cooperative_id = fields.Integer()
    sales_30_days = fields.Nested(Schema.from_dict({"parcels": fields.Integer(), "amount": Mad()},
                                                   name="DashboardSales"))
    to_ship = _rows("DashboardToShip", coop_order_id=fields.Integer(), order_number=fields.String(),
                    placed_at=fields.DateTime(), lines=_rows("DashboardLine", variant_id=fields.Integer(),
                                                             label=fields.String(), quantity=fields.Integer()))
    low_stock = _rows("DashboardLowStock", variant_id=fields.Integer(), sku=fields.String(),
                      stock_available=fields.Integer())
    certifications_expiring = _rows("DashboardCertification", id=fields.Integer(), kind=fields.String(),
                                    number=fields.String(), expires_on=fields.Date())
    next_payout = fields.Nested(Schema.from_dict({"amount": Mad()}, name="DashboardNextPayout"))
