"""Checkout: the cart becomes an order in one unit of work — sellability re-checked, stock drawn from lots
first-expiring first, prices, VAT rates and the exchange rate snapshotted, one parcel per cooperative."""
from __future__ import annotations

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog.errors import CatalogError, NotSellable
from marketplace.auth.models import User
from marketplace.clock import now
from marketplace.errors import Conflict, ValidationFailed
from marketplace.exchange_rates import rate_for
from marketplace.extensions import db
from marketplace.money import BASE_CURRENCY, convert
from marketplace.transaction import unit_of_work
from orders import card_payments, cart, expiry, services, shipping
from orders.errors import OrderError
from orders.models import (
    CoopOrder, Order, OrderLine, OrderStatus, ParcelStatus, Payment, PaymentMethod, PaymentStatus,
)
from orders.payments.errors import PaymentProviderUnavailable


def request_hash(body: dict[str, Any]) -> str:
    """A fingerprint of the request body: the same key with another body is refused."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def vat_included(line_total: int, vat_rate_bps: int) -> int:
    """The VAT inside a VAT-inclusive amount: total × rate / (1 + rate), rounded half up to the minor unit."""
    exact = Decimal(line_total) * vat_rate_bps / (10_000 + vat_rate_bps)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def previous_order(buyer: User, key: str, fingerprint: str) -> Order | None:
    """The order a key already made (409 when it was made from another body), or None."""
    order = db.session.scalar(select(Order).where(Order.buyer_id == buyer.id, Order.idempotency_key == key))
    if order is not None and order.request_hash != fingerprint:
        raise Conflict(OrderError.IDEMPOTENCY_KEY_REUSED,
                       "This Idempotency-Key was used for another checkout; use a new key for a new order.")
    return order


def _check_method(body: dict) -> None:
    if body["payment_method"] == PaymentMethod.CASH_ON_DELIVERY and body["shipping_address"]["country"] != "MA":
        raise ValidationFailed(OrderError.CASH_ON_DELIVERY_UNAVAILABLE,
                               "Cash on delivery is only available for addresses in Morocco.",
                               {"payment_method": ["Cash on delivery is only available in Morocco (MA)."]})


def _ensure_sellable(priced: cart.PricedCart) -> None:
    blocked = [item for item in priced.items if not item.sellable]
    if blocked:
        raise NotSellable(CatalogError.NOT_SELLABLE, "Remove the items that can no longer be sold, then check out.",
                          {"items": [{"id": i.item.id, "variant_id": i.variant.id} for i in blocked]})


def _add_parcels(order: Order, priced: cart.PricedCart, country: str, rates: dict, lines: list[OrderLine]) -> int:
    """One parcel per cooperative with its lines; adds up the order's amounts and returns the total in MAD."""
    currency, total_mad = priced.currency, 0
    rate = shipping.zone_rate(country)
    for group in priced.groups:
        shipping_mad = shipping.parcel_cost(group.weight_grams, rate)
        parcel = CoopOrder(order=order, cooperative_id=group.cooperative.id, weight_grams=group.weight_grams,
                           items_amount=group.subtotal.amount, shipping_mad=shipping_mad.amount,
                           shipping_amount=convert(shipping_mad, currency, rates).amount)
        db.session.add(parcel)
        order.items_amount += parcel.items_amount
        order.shipping_amount += parcel.shipping_amount
        total_mad += shipping_mad.amount
        for item in group.items:
            variant, product = item.variant, item.product
            line = OrderLine(order=order, coop_order=parcel, variant_id=variant.id, product_id=product.id,
                             product_name=product.name, label=variant.label, quantity=item.item.quantity,
                             unit_price=item.unit_price.amount, unit_price_mad=variant.price_amount,
                             line_total=item.line_total.amount, vat_rate_bps=product.category.vat_rate_bps)
            line.vat_amount = vat_included(line.line_total, line.vat_rate_bps)
            order.vat_amount += line.vat_amount
            total_mad += variant.price_amount * line.quantity
            db.session.add(line)
            lines.append(line)
    return total_mad


