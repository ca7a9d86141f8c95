"""Catalog use cases: each runs in one unit of work; product_changed is announced once its commit succeeded."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import ColumnElement, exists, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from catalog import cursors
from catalog.caching import cached_total
from catalog.categories import category_family
from catalog.errors import CatalogError
from catalog.images import delete_image_files, store_product_image
from catalog.models import (DRAFT, MAX_IMAGES, PRODUCT_TRANSITIONS, PUBLISHED, UNPUBLISHED, Category, Product,
                            ProductImage, ProductVariant, StockLot)
from catalog.presentation import (ProductView, VariantView, load_views, present_rows, present_variants, product_row,
                                  product_rows, read_rows)
from catalog.sellability import covered_clause, publish_requirements, sellability_reasons, sellable_clause
from catalog.signals import lot_trace_providers, notify_products_changed
from catalog.stock import available_clause
from cooperatives.models import Cooperative, CooperativeStatus, Member
from cooperatives.services import managed_cooperative_ids, manages
from marketplace.audit import change_state
from marketplace.auth.models import Role, User
from marketplace.auth.permissions import found
from marketplace.clock import now, today
from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.pagination import count_rows
from marketplace.transaction import after_commit, on_rollback, unit_of_work

# A cooperative may prepare drafts, variants, images and lots while it waits for verification.
CATALOGUE_PREPARING_STATUSES = (CooperativeStatus.PENDING, CooperativeStatus.VERIFIED)

# The filters a listing's total depends on (not its sort, page or language).
FILTERS = ("category", "cooperative_id", "region", "certification", "min_price", "max_price", "in_stock")
# Each sort ends with the id, so the order is total: pages (OFFSET or cursor) never overlap or skip.
SORTS = {
    "newest": (Product.created_at.desc(), Product.id.desc()),
    "price_asc": (Product.price_min.asc().nulls_last(), Product.id.asc()),
    "price_desc": (Product.price_min.desc().nulls_last(), Product.id.desc()),
}


# --- reading ---------------------------------------------------------------------------------------------------

def category_tree() -> list[Category]:
    """The root categories, their children loaded (three queries)."""
    return list(db.session.scalars(
        select(Category).where(Category.parent_id.is_(None)).order_by(Category.position)
        .options(selectinload(Category.children).selectinload(Category.children))))


def _visible_clause(viewer: User | None, include_unsellable: bool, day: date) -> ColumnElement[bool]:
    if include_unsellable and viewer is not None and viewer.role == Role.ADMIN:
        return true()
    if include_unsellable and viewer is not None and viewer.role == Role.COOPERATIVE:
        return or_(sellable_clause(day), Product.cooperative_id.in_(managed_cooperative_ids(viewer)))
    return sellable_clause(day)


def list_products(args: dict[str, Any], *, viewer: User | None, day: date | None = None) -> dict[str, Any]:
    """A page of products a buyer may buy (plus, on request, the ones the viewer manages), filtered and sorted.

    The page is `page` (OFFSET) or, given `after` (a cursor), the products following it (keyset); `next` is the
    cursor of the following page, None on the last one. The exact total of a buyer's listing is counted once
    per filter set, catalog version and day (catalog.caching).
    """
    day = day or today()
    include_unsellable = args.get("include_unsellable", False)
    conditions = [_visible_clause(viewer, include_unsellable, day)]
    if args.get("category"):
        conditions.append(Product.category_id.in_([c.id for c in category_family(args["category"])]))
    if args.get("cooperative_id"):
        conditions.append(Product.cooperative_id == args["cooperative_id"])
    if args.get("region"):
        conditions.append(Product.origin_region == args["region"])
    if args.get("certification"):
        conditions.append(covered_clause(day, [args["certification"]]))
    if args.get("min_price") is not None:
        conditions.append(Product.price_min >= args["min_price"])
    if args.get("max_price") is not None:
        conditions.append(Product.price_min <= args["max_price"])
    if args.get("in_stock") is not None:
        in_stock = exists().where(ProductVariant.product_id == Product.id, ProductVariant.archived_at.is_(None),
                                  available_clause(day) > 0)
        conditions.append(in_stock if args["in_stock"] else ~in_stock)
    listed = select(Product.id).where(*conditions)
    with_drafts = include_unsellable and viewer is not None  # what this viewer manages: counted every time
    total = count_rows(listed) if with_drafts else cached_total({name: args.get(name) for name in FILTERS}, day,
                                                                lambda: count_rows(listed))
    sort, per_page = args.get("sort", "newest"), args["per_page"]
    statement = product_rows().where(*conditions).order_by(*SORTS[sort])
    if args.get("after") is not None:
        statement = statement.where(cursors.after_clause(args["after"], unpriced=with_drafts))
    else:
        statement = statement.offset((args["page"] - 1) * per_page)
    # one row more than the page tells whether a next page exists, in the same query
    rows = read_rows(statement.limit(per_page + 1))
    products = rows[:per_page]
    return {"items": present_rows(products, day), "total": total, "page": args["page"], "per_page": per_page,
            "next": cursors.encode(sort, products[-1]) if len(rows) > per_page else None}


def _may_manage(viewer: User | None, cooperative_id: int) -> bool:
    return viewer is not None and (viewer.role == Role.ADMIN or manages(viewer, cooperative_id))


def get_product(product_id: int, *, viewer: User | None, day: date | None = None) -> ProductView:
    """A product with everything its page shows; 404 unless sellable, or the viewer manages it or is an admin.

    Its managers and admins also read why it cannot be sold today (empty when it can)."""
    day = day or today()
    row = product_row(product_id)
    managing = row is not None and _may_manage(viewer, row.cooperative_id)
    view = present_rows([row], day, explain=managing)[0] if row is not None else None
    return found(view, visible=view is not None and (view.sellable or managing), what="product")


def trace_lot(user: User, lot_code: str) -> dict[str, Any]:
    """A lot, who produced it and for which product; 404 unless the user is an admin or manages its cooperative.

    `order_lines` come from the providers registered in `catalog.signals.lot_trace_providers` (orders).
    """
    lot = db.session.scalar(
        select(StockLot).where(StockLot.lot_code == lot_code)
        .options(joinedload(StockLot.member), joinedload(StockLot.variant).joinedload(ProductVariant.product)))
    visible = lot is not None and (user.role == Role.ADMIN or manages(user, lot.variant.product.cooperative_id))
    found(lot, visible=visible, what="lot")
    return {"lot": lot, "member": lot.member, "variant": lot.variant, "product": lot.variant.product,
            "order_lines": [row for provider in lot_trace_providers for row in provider(lot)]}


# --- products --------------------------------------------------------------------------------------------------

def _managed_product(user: User, product_id: int, *, lock: bool = False) -> Product:
    """The product if `user` manages its cooperative (404 otherwise); `lock` serialises edits of one product."""
    statement = select(Product).where(Product.id == product_id)
    if lock:
        statement = statement.with_for_update()
    product = db.session.scalar(statement)
    return found(product, visible=product is not None and manages(user, product.cooperative_id), what="product")


def _leaf_category(slug: str) -> Category:
    category = db.session.scalar(select(Category).where(Category.slug == slug).options(
        selectinload(Category.children)))
    if category is None or category.children:
        raise ValidationFailed(message="Choose a category without sub-categories.",
                               details={"category": [f"{slug!r} is not a product category."]})
    return category


def _ensure_skus_free(skus: list[str]) -> None:
    taken = db.session.scalars(select(ProductVariant.sku).where(ProductVariant.sku.in_(skus))).all() if skus else []
    if taken:
        raise Conflict(CatalogError.DUPLICATE_SKU, "This SKU is already used.", {"sku": sorted(taken)})


def _new_variant(data: dict[str, Any]) -> ProductVariant:
    return ProductVariant(sku=data["sku"], label=data["label"], weight_grams=data["weight_grams"],
                          price_amount=data["price"]["amount"], price_currency=data["price"]["currency"])


def _refresh_price_min(product: Product) -> None:
    product.price_min = min((v.price_amount for v in product.active_variants), default=None)
    product.updated_at = now()


def _shown(product_id: int) -> ProductView:
    """The product as GET /products/{id} shows it to its manager."""
    return load_views([product_id], today(), explain=True)[product_id]


def create_product(user: User, data: dict[str, Any]) -> ProductView:
    """Create a draft for a cooperative the user manages that is verified or awaiting verification (409
    `cooperative_not_verified` when rejected or suspended); only publishing needs it verified."""
    with unit_of_work():
        cooperative = db.session.get(Cooperative, data["cooperative_id"])
        if cooperative is None or not manages(user, cooperative.id):
            raise ValidationFailed(message="You do not manage this cooperative.",
                                   details={"cooperative_id": ["No cooperative of yours has this id."]})
        if cooperative.status not in CATALOGUE_PREPARING_STATUSES:
            raise Conflict(CatalogError.COOPERATIVE_NOT_VERIFIED,
                           "A rejected or suspended cooperative cannot add products.",
                           {"cooperative_id": cooperative.id})
        category = _leaf_category(data["category"])
        variants = data.get("variants", [])
        _ensure_skus_free([v["sku"] for v in variants])
        product = Product(cooperative=cooperative, category=category, name=data["name"],
                          description=data["description"], status=None,
                          origin_region=data.get("origin_region") or cooperative.region,
                          variants=[_new_variant(v) for v in variants])
        _refresh_price_min(product)
        db.session.add(product)
        change_state(product, DRAFT, allowed=PRODUCT_TRANSITIONS, actor_id=user.id, reason="created")
        product_id = product.id
        notify_products_changed([product_id])
    return _shown(product_id)


def update_product(user: User, product_id: int, changes: dict[str, Any]) -> ProductView:
    """Edit the category, texts or origin region of a product the user manages."""
    with unit_of_work():
        product = _managed_product(user, product_id)
        if "category" in changes:
            product.category = _leaf_category(changes.pop("category"))
        for name, value in changes.items():
            setattr(product, name, value)
        product.updated_at = now()
        notify_products_changed([product.id])
    return _shown(product_id)


def publish_product(user: User, product_id: int, *, day: date | None = None) -> ProductView:
    """Publish, or 409 `publish_requirements_unmet` listing every unmet requirement; for a product already
    published, 409 `not_sellable` with the reasons it cannot be sold (certificate revoked, cooperative suspended…)."""
    with unit_of_work():
        product = _managed_product(user, product_id, lock=True)
        if product.status == PUBLISHED:
            reasons = sellability_reasons(product, day or today())
            if reasons:
                raise Conflict(CatalogError.NOT_SELLABLE, "The product is published but cannot be sold.",
                               {"reasons": reasons})
        else:
            reasons = publish_requirements(product, day or today())
            if reasons:
                raise Conflict(CatalogError.PUBLISH_REQUIREMENTS_UNMET, "The product cannot be published yet.",
                               {"reasons": reasons})
        change_state(product, PUBLISHED, allowed=PRODUCT_TRANSITIONS, actor_id=user.id)
        notify_products_changed([product.id])
    return _shown(product_id)


def unpublish_product(user: User, product_id: int) -> ProductView:
    """Take a published product off the shop; it can be published again."""
    with unit_of_work():
        product = _managed_product(user, product_id, lock=True)
        change_state(product, UNPUBLISHED, allowed=PRODUCT_TRANSITIONS, actor_id=user.id)
        notify_products_changed([product.id])
    return _shown(product_id)


# --- variants --------------------------------------------------------------------------------------------------

def _active_variant(product: Product, variant_id: int) -> ProductVariant:
    return found(next((v for v in product.active_variants if v.id == variant_id), None), what="variant")


def _presented_variant(variant: ProductVariant) -> VariantView:
    return present_variants([variant], today())[variant.id]


def add_variant(user: User, product_id: int, data: dict[str, Any]) -> VariantView:
    """Add a size or packaging of the product, with its own unique SKU and price."""
    with unit_of_work():
        product = _managed_product(user, product_id, lock=True)
        _ensure_skus_free([data["sku"]])
        variant = _new_variant(data)
        product.variants.append(variant)
        _refresh_price_min(product)
        notify_products_changed([product.id])
    return _presented_variant(variant)


def update_variant(user: User, product_id: int, variant_id: int, changes: dict[str, Any]) -> VariantView:
    """Edit a variant's SKU, label, weight or price."""
    with unit_of_work():
        product = _managed_product(user, product_id, lock=True)
        variant = _active_variant(product, variant_id)
        if changes.get("sku", variant.sku) != variant.sku:
            _ensure_skus_free([changes["sku"]])
        if "price" in changes:
            price = changes.pop("price")
            variant.price_amount, variant.price_currency = price["amount"], price["currency"]
        for name, value in changes.items():
            setattr(variant, name, value)
        _refresh_price_min(product)
        notify_products_changed([product.id])
    return _presented_variant(variant)


