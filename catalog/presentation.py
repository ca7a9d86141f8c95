"""Load products for display in a constant number of queries, and fill in what depends on today's date."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from catalog.models import Product
from catalog.sellability import covers, sellability_reasons
from catalog.stock import available_by_variant
from cooperatives.models import CertificationStatus, Cooperative


@dataclass(frozen=True)
class CertificationBadge:
    kind: str
    number: str
    status: str
    expires_on: date | None


def display_options() -> tuple[LoaderOption, ...]:
    """Loader options that bring everything a product's JSON shows, whatever the number of products."""
    return (
        joinedload(Product.cooperative, innerjoin=True).selectinload(Cooperative.certifications),
        joinedload(Product.category, innerjoin=True),
        selectinload(Product.variants),
        selectinload(Product.images),
    )


def present(products: Sequence[Product], day: date) -> Sequence[Product]:
    """Set each product's `sellable`, shown certifications and variants' `stock_available` (one more query)."""
    variants = [variant for product in products for variant in product.active_variants]
    stock = available_by_variant(variants, day)
    for variant in variants:
        variant.stock_available = stock[variant.id]
    for product in products:
        product.sellable = not sellability_reasons(product, day)
        product.shown_certifications = tuple(
            CertificationBadge(c.kind, c.number, c.effective_status(day), c.expires_on)
            for c in product.cooperative.certifications
            if c.status == CertificationStatus.VERIFIED and covers(c, product.id))
    return products
