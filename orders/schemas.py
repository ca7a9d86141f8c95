"""Request and response bodies of cart, shipping, checkout and orders (API.md, "Cart, checkout, orders")."""
from __future__ import annotations

import phonenumbers
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from cooperatives.schemas import Ice
from marketplace.i18n import pick
from marketplace.money import BASE_CURRENCY, CURRENCIES, Money
from marketplace.pagination import PageArgsSchema
from orders.cart import MAX_QUANTITY
from orders.models import OrderStatus, ParcelStatus, PaymentMethod, ShippingZone

COUNTRIES = sorted(phonenumbers.SUPPORTED_REGIONS)
MAX_RATE = 10_000_000  # 100,000.00 MAD


def quantity(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY), **kwargs)


def money(value: Money | None) -> dict | None:
    return value.as_dict() if value is not None else None


# --- requests --------------------------------------------------------------------------------------------------

class CurrencyQuerySchema(Schema):
    currency = fields.String(load_default=BASE_CURRENCY, validate=validate.OneOf(CURRENCIES))


class QuoteQuerySchema(CurrencyQuerySchema):
    country = fields.String(required=True, validate=validate.OneOf(COUNTRIES, error="Not an ISO 3166 country code."))


class CartItemCreateSchema(Schema):
    variant_id = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=2**31 - 1))
    quantity = quantity(required=True)


class CartItemPatchSchema(Schema):
    quantity = quantity(required=True)


class AddressSchema(Schema):
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    line1 = fields.String(required=True, validate=validate.Length(min=1, max=200))
    line2 = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))
    postal_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    country = fields.String(required=True, validate=validate.OneOf(COUNTRIES, error="Not an ISO 3166 country code."))
    phone = fields.String(required=True, validate=validate.Length(min=3, max=30))
    buyer_ice = Ice(allow_none=True, metadata={
        "description": "a business buyer's ICE (15 digits, checked), printed on its invoices"})

    @validates_schema
    def phone_of_a_real_number(self, data, **kwargs):
        """The phone must be a valid number, local to the country or international (stored as E.164)."""
        if "phone" not in data or "country" not in data:
            return
        try:
            number = phonenumbers.parse(data["phone"], data["country"])
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise ValidationError("Not a valid phone number for this country (e.g. +212 6 12 34 56 78).", "phone")
        data["phone"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class CheckoutSchema(Schema):
    shipping_address = fields.Nested(AddressSchema, required=True)
    currency = fields.String(required=True, validate=validate.OneOf(CURRENCIES))
    payment_method = fields.String(required=True, validate=validate.OneOf([m.value for m in PaymentMethod]))


class MoneyInSchema(Schema):
    amount = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=MAX_RATE))
    currency = fields.String(required=True, validate=validate.OneOf(CURRENCIES))


class MadSchema(MoneyInSchema):
    currency = fields.String(required=True, validate=validate.OneOf([BASE_CURRENCY]))


class ShippingRateSchema(Schema):
    zone = fields.String(required=True, validate=validate.OneOf([z.value for z in ShippingZone]))
    base = fields.Nested(MadSchema, required=True)
    per_kg = fields.Nested(MadSchema, required=True)


class ShippingRatesSchema(Schema):
    rates = fields.List(fields.Nested(ShippingRateSchema), required=True, validate=validate.Length(min=1, max=3))

    @validates_schema
    def one_entry_per_zone(self, data, **kwargs):
        zones = [rate["zone"] for rate in data.get("rates", [])]
        if len(zones) != len(set(zones)):
            raise ValidationError("Give each zone once.", "rates")


class OrderQuerySchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf([s.value for s in OrderStatus]))


class ParcelQuerySchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf([s.value for s in ParcelStatus]))


class CancelSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ShipSchema(Schema):
    carrier = fields.String(required=True, validate=validate.Length(min=1, max=60))
    tracking_number = fields.String(required=True, validate=validate.Length(min=1, max=100))


class DeliverSchema(Schema):
    cash_collected = fields.Nested(MoneyInSchema, load_default=None, allow_none=True)


class RefundLineInSchema(Schema):
    line_id = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=2**31 - 1))
    quantity = quantity(required=True)


class RefundCreateSchema(Schema):
    lines = fields.List(fields.Nested(RefundLineInSchema), load_default=list, validate=validate.Length(max=200))
    include_shipping = fields.Boolean(load_default=False)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    restock = fields.Boolean(load_default=False)

    @validates_schema
    def something_to_refund(self, data, **kwargs):
        if not data.get("lines") and not data.get("include_shipping"):
            raise ValidationError("Name lines to refund, or include the shipping.", "lines")


# --- responses -------------------------------------------------------------------------------------------------

class AmountSchema(Schema):
    amount = fields.Integer()
    currency = fields.String()


class CartCooperativeSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class CartItemSchema(Schema):
    id = fields.Function(lambda i: i.item.id)
    variant_id = fields.Function(lambda i: i.variant.id)
    product_id = fields.Function(lambda i: i.product.id)
    product_name = fields.Function(lambda i: pick(i.product.name))
    label = fields.Function(lambda i: i.variant.label)
    quantity = fields.Function(lambda i: i.item.quantity)
    unit_price = fields.Function(lambda i: money(i.unit_price))
    line_total = fields.Function(lambda i: money(i.line_total))
    stock_available = fields.Integer()
    sellable = fields.Boolean()


class CartGroupSchema(Schema):
    cooperative = fields.Nested(CartCooperativeSchema)
    items = fields.List(fields.Nested(CartItemSchema))
    subtotal = fields.Function(lambda g: money(g.subtotal))


