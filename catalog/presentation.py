"""What a viewer sees of products on a given day, built in one place as immutable views.

Whether a product sells, the units a buyer may order and the certifications shown depend on the day (and the
reasons on who asks), so they are never stored on the ORM rows: they live on the `ProductView` and
`VariantView` built here, and the response schemas refuse anything else. Loading is batched: a constant
number of queries whatever the number of products.

The read path (listings, product pages, search hits, the responses of the write use cases) loads plain
columns with `product_rows()` and `present_rows()`, without ORM objects: building the identity map of twenty
products with their cooperatives, certifications, variants and images cost more than the SQL itself. The
certification rule is applied to those values by `catalog.sellability.reasons_for`, the same function the
ORM form uses. The search index reads its documents from the same views.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, exists, select
from sqlalchemy.orm import aliased

from catalog.images import image_urls
from catalog.models import MEDIA_URL_PREFIX, PUBLISHED, Category, Product, ProductImage, ProductVariant
from catalog.sellability import reasons_for, sellability_reasons
from catalog.stock import available_by_variant, available_clause
from cooperatives.models import (Certification, CertificationProduct, CertificationStatus, Cooperative,
                                 CooperativeStatus, effective_status)
from marketplace.extensions import db
from marketplace.money import Money


@dataclass(frozen=True, slots=True)
class CertificationBadge:
    kind: str
    number: str
    status: str
    expires_on: date | None


@dataclass(frozen=True, slots=True)
class CooperativeSummary:
    id: int
    name: str
    region: str


@dataclass(frozen=True, slots=True)
class ImageView:
    id: int
    position: int
    urls: dict[str, str]
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class VariantView:
    """A variant as offered on one day: the units a buyer may order, whether it can be bought."""

    id: int
    sku: str
    label: str
    weight_grams: int
    price: Money
    stock_available: int
    sellable: bool


@dataclass(frozen=True)
class ProductView:
    """A product as shown on one day: its columns plus what the day (and the viewer) decide.

    `sellability_reasons` is None unless the viewer may read them (the product's managers, admins);
    `highlight` is set for search hits only.
    """

    id: int
    cooperative: CooperativeSummary
    category: str  # the slug
    name: dict[str, str]
    description: dict[str, str]
    origin_region: str
    status: str
    price_min: int | None
    created_at: datetime
    updated_at: datetime
    sellable: bool
    variants: tuple[VariantView, ...]
    images: tuple[ImageView, ...]
    certifications: tuple[CertificationBadge, ...]
    sellability_reasons: tuple[dict[str, str], ...] | None = None
    highlight: str | None = None


def _image(image: ProductImage | Row) -> ImageView:
    return ImageView(image.id, image.position, image_urls(image.files, MEDIA_URL_PREFIX), image.width, image.height)


def _variant(variant: ProductVariant | Row, stock_available: int, sellable: bool) -> VariantView:
    return VariantView(variant.id, variant.sku, variant.label, variant.weight_grams,
                       Money(variant.price_amount, variant.price_currency), stock_available, sellable)


def _view(product: Product | Row, *, cooperative: CooperativeSummary, cooperative_verified: bool, category: str,
          requires_food_safety: bool, covering: Sequence, variants: Iterable[tuple[Any, int]],
          images: Iterable[ProductImage | Row], day: date, explain: bool) -> ProductView:
    """The one place a view is made, from an ORM product or a row of `product_rows()` and its loaded parts.

    `covering`: the certifications of the product's cooperative that cover it."""
    reasons = reasons_for(published=product.status == PUBLISHED, cooperative_verified=cooperative_verified,
                          requires_food_safety=requires_food_safety, covering=covering, day=day)
    badges = tuple(CertificationBadge(c.kind, c.number, effective_status(c.status, c.expires_on, day), c.expires_on)
                   for c in covering if c.status == CertificationStatus.VERIFIED)
    return ProductView(
        id=product.id, cooperative=cooperative, category=category, name=product.name,
        description=product.description, origin_region=product.origin_region, status=product.status,
        price_min=product.price_min, created_at=product.created_at, updated_at=product.updated_at,
        sellable=not reasons, variants=tuple(_variant(v, stock, not reasons) for v, stock in variants),
        images=tuple(_image(i) for i in images), certifications=badges,
        sellability_reasons=tuple(reasons) if explain else None)


# --- the read path: plain columns --------------------------------------------------------------------------------
# The statements are built once, with bound parameters: building them cost as much as running them.

@cache
def product_rows() -> Select:
    """SELECT of what a product's JSON shows of it, its cooperative and its category, one row per product;
    add WHERE, ORDER BY and LIMIT, then pass the rows to `present_rows`."""
    return (select(Product.id, Product.cooperative_id, Product.name, Product.description, Product.origin_region,
                   Product.status, Product.price_min, Product.created_at, Product.updated_at,
                   Cooperative.name.label("cooperative_name"), Cooperative.region.label("cooperative_region"),
                   Cooperative.status.label("cooperative_status"), Category.slug.label("category_slug"),
                   Category.requires_food_safety)
            .join_from(Product, Cooperative, Product.cooperative_id == Cooperative.id)
            .join_from(Product, Category, Product.category_id == Category.id))


@cache
def _by_id() -> Select:
    return product_rows().where(Product.id == bindparam("id"))


@cache
def _by_ids() -> Select:
    return product_rows().where(Product.id.in_(bindparam("ids", expanding=True)))


def read_rows(statement: Select, parameters: dict[str, Any] | None = None) -> Sequence[Row]:
    """Run a read of plain columns in the session's transaction, on its connection: the ORM's execution layer
    would add as much time as the query takes, for rows it does not need to track."""
    return db.session.connection().execute(statement, parameters).all()


def product_row(product_id: int) -> Row | None:
    """The `product_rows()` row of one product, or None."""
    rows = read_rows(_by_id(), {"id": product_id})
    return rows[0] if rows else None


@cache
def _variants() -> Select:
    """The active variants of the products `ids`, with the units available on `day`."""
    return (select(ProductVariant.id, ProductVariant.product_id, ProductVariant.sku, ProductVariant.label,
                   ProductVariant.weight_grams, ProductVariant.price_amount, ProductVariant.price_currency,
                   available_clause(bindparam("day")).label("available"))
            .where(ProductVariant.product_id.in_(bindparam("ids", expanding=True)),
                   ProductVariant.archived_at.is_(None))
            .order_by(ProductVariant.id))


@cache
def _images() -> Select:
    return (select(ProductImage.id, ProductImage.product_id, ProductImage.position, ProductImage.width,
                   ProductImage.height, ProductImage.files)
            .where(ProductImage.product_id.in_(bindparam("ids", expanding=True)))
            .order_by(ProductImage.position, ProductImage.id))


@cache
def _verified_certifications() -> Select:
    """The verified certifications of the cooperatives `cooperative_ids`: whether each names products at all
    (else it covers every product of its cooperative), and one row per product of `ids` it names.

    Not ordered by id: SQLite would then walk every certification in id order instead of the cooperative index.
    """
    any_link = aliased(CertificationProduct)
    named = and_(CertificationProduct.certification_id == Certification.id,
                 CertificationProduct.product_id.in_(bindparam("ids", expanding=True)))
    return (select(Certification.id, Certification.cooperative_id, Certification.kind, Certification.number,
                   Certification.status, Certification.expires_on,
                   exists().where(any_link.certification_id == Certification.id).label("names_products"),
                   CertificationProduct.product_id)
            .outerjoin(CertificationProduct, named)
            .where(Certification.cooperative_id.in_(bindparam("cooperative_ids", expanding=True)),
                   Certification.status == CertificationStatus.VERIFIED))


@dataclass
class _Certification:
    """A verified certification of a listed cooperative, with the listed products it names (if it names any)."""

    kind: str
    number: str
    status: str
    expires_on: date | None
    names_products: bool
    named: set[int] = field(default_factory=set)


def _certifications_by_cooperative(cooperative_ids: set[int], ids: list[int]) -> dict[int, list[_Certification]]:
    rows = read_rows(_verified_certifications(), {"cooperative_ids": list(cooperative_ids), "ids": ids})
    by_id: dict[int, _Certification] = {}
    by_cooperative: dict[int, list[_Certification]] = defaultdict(list)
    for row in sorted(rows, key=lambda row: row.id):  # badges in id order
        certification = by_id.get(row.id)
        if certification is None:
            certification = by_id[row.id] = _Certification(row.kind, row.number, row.status, row.expires_on,
                                                           bool(row.names_products))
            by_cooperative[row.cooperative_id].append(certification)
        if row.product_id is not None:
            certification.named.add(row.product_id)
    return by_cooperative


def present_rows(rows: Sequence[Row], day: date, *, explain: bool = False) -> list[ProductView]:
    """Views of rows of `product_rows()`, in the same order, in three more queries (variants with their stock,
    images, certifications) whatever their number. `explain` keeps the reasons a product cannot be sold."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    variants: dict[int, list[tuple[Row, int]]] = defaultdict(list)
    for variant in read_rows(_variants(), {"ids": ids, "day": day}):
        variants[variant.product_id].append((variant, max(0, variant.available)))
    images: dict[int, list[Row]] = defaultdict(list)
    for image in read_rows(_images(), {"ids": ids}):
        images[image.product_id].append(image)
    certifications = _certifications_by_cooperative({row.cooperative_id for row in rows}, ids)
    return [_view(row, cooperative=CooperativeSummary(row.cooperative_id, row.cooperative_name,
                                                      row.cooperative_region),
                  cooperative_verified=row.cooperative_status == CooperativeStatus.VERIFIED,
                  category=row.category_slug, requires_food_safety=row.requires_food_safety,
                  covering=[c for c in certifications.get(row.cooperative_id, ())
                            if not c.names_products or row.id in c.named],
                  variants=variants.get(row.id, ()), images=images.get(row.id, ()), day=day, explain=explain)
            for row in rows]


def load_views(product_ids: Iterable[int], day: date, *, explain: bool = False) -> dict[int, ProductView]:
    """Views of the products with these ids that exist, by id, in four queries."""
    rows = read_rows(_by_ids(), {"ids": list(product_ids)})
    return {view.id: view for view in present_rows(rows, day, explain=explain)}


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
        views[variant.id] = _variant(variant, stock[variant.id],
                                     variant.archived_at is None and sellable_products[product.id])
    return views


def with_highlight(view: ProductView, highlight: str) -> ProductView:
    return replace(view, highlight=highlight)
