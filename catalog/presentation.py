"""What a viewer sees of products on a given day, built in one place as immutable views.

Whether a product sells, the units a buyer may order and the certifications shown depend on the day (and the
reasons on who asks), so they are never stored on the ORM rows: they live on the `ProductView` and
`VariantView` built here, and the response schemas refuse anything else. Loading is batched: a constant
number of queries whatever the number of products.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from catalog.models import Category, Product, ProductImage, ProductVariant
from catalog.sellability import covers, sellability_reasons
from catalog.stock import available_by_variant
from cooperatives.models import CertificationStatus, Cooperative
from marketplace.extensions import db
from marketplace.money import Money


@dataclass(frozen=True)
class CertificationBadge:
    kind: str
    number: str
    status: str
    expires_on: date | None


@dataclass(frozen=True)
class VariantView:
    """A variant as offered on one day: its row, the units a buyer may order, whether it can be bought."""

    variant: ProductVariant
    stock_available: int
    sellable: bool

    @property
    def id(self) -> int:
        return self.variant.id

    @property
    def sku(self) -> str:
        return self.variant.sku

    @property
    def label(self) -> str:
        return self.variant.label

    @property
    def weight_grams(self) -> int:
        return self.variant.weight_grams

    @property
    def price(self) -> Money:
        return self.variant.price


@dataclass(frozen=True)
class ProductView:
    """A product as shown on one day: its row plus what the day (and the viewer) decide.

    `sellability_reasons` is None unless the viewer may read them (the product's managers, admins);
    `highlight` is set for search hits only.
    """

    product: Product
    sellable: bool
    variants: tuple[VariantView, ...]
    certifications: tuple[CertificationBadge, ...]
    sellability_reasons: tuple[dict[str, str], ...] | None = None
    highlight: str | None = None

    @property
    def id(self) -> int:
        return self.product.id

    @property
    def cooperative_id(self) -> int:
        return self.product.cooperative_id

    @property
    def cooperative(self) -> Cooperative:
        return self.product.cooperative

    @property
    def category(self) -> Category:
        return self.product.category

    @property
    def name(self) -> dict[str, str]:
        return self.product.name

    @property
    def description(self) -> dict[str, str]:
        return self.product.description

    @property
    def origin_region(self) -> str:
        return self.product.origin_region

    @property
    def status(self) -> str:
        return self.product.status

    @property
    def images(self) -> list[ProductImage]:
        return self.product.images

    @property
    def price_min(self) -> int | None:
        return self.product.price_min

    @property
    def created_at(self) -> datetime:
        return self.product.created_at

    @property
    def updated_at(self) -> datetime:
        return self.product.updated_at


def display_options() -> tuple[LoaderOption, ...]:
    """Loader options that bring everything a product's JSON shows, whatever the number of products."""
    return (
        joinedload(Product.cooperative, innerjoin=True).selectinload(Cooperative.certifications),
        joinedload(Product.category, innerjoin=True),
        selectinload(Product.variants),
        selectinload(Product.images),
    )


def _badges(product: Product, day: date) -> tuple[CertificationBadge, ...]:
    return tuple(CertificationBadge(c.kind, c.number, c.effective_status(day), c.expires_on)
                 for c in product.cooperative.certifications
                 if c.status == CertificationStatus.VERIFIED and covers(c, product.id))


def present(products: Sequence[Product], day: date, *, explain: bool = False) -> list[ProductView]:
    """Views of products loaded with `display_options()` (one more query, for stock), in the same order.

    `explain` keeps the reasons a product cannot be sold, for viewers allowed to read them.
    """
    stock = available_by_variant([v for product in products for v in product.active_variants], day)
    views = []
    for product in products:
        reasons = sellability_reasons(product, day)
        variants = tuple(VariantView(v, stock[v.id], not reasons) for v in product.active_variants)
        views.append(ProductView(product, not reasons, variants, _badges(product, day),
                                 tuple(reasons) if explain else None))
    return views


def present_ids(product_ids: Iterable[int], day: date) -> dict[int, ProductView]:
    """Views of the products with these ids that exist, by id, loaded in a constant number of queries."""
    products = db.session.scalars(
        select(Product).where(Product.id.in_(list(product_ids))).options(*display_options())).unique()
    return {view.id: view for view in present(list(products), day)}


def present_variants(variants: Sequence[ProductVariant], day: date) -> dict[int, VariantView]:
    """Views of variants, by id, whose products are loaded with their cooperative's certifications and category.

    An archived variant, or one of a product that cannot be sold on `day`, is not sellable.
    """
    stock = available_by_variant(list(variants), day)
    sellable_products: dict[int, bool] = {}
    views = {}
    for variant in variants:
        product = variant.product
        if product.id not in sellable_products:
            sellable_products[product.id] = not sellability_reasons(product, day)
        views[variant.id] = VariantView(variant, stock[variant.id],
                                        variant.archived_at is None and sellable_products[product.id])
    return views


def with_highlight(view: ProductView, highlight: str) -> ProductView:
    return replace(view, highlight=highlight)