def _build_order(buyer: User, body: dict, key: str, fingerprint: str, priced: cart.PricedCart) -> Order:
    currency, country = priced.currency, body["shipping_address"]["country"]
    rates = {currency: priced.exchange_rate} if currency != BASE_CURRENCY else {}
    card = body["payment_method"] == PaymentMethod.CARD
    order = Order(buyer_id=buyer.id, currency=currency, exchange_rate=str(priced.exchange_rate),
                  shipping_address=body["shipping_address"], country=country, payment_method=body["payment_method"],
                  idempotency_key=key, request_hash=fingerprint, items_amount=0, shipping_amount=0, vat_amount=0,
                  total_amount=0, total_mad=0, refunds=[],
                  expires_at=now() + expiry.reservation_window() if card else None)
    db.session.add(order)
    lines: list[OrderLine] = []
    # Nothing is flushed before the draw has locked the variants: an inserted line's foreign key would take a share
    # lock on its variant that deadlocks against another checkout's FOR UPDATE on it (PostgreSQL); and the order
    # is flushed once its totals add up (a check constraint).
    with db.session.no_autoflush:
        total_mad = _add_parcels(order, priced, country, rates, lines)
        order.total_amount = order.items_amount + order.shipping_amount
        order.total_mad = total_mad
        services.draw_stock(order, lines)
    db.session.add(Payment(order=order, method=body["payment_method"], currency=currency,
                           provider="stripe" if card else None, amount_due=order.total_amount))
    db.session.flush()
    order.number = f"SC-{order.id:07d}"
    with db.session.no_autoflush:  # the history rows and new statuses go out together in one flush
        services.move_payment(order.payment, PaymentStatus.PENDING, actor_id=buyer.id)
        for parcel in order.coop_orders:
            services.move_parcel(parcel, ParcelStatus.AWAITING_PAYMENT if card else ParcelStatus.TO_SHIP,
                                 actor_id=buyer.id, reason="checkout")
        services.move_order(order, OrderStatus.PENDING_PAYMENT if card else OrderStatus.CONFIRMED,
                            actor_id=buyer.id, reason="checkout")
    return order


def checkout(buyer: User, body: dict, *, idempotency_key: str | None) -> tuple[Order, bool]:
    """Turn the buyer's cart into an order; returns (order, created). The same key and body give the same order."""
    if not idempotency_key or not idempotency_key.strip():
        raise ValidationFailed(OrderError.IDEMPOTENCY_KEY_REQUIRED,
                               "Send an Idempotency-Key header (a fresh random value per checkout).",
                               {"Idempotency-Key": ["Missing header: a fresh random value per checkout."]})
    key, fingerprint = idempotency_key.strip(), request_hash(body)
    replayed = previous_order(buyer, key, fingerprint)
    if replayed is not None:
        return replayed, False
    _check_method(body)
    rate_for(body["currency"])
    try:
        with unit_of_work(keep_loaded=True) as uow:
            items = cart.items_of(buyer)
            if not items:
                raise Conflict(OrderError.CART_EMPTY, "The cart is empty.")
            priced = cart.price_items(items, body["currency"])
            _ensure_sellable(priced)
            variant_ids = [item.variant.id for item in priced.items]
            expiry.expire_holding(variant_ids)
            order = _build_order(buyer, body, key, fingerprint, priced)
            cart.clear(buyer)
            if order.payment_method == PaymentMethod.CARD:
                uow.after_commit(card_payments.create_intent, order.id,
                                 on_failure=card_payments.abandon_unpayable(order.id))
    except IntegrityError:
        # the same key raced in from another request of the same buyer: answer with its order
        replayed = previous_order(buyer, key, fingerprint)
        if replayed is None:
            raise
        return replayed, False
    if order.payment_method == PaymentMethod.CARD:  # the payment effect wrote in its own session
        db.session.refresh(order)
        db.session.refresh(order.payment)
        if order.status == OrderStatus.CANCELLED:
            raise PaymentProviderUnavailable()
    return order, True
