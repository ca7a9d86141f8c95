"""The order side of card payments: the after-commit effects that talk to Stripe through the gateway, and what
the order becomes when they fail. Stripe idempotency keys derive from the order or refund, so a retry of our
own code never creates a second PaymentIntent or refund."""
from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from flask import current_app
from sqlalchemy import exists, select

from marketplace.errors import AppError
from marketplace.exchange_rates import current_rates
from marketplace.extensions import db
from marketplace.money import BASE_CURRENCY, Money, convert
from marketplace.transaction import after_commit, unit_of_work
from orders import events, services
from orders.models import Cart, CartItem, CoopOrder, Order, OrderStatus, ParcelStatus, Payment, PaymentStatus, Refund
from orders.payments import stripe_gateway
from orders.settlement.run_models import SettledParcel

log = logging.getLogger(__name__)


def intent_key(order: Order) -> str:
    return f"order-{order.number}-intent"


def create_intent(order_id: int) -> None:
    """Create the order's PaymentIntent (amount in the order currency) and keep its id and client secret."""
    order = db.session.get(Order, order_id)
    intent = stripe_gateway.create_payment_intent(order.money(order.total_amount), order_number=order.number,
                                                  idempotency_key=intent_key(order))
    with unit_of_work():
        payment = db.session.scalar(select(Payment).where(Payment.order_id == order_id).with_for_update())
        payment.payment_intent_id, payment.client_secret = intent.id, intent.client_secret


def _restore_cart(order: Order) -> None:
    cart = db.session.scalar(select(Cart).where(Cart.buyer_id == order.buyer_id))
    if cart is None:
        cart = Cart(buyer_id=order.buyer_id)
        db.session.add(cart)
        db.session.flush()
    in_cart = {item.variant_id for item in db.session.scalars(select(CartItem).where(CartItem.cart_id == cart.id))}
    for line in order.lines:
        if line.variant_id not in in_cart:
            db.session.add(CartItem(cart_id=cart.id, variant_id=line.variant_id, quantity=line.quantity))


def abandon_unpayable(order_id: int) -> Callable[[BaseException], None]:
    """The failure handler of `create_intent`: an order nobody can pay gives its stock back at once, its lines go
    back to the cart and its Idempotency-Key is freed, so the buyer's retry with the same key checks out anew."""

    def abandon(error: BaseException) -> None:
        with unit_of_work():
            order = services.lock_order(order_id)
            if order is None or order.status != OrderStatus.PENDING_PAYMENT:
                return
            reason = "the payment provider could not be reached"
            services.release_stock(order)
            services.move_order(order, OrderStatus.CANCELLED, actor_id=None, reason=reason)
            for parcel in order.coop_orders:
                services.move_parcel(parcel, ParcelStatus.CANCELLED, actor_id=None, reason=reason)
            services.move_payment(order.payment, PaymentStatus.CANCELLED, actor_id=None, reason=reason)
            order.payment.last_error = str(error)[:500]
            order.idempotency_key = None
            _restore_cart(order)

    return abandon


def cancel_intent(order_id: int) -> None:
    """Cancel the order's PaymentIntent at Stripe (nothing was captured)."""
    order = db.session.get(Order, order_id)
    if order.payment.payment_intent_id:
        stripe_gateway.cancel_payment_intent(order.payment.payment_intent_id,
                                             idempotency_key=f"order-{order.number}-cancel")


def send_refund(refund_id: int) -> None:
    """Ask Stripe to refund; the outcome arrives later as `charge.refunded`."""
    refund = db.session.get(Refund, refund_id)
    payment = refund.order.payment
    result = stripe_gateway.create_refund(payment.payment_intent_id, Money(refund.amount, refund.currency),
                                          idempotency_key=f"refund-{refund.id}")
    with unit_of_work():
        db.session.get(Refund, refund_id).provider_refund_id = result.id


def fee_in_mad(order: Order, fee: Money) -> int | None:
    """The provider's fee in MAD minor units: converted with the order's own rate when it is in the order's
    currency, with the day's rate for another currency; None when no rate is known for it."""
    if fee.currency == BASE_CURRENCY:
        return fee.amount
    if fee.currency == order.currency:
        rate = Decimal(order.exchange_rate)
    else:
        rate = current_rates().get(fee.currency)
        if rate is None:
            return None
    return convert(fee, BASE_CURRENCY, {fee.currency: rate}).amount


def charge_id_of(intent: dict) -> str | None:
    charge = intent.get("latest_charge")
    charge = charge.get("id") if isinstance(charge, dict) else charge
    return charge if isinstance(charge, str) and charge else None


def record_capture_fee(payment: Payment, intent: dict) -> None:
    """At capture (in the webhook's unit of work): the fee from the charge's balance transaction when the event
    carries it expanded; otherwise, after the commit, ask the provider for it (PAYMENT_FEE_FROM_PROVIDER)."""
    charge = intent.get("latest_charge")
    fee = stripe_gateway.balance_transaction_fee(charge.get("balance_transaction")) \
        if isinstance(charge, dict) else None
    if fee is not None:
        payment.provider_fee_mad = fee_in_mad(payment.order, fee)
    charge_id = charge_id_of(intent)
    if payment.provider_fee_mad is None and charge_id and current_app.config["PAYMENT_FEE_FROM_PROVIDER"]:
        after_commit(fetch_provider_fee, payment.id, charge_id,
                     on_failure=lambda error: log.warning("no fee for charge %s: %s", charge_id, error))


def fetch_provider_fee(payment_id: int, charge_id: str) -> None:
    """Ask the provider for the fee of the payment's charge and keep it, unless it is already known or a parcel
    of the order was settled meanwhile (with the fee model); the ledger follows (`provider_fee_known`)."""
    try:
        fee = stripe_gateway.charge_fee(charge_id)
    except AppError as error:
        log.warning("the fee of charge %s is unknown: %s", charge_id, error)
        return
    if fee is None:
        return
    with unit_of_work():
        order_id = db.session.scalar(select(Payment.order_id).where(Payment.id == payment_id))
        order = services.lock_order(order_id)
        payment = order.payment
        settled = db.session.scalar(select(exists().where(SettledParcel.coop_order_id == CoopOrder.id,
                                                          CoopOrder.order_id == order.id)))
        if payment.provider_fee_mad is not None or settled:
            return
        payment.provider_fee_mad = fee_in_mad(order, fee)
        if payment.provider_fee_mad is not None:
            events.provider_fee_known.send(payment)