def delete_variant(user: User, product_id: int, variant_id: int) -> None:
    """Delete a variant; one with stock history is archived instead so its lots stay traceable.

    Refused (409) while orders hold reserved units, or when it is the last variant of a published product.
    """
    with unit_of_work():
        product = _managed_product(user, product_id, lock=True)
        variant = _active_variant(product, variant_id)
        if variant.reserved > 0:
            raise Conflict(CatalogError.VARIANT_RESERVED, "Orders in progress hold units of this variant.",
                           {"reserved": variant.reserved})
        if product.status == PUBLISHED and len(product.active_variants) == 1:
            raise Conflict(CatalogError.LAST_VARIANT,
                           "A published product keeps at least one variant; unpublish it first.")
        if db.session.scalar(select(exists().where(StockLot.variant_id == variant.id))):
            variant.archived_at = now()
        else:
            product.variants.remove(variant)
            db.session.delete(variant)
        _refresh_price_min(product)
        notify_products_changed([product.id])


# --- images ----------------------------------------------------------------------------------------------------

def add_image(user: User, product_id: int, stream: BinaryIO, *, media_root: Path) -> ProductImage:
    """Decode, clean and store an uploaded picture (at most MAX_IMAGES a product); no file is left on failure."""
    with unit_of_work():
        product = _managed_product(user, product_id, lock=True)
        if len(product.images) >= MAX_IMAGES:
            raise Conflict(CatalogError.TOO_MANY_IMAGES, f"A product has at most {MAX_IMAGES} images.",
                           {"max": MAX_IMAGES})
        stored = store_product_image(stream, media_root)
        on_rollback(delete_image_files, media_root, stored.files)
        image = ProductImage(position=max((i.position for i in product.images), default=0) + 1, key=stored.key,
                             width=stored.width, height=stored.height, files=stored.files)
        product.images.append(image)
        product.updated_at = now()
        notify_products_changed([product.id])
    return image


