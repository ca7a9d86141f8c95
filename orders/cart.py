"""The buyer's cart: lines at the current catalog price, grouped by cooperative, priced in any currency."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload, selectinload

from catalog.errors import OutOfStock
from catalog.models import Product, ProductVariant
from catalog.presentation import present_variants
from catalog.sellability import ensure_sellable
from catalog.stock import available_by_variant
from cooperatives.models import Cooperative
from marketplace.auth.models import User
from marketplace.auth.permissions import found
from marketplace.clock import today
from marketplace.errors import ValidationFailed
from marketplace.exchange_rates import rate_for
from marketplace.extensions import db
from marketplace.money import BASE_CURRENCY, Money, convert
from marketplace.transaction import unit_of_work
from orders import expiry
from orders.models import Cart, CartItem

MAX_QUANTITY = 999


@dataclass
class PricedItem:
    item: CartItem
    variant: ProductVariant
    unit_price: Money
    stock_available: int
    sellable: bool

    @property
    def line_total(self) -> Money:
        return self.unit_price * self.item.quantity

    @property
    def product(self) -> Product:
        return self.variant.product


@dataclass
class Group:
    cooperative: Cooperative
    items: list[PricedItem] = field(default_factory=list)

    @property
    def subtotal(self) -> Money:
        return sum((i.line_total for i in self.items[1:]), self.items[0].line_total)

    @property
    def weight_grams(self) -> int:
        return sum(i.variant.weight_grams * i.item.quantity for i in self.items)


@dataclass
class PricedCart:
    currency: str
    exchange_rate: Decimal
    groups: list[Group]

    @property
    def items(self) -> list[PricedItem]:
        return [item for group in self.groups for item in group.items]

    @property
    def items_total(self) -> Money:
        return sum((group.subtotal for group in self.groups), Money.zero(self.currency))


def _cart_for(buyer: User) -> Cart:
    """The buyer's cart, created on first use."""
    cart = db.session.scalar(select(Cart).where(Cart.buyer_id == buyer.id))
    if cart is None:
        cart = Cart(buyer_id=buyer.id)
        db.session.add(cart)
        db.session.flush()
    return cart


def price_items(items: list[CartItem], currency: str, *, day: date | None = None) -> PricedCart:
    """Price cart lines at the current catalog price in `currency` (admin exchange rate), grouped by cooperative."""
    day = day or today()
    rate = rate_for(currency)
    rates = {currency: rate} if currency != BASE_CURRENCY else {}
    variants = {v.id: v for v in db.session.scalars(
        select(ProductVariant).where(ProductVariant.id.in_([item.variant_id for item in items])).options(
            joinedload(ProductVariant.product).joinedload(Product.cooperative)
            .selectinload(Cooperative.certifications),
            joinedload(ProductVariant.product).joinedload(Product.category)))} if items else {}
    offered = present_variants(list(variants.values()), day)
    groups: dict[int, Group] = {}
    for item in items:
        variant = variants[item.variant_id]
        group = groups.setdefault(variant.product.cooperative_id, Group(variant.product.cooperative))
        group.items.append(PricedItem(item, variant, convert(variant.price, currency, rates),
                                      offered[variant.id].stock_available, offered[variant.id].sellable))
    return PricedCart(currency, rate, sorted(groups.values(), key=lambda g: g.cooperative.id))


def get_cart(buyer: User, *, currency: str = BASE_CURRENCY) -> PricedCart:
    """The buyer's cart priced in `currency`; 409 `exchange_rate_missing` when no rate is set for it."""
    return price_items(items_of(buyer), currency)


def _sellable_variant(variant_id: int) -> ProductVariant:
    variant = db.session.scalar(select(ProductVariant).where(ProductVariant.id == variant_id).options(
        joinedload(ProductVariant.product).joinedload(Product.cooperative).selectinload(Cooperative.certifications),
        joinedload(ProductVariant.product).joinedload(Product.category)))
    found(variant, visible=variant is not None and variant.archived_at is None, what="variant")
    ensure_sellable(variant.product)
    return variant


def ensure_available(variant: ProductVariant, quantity: int) -> None:
    """409 `out_of_stock` when fewer than `quantity` units can be ordered, after releasing expired reservations."""
    day = today()
    if available_by_variant([variant], day)[variant.id] >= quantity:
        return
    if expiry.expire_holding([variant.id]):
        db.session.expire(variant)
        if available_by_variant([variant], day)[variant.id] >= quantity:
            return
    available = available_by_variant([variant], day)[variant.id]
    raise OutOfStock(message="Not enough stock for this variant.", details={
        "variants": [{"variant_id": variant.id, "requested": quantity, "available": available}]})


def add_item(buyer: User, *, variant_id: int, quantity: int, currency: str = BASE_CURRENCY) -> PricedCart:
    """Add units of a sellable variant (to the line already there, if any) within the stock available."""
    with unit_of_work():
        variant = _sellable_variant(variant_id)
        cart = _cart_for(buyer)
        item = db.session.scalar(select(CartItem).where(CartItem.cart_id == cart.id,
                                                        CartItem.variant_id == variant_id))
        wanted = quantity + (item.quantity if item else 0)
        if wanted > MAX_QUANTITY:
            raise ValidationFailed(message="Too many units of one variant.",
                                   details={"quantity": [f"At most {MAX_QUANTITY} units of one variant."]})
        ensure_available(variant, wanted)
        if item is None:
            db.session.add(CartItem(cart_id=cart.id, variant_id=variant_id, quantity=quantity))
        else:
            item.quantity = wanted
    return get_cart(buyer, currency=currency)


def _own_item(buyer: User, item_id: int) -> CartItem:
    item = db.session.scalar(select(CartItem).join(Cart).where(CartItem.id == item_id, Cart.buyer_id == buyer.id)
                             .options(selectinload(CartItem.cart)))
    return found(item, what="cart item")


def set_quantity(buyer: User, item_id: int, *, quantity: int, currency: str = BASE_CURRENCY) -> PricedCart:
    """Change a line's quantity, within the stock available (the product must still be sellable)."""
    with unit_of_work():
        item = _own_item(buyer, item_id)
        variant = _sellable_variant(item.variant_id)
        ensure_available(variant, quantity)
        item.quantity = quantity
    return get_cart(buyer, currency=currency)


def remove_item(buyer: User, item_id: int) -> None:
    """Take a line out of the cart."""
    with unit_of_work():
        db.session.delete(_own_item(buyer, item_id))


def clear(buyer: User) -> None:
    """Empty the buyer's cart (inside the checkout's unit of work)."""
    db.session.execute(delete(CartItem).where(CartItem.cart_id.in_(select(Cart.id).where(Cart.buyer_id == buyer.id)))
                       .execution_options(synchronize_session=False))


def items_of(buyer: User) -> list[CartItem]:
    """The buyer's cart lines in the order they were added, in one query."""
    return list(db.session.scalars(
        select(CartItem).join(Cart).where(Cart.buyer_id == buyer.id).order_by(CartItem.id)))
