"""The order side of card payments: the after-commit effects that talk to Stripe through the gateway, and what
the order becomes when they fail. Stripe idempotency keys derive from the order or refund, so a retry of our
own code never creates a second PaymentIntent or refund."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.money import Money
from marketplace.transaction import unit_of_work
from orders import services
from orders.models import Cart, CartItem, Order, OrderStatus, ParcelStatus, Payment, PaymentStatus, Refund
from orders.payments import stripe_gateway


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