def delete_image(user: User, product_id: int, image_id: int, *, media_root: Path) -> None:
    """Remove an image; its files are deleted once the row is gone. A published product keeps one image."""
    with unit_of_work():
        product = _managed_product(user, product_id, lock=True)
        image = found(next((i for i in product.images if i.id == image_id), None), what="image")
        if product.status == PUBLISHED and len(product.images) == 1:
            raise Conflict(CatalogError.LAST_IMAGE,
                           "A published product keeps at least one image; unpublish it first.")
        files = dict(image.files)
        product.images.remove(image)
        db.session.delete(image)
        product.updated_at = now()
        after_commit(delete_image_files, media_root, files)
        notify_products_changed([product.id])


# --- stock lots ------------------------------------------------------------------------------------------------

def add_lot(user: User, product_id: int, variant_id: int, data: dict[str, Any], *,
            day: date | None = None) -> StockLot:
    """Add stock produced by an active member of the product's cooperative (422 otherwise)."""
    day = day or today()
    with unit_of_work():
        product = _managed_product(user, product_id)
        variant = _active_variant(product, variant_id)
        member = db.session.get(Member, data["member_id"])
        if member is None or member.cooperative_id != product.cooperative_id or not member.is_active_on(day):
            raise ValidationFailed(message="The lot must be produced by an active member of the cooperative.",
                                   details={"member_id": ["Not an active member of this product's cooperative."]})
        if data["produced_on"] > day or data["best_before"] < day:
            raise ValidationFailed(message="The dates do not describe stock that can be sold today.", details={
                name: [message] for name, message, bad in (
                    ("produced_on", "Cannot be in the future.", data["produced_on"] > day),
                    ("best_before", "Cannot be in the past.", data["best_before"] < day)) if bad})
        if db.session.scalar(select(exists().where(StockLot.lot_code == data["lot_code"]))):
            raise Conflict(CatalogError.DUPLICATE_LOT_CODE, "This lot code is already used.",
                           {"lot_code": data["lot_code"]})
        lot = StockLot(variant=variant, member=member, lot_code=data["lot_code"], quantity=data["quantity"],
                       quantity_remaining=data["quantity"], produced_on=data["produced_on"],
                       best_before=data["best_before"], created_by_id=user.id)
        db.session.add(lot)
        notify_products_changed([product.id])
    return lot