class CartSchema(Schema):
    currency = fields.String()
    exchange_rate = fields.Function(lambda c: str(c.exchange_rate))
    groups = fields.List(fields.Nested(CartGroupSchema))
    totals = fields.Function(lambda c: {"items": money(c.items_total), "total": money(c.items_total)})


class ShippingRateOutSchema(Schema):
    zone = fields.String()
    base = fields.Function(lambda r: {"amount": r.base_mad, "currency": BASE_CURRENCY})
    per_kg = fields.Function(lambda r: {"amount": r.per_kg_mad, "currency": BASE_CURRENCY})


class ShippingRatesOutSchema(Schema):
    rates = fields.List(fields.Nested(ShippingRateOutSchema))


class QuoteParcelSchema(Schema):
    cooperative = fields.Nested(CartCooperativeSchema)
    weight_grams = fields.Integer()
    shipping = fields.Nested(AmountSchema)


class QuoteSchema(Schema):
    country = fields.String()
    zone = fields.String()
    currency = fields.String()
    parcels = fields.List(fields.Nested(QuoteParcelSchema))
    total = fields.Nested(AmountSchema)


class OrderLineSchema(Schema):
    id = fields.Integer()
    coop_order_id = fields.Integer()
    variant_id = fields.Integer()
    product_id = fields.Integer()
    product_name = fields.Function(lambda line: pick(line.product_name))
    label = fields.String()
    quantity = fields.Integer()
    unit_price = fields.Function(lambda line: {"amount": line.unit_price, "currency": line.order.currency})
    line_total = fields.Function(lambda line: {"amount": line.line_total, "currency": line.order.currency})
    vat_rate_bps = fields.Integer()
    refunded_quantity = fields.Integer()
    lot_codes = fields.List(fields.String())


class CoopOrderSchema(Schema):
    id = fields.Integer()
    cooperative_id = fields.Integer()
    status = fields.String()
    shipping = fields.Function(lambda p: {"amount": p.shipping_amount, "currency": p.order.currency})
    weight_grams = fields.Integer()
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    shipped_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    cash_collected = fields.Function(
        lambda p: None if p.cash_collected is None else {"amount": p.cash_collected, "currency": p.order.currency})
    cash_flagged = fields.Boolean()


class PaymentSchema(Schema):
    method = fields.String()
    provider = fields.String(allow_none=True)
    status = fields.String()
    amount_due = fields.Function(lambda p: {"amount": p.amount_due, "currency": p.currency})
    amount_captured = fields.Function(lambda p: {"amount": p.amount_captured, "currency": p.currency})
    amount_refunded = fields.Function(lambda p: {"amount": p.amount_refunded, "currency": p.currency})
    payment_intent_id = fields.String(allow_none=True)
    client_secret = fields.String(allow_none=True)
    flagged = fields.Boolean()


class RefundLineSchema(Schema):
    line_id = fields.Integer(attribute="order_line_id")
    quantity = fields.Integer()
    amount = fields.Function(lambda rl: {"amount": rl.amount, "currency": rl.refund.currency})


class RefundSchema(Schema):
    id = fields.Integer()
    amount = fields.Function(lambda r: {"amount": r.amount, "currency": r.currency})
    shipping = fields.Function(lambda r: {"amount": r.shipping_amount, "currency": r.currency})
    reason = fields.String()
    lines = fields.List(fields.Nested(RefundLineSchema))
    include_shipping = fields.Boolean()
    restock = fields.Boolean()
    status = fields.String()
    created_at = fields.DateTime()


class HistorySchema(Schema):
    status = fields.String(attribute="to_state")
    at = fields.DateTime()
    by = fields.Integer(attribute="actor_id", allow_none=True)
    reason = fields.String(allow_none=True)


def _totals(order) -> dict:
    def m(amount):
        return {"amount": amount, "currency": order.currency}

    return {"items": m(order.items_amount), "shipping": m(order.shipping_amount),
            "vat_included": m(order.vat_amount), "total": m(order.total_amount),
            "total_mad": {"amount": order.total_mad, "currency": BASE_CURRENCY}}


class OrderSummarySchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    currency = fields.String()
    exchange_rate = fields.String()
    totals = fields.Function(_totals)
    payment_method = fields.String()
    shipping_address = fields.Dict()
    lines = fields.List(fields.Nested(OrderLineSchema))
    coop_orders = fields.List(fields.Nested(CoopOrderSchema))
    payment = fields.Nested(PaymentSchema)
    refunds = fields.List(fields.Nested(RefundSchema))
    expires_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class OrderSchema(OrderSummarySchema):
    history = fields.Function(lambda order: HistorySchema(many=True).dump(order.history))


class ParcelSchema(CoopOrderSchema):
    order_id = fields.Integer()
    order_number = fields.Function(lambda p: p.order.number)
    order_status = fields.Function(lambda p: p.order.status)
    payment_method = fields.Function(lambda p: p.order.payment_method)
    shipping_address = fields.Function(lambda p: p.order.shipping_address)
    items = fields.Function(lambda p: {"amount": p.items_amount, "currency": p.order.currency})
    lines = fields.List(fields.Nested(OrderLineSchema))


class TraceLineSchema(Schema):
    line_id = fields.Integer()
    order_id = fields.Integer()
    order_number = fields.String()
    order_status = fields.String()
    buyer_country = fields.String()
    units = fields.Integer()
    returned = fields.Integer()
    ordered_at = fields.DateTime()
