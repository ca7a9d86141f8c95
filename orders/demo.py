"""Demo orders: exchange rates, buyers from Morocco, Senegal, Côte d'Ivoire and Gabon, and orders in several
states (cash on delivery confirmed, shipped, delivered, cancelled; card orders awaiting payment when Stripe is
configured). Safe to run twice: every checkout has a fixed Idempotency-Key."""
from __future__ import annotations

import logging
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from catalog.models import Product, ProductVariant
from catalog.sellability import sellable_clause
from catalog.stock import available_clause
from cooperatives.models import Cooperative
from marketplace.auth import services as accounts
from marketplace.auth.models import Role, User
from marketplace.clock import today
from marketplace.errors import AppError
from marketplace.exchange_rates import current_rates, set_rates
from marketplace.extensions import db
from orders import cancellation, cart, checkout, fulfilment
from orders.models import CoopOrder, OrderStatus, ParcelStatus

log = logging.getLogger(__name__)

RATES = {"EUR": Decimal("0.0921"), "USD": Decimal("0.0998"), "XOF": Decimal("60.41"), "XAF": Decimal("60.41")}
BUYERS = [
    ("leila@buyer.test", "Leila Bennani", {"full_name": "Leila Bennani", "line1": "45 avenue Mohammed V",
                                           "city": "Casablanca", "postal_code": "20000", "country": "MA",
                                           "phone": "+212 6 61 23 45 67"}, "MAD"),
    ("awa@buyer.test", "Awa Ndiaye", {"full_name": "Awa Ndiaye", "line1": "Rue 10, Médina", "city": "Dakar",
                                      "postal_code": "10200", "country": "SN", "phone": "+221 77 123 45 67"}, "XOF"),
    ("koffi@buyer.test", "Koffi Kouassi", {"full_name": "Koffi Kouassi", "line1": "Boulevard Latrille",
                                           "city": "Abidjan", "country": "CI", "phone": "+225 07 07 12 34 56"},
     "XOF"),
    ("jean@buyer.test", "Jean Mba", {"full_name": "Jean Mba", "line1": "Quartier Louis", "city": "Libreville",
                                     "country": "GA", "phone": "+241 06 61 23 45"}, "XAF"),
]
# what happens to each Moroccan cash-on-delivery demo order after checkout
COD_FATES = (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED)


def _buyer(email: str, full_name: str) -> User:
    try:
        return accounts.register_user(email=email, password="souk-demo-2026", full_name=full_name, role=Role.BUYER)
    except AppError:
        return db.session.scalar(select(User).where(User.email == email))


def _stocked_variants(limit: int) -> list[ProductVariant]:
    day = today()
    return list(db.session.scalars(
        select(ProductVariant).join(Product).where(sellable_clause(day), available_clause(day) >= 3,
                                                   ProductVariant.archived_at.is_(None))
        .order_by(ProductVariant.id).limit(limit)))


def _fill(buyer: User, variants: list[ProductVariant]) -> None:
    for variant in variants:
        try:
            cart.add_item(buyer, variant_id=variant.id, quantity=1)
        except AppError:
            continue


def _order(buyer: User, address: dict, currency: str, method: str, key: str, variants: list[ProductVariant]):
    body = {"shipping_address": address, "currency": currency, "payment_method": method}
    try:
        if checkout.previous_order(buyer, key, checkout.request_hash(body)) is None:
            _fill(buyer, variants)
        return checkout.checkout(buyer, body, idempotency_key=key)[0]
    except AppError as error:
        log.warning("demo order %s not placed: %s", key, error.message)
        return None


def _advance(order, fate: OrderStatus, admin: User) -> None:
    parcels = list(db.session.scalars(select(CoopOrder).where(CoopOrder.order_id == order.id)))
    if fate == OrderStatus.CANCELLED and order.status == OrderStatus.CONFIRMED:
        cancellation.cancel(admin, order.id, reason="demo")
    for parcel in parcels:
        if fate in (OrderStatus.SHIPPED, OrderStatus.DELIVERED) and parcel.status == ParcelStatus.TO_SHIP:
            manager = db.session.get(Cooperative, parcel.cooperative_id).managers[0]
            fulfilment.ship(manager, parcel.id, carrier="Amana", tracking_number=f"AM{parcel.id:09d}MA")
        if fate == OrderStatus.DELIVERED and parcel.status == ParcelStatus.SHIPPED:
            fulfilment.deliver(admin, parcel.id, cash_collected=None)


def load() -> None:
    """Exchange rates, four buyers, and demo orders in several states."""
    missing = {c: r for c, r in RATES.items() if c not in current_rates()}
    if missing:
        set_rates(missing, actor_id=None)
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    variants = _stocked_variants(12)
    if admin is None or len(variants) < 4:
        log.warning("demo orders need the demo catalog and an admin; skipped")
        return
    email, name, address, currency = BUYERS[0]
    moroccan = _buyer(email, name)
    for n, fate in enumerate(COD_FATES):
        order = _order(moroccan, address, currency, "cash_on_delivery", f"demo-cod-{n}",
                       variants[n * 2:n * 2 + 2])
        if order is not None:
            _advance(order, fate, admin)
    card = bool(current_app.config["STRIPE_SECRET_KEY"])
    for n, (email, name, address, currency) in enumerate(BUYERS[1:]):
        buyer = _buyer(email, name)
        picks = variants[8 + n % 4:10 + n % 4]
        if card:
            _order(buyer, address, currency, "card", f"demo-card-{n}", picks)
        else:
            _fill(buyer, picks)  # without Stripe, their carts wait for a card payment
