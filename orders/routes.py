"""Cart, shipping, checkout, orders and parcels: parse, authorise, call one service, serialise."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from marketplace.auth.models import Role
from marketplace.auth.permissions import auth_required, require_user
from marketplace.pagination import page_schema
from marketplace.transaction import unit_of_work
from orders import cancellation, cart, checkout, fulfilment, refunds, schemas, services, shipping

blp = Blueprint("orders", __name__, url_prefix="/api/v1", description="Cart, shipping, checkout, orders, parcels")

IDEMPOTENCY_KEY = {"Idempotency-Key": {"description": "a fresh random value per attempt; required",
                                       "schema": {"type": "string", "maxLength": 255}, "required": True}}


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    return key[:255] if key else key


@blp.route("/cart", methods=["GET"])
@auth_required(Role.BUYER)
@blp.arguments(schemas.CurrencyQuerySchema, location="query")
@blp.response(200, schemas.CartSchema)
def get_cart(args):
    """The buyer's cart grouped by cooperative, priced in `currency` (default MAD)."""
    return cart.get_cart(require_user(), currency=args["currency"])


@blp.route("/cart/items", methods=["POST"])
@auth_required(Role.BUYER)
@blp.arguments(schemas.CartItemCreateSchema)
@blp.arguments(schemas.CurrencyQuerySchema, location="query")
@blp.response(201, schemas.CartSchema)
def add_cart_item(body, args):
    """Add units of a sellable variant; 409 `not_sellable`, `certification_required` or `out_of_stock`."""
    return cart.add_item(require_user(), **body, currency=args["currency"])


@blp.route("/cart/items/<int:item_id>", methods=["PATCH"])
@auth_required(Role.BUYER)
@blp.arguments(schemas.CartItemPatchSchema)
@blp.arguments(schemas.CurrencyQuerySchema, location="query")
@blp.response(200, schemas.CartSchema)
def patch_cart_item(body, args, item_id: int):
    """Change a line's quantity, within the stock available."""
    return cart.set_quantity(require_user(), item_id, quantity=body["quantity"], currency=args["currency"])


@blp.route("/cart/items/<int:item_id>", methods=["DELETE"])
@auth_required(Role.BUYER)
@blp.response(204)
def delete_cart_item(item_id: int):
    """Remove a line from the cart."""
    cart.remove_item(require_user(), item_id)


@blp.route("/shipping/quote", methods=["GET"])
@auth_required(Role.BUYER)
@blp.arguments(schemas.QuoteQuerySchema, location="query")
@blp.response(200, schemas.QuoteSchema)
def shipping_quote(args):
    """Shipping for the current cart to `country`, one parcel per cooperative."""
    return shipping.quote(require_user(), country=args["country"], currency=args["currency"])


@blp.route("/admin/shipping-rates", methods=["GET"])
@blp.response(200, schemas.ShippingRatesOutSchema)
def get_shipping_rates():
    """The shipping rate table: base and per started kilogram, per zone, in MAD."""
    return {"rates": shipping.rate_table()}


@blp.route("/admin/shipping-rates", methods=["PUT"])
@auth_required(Role.ADMIN)
@blp.arguments(schemas.ShippingRatesSchema)
@blp.response(200, schemas.ShippingRatesOutSchema)
def put_shipping_rates(body):
    """Set the rates of the zones named; the others keep theirs."""
    with unit_of_work():
        table = shipping.set_rates(body["rates"])
    return {"rates": table}


@blp.route("/checkout", methods=["POST"])
@auth_required(Role.BUYER)
@blp.arguments(schemas.CheckoutSchema)
@blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", **IDEMPOTENCY_KEY["Idempotency-Key"]}])
@blp.response(201, schemas.OrderSchema)
@blp.alt_response(200, schema=schemas.OrderSchema, description="the same key and body again: the same order")
def post_checkout(body):
    """Turn the cart into an order (one parcel per cooperative); card orders carry the Stripe PaymentIntent."""
    order, created = checkout.checkout(require_user(), body, idempotency_key=_idempotency_key())
    return order, 201 if created else 200


@blp.route("/orders", methods=["GET"])
@auth_required()
@blp.arguments(schemas.OrderQuerySchema, location="query")
@blp.response(200, page_schema(schemas.OrderSummarySchema, "OrderPage"))
def list_orders(args):
    """The buyer's own orders (admins: every order), newest first."""
    return services.list_orders(require_user(), **args)


@blp.route("/orders/<int:order_id>", methods=["GET"])
@auth_required()
@blp.response(200, schemas.OrderSchema)
def get_order(order_id: int):
    """One order with its lines, parcels, payment, refunds and history (buyer: own; admin: any)."""
    return services.get_order(require_user(), order_id)


@blp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@auth_required(Role.BUYER, Role.ADMIN)
@blp.arguments(schemas.CancelSchema)
@blp.response(200, schemas.OrderSchema)
def cancel_order(body, order_id: int):
    """Cancel before shipment: stock back to its lots; a card payment cancelled or refunded."""
    return cancellation.cancel(require_user(), order_id, reason=body["reason"])


@blp.route("/orders/<int:order_id>/refunds", methods=["POST"])
@auth_required(Role.ADMIN, Role.COOPERATIVE)
@blp.arguments(schemas.RefundCreateSchema)
@blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", **IDEMPOTENCY_KEY["Idempotency-Key"]}])
@blp.response(201, schemas.OrderSchema)
@blp.alt_response(200, schema=schemas.OrderSchema, description="the same key and body again: nothing more")
def create_refund(body, order_id: int):
    """Refund lines and quantities (optionally shipping, optionally restocking); never more than captured."""
    order, created = refunds.create_refund(require_user(), order_id, body, idempotency_key=_idempotency_key())
    return order, 201 if created else 200


@blp.route("/cooperatives/<int:cooperative_id>/orders", methods=["GET"])
@auth_required(Role.COOPERATIVE, Role.ADMIN)
@blp.arguments(schemas.ParcelQuerySchema, location="query")
@blp.response(200, page_schema(schemas.ParcelSchema, "ParcelPage"))
def cooperative_parcels(args, cooperative_id: int):
    """The cooperative's parcels to prepare and ship, oldest first."""
    return fulfilment.parcels_of(require_user(), cooperative_id, **args)


@blp.route("/coop-orders/<int:coop_order_id>/ship", methods=["POST"])
@auth_required(Role.COOPERATIVE)
@blp.arguments(schemas.ShipSchema)
@blp.response(200, schemas.ParcelSchema)
def ship_parcel(body, coop_order_id: int):
    """Hand the parcel to a carrier, with its tracking number."""
    return fulfilment.ship(require_user(), coop_order_id, **body)


@blp.route("/coop-orders/<int:coop_order_id>/deliver", methods=["POST"])
@auth_required(Role.COOPERATIVE, Role.ADMIN)
@blp.arguments(schemas.DeliverSchema)
@blp.response(200, schemas.ParcelSchema)
def deliver_parcel(body, coop_order_id: int):
    """The parcel reached the buyer; cash on delivery records the cash collected."""
    return fulfilment.deliver(require_user(), coop_order_id, cash_collected=body["cash_collected"])
