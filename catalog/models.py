"""Categories, products, their variants, stock lots (traced to the member who produced them) and images."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.images import image_urls
from cooperatives.models import Cooperative, Member
from marketplace.dbtypes import UTCDateTime, utcnow
from marketplace.extensions import db
from marketplace.money import BASE_CURRENCY, Money



class ProductStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


DRAFT, PUBLISHED, UNPUBLISHED = ProductStatus
PRODUCT_TRANSITIONS: dict[str | None, set[str]] = {
    None: {DRAFT}, DRAFT: {PUBLISHED}, UNPUBLISHED: {PUBLISHED}, PUBLISHED: {UNPUBLISHED}}
MAX_IMAGES = 10
MEDIA_URL_PREFIX = "/media"  # where create_app serves MEDIA_ROOT


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[dict] = mapped_column(JSON)
    requires_food_safety: Mapped[bool] = mapped_column(default=False)
    vat_rate_bps: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent", order_by="Category.position")


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON)
    origin_region: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT.value)
    # The cheapest active variant's price (MAD minor units), kept by the services: sorting and price filters
    # on 100,000 products need an indexed column, not a per-row aggregate.
    price_min: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    cooperative: Mapped[Cooperative] = relationship()
    category: Mapped[Category] = relationship()
    variants: Mapped[list[ProductVariant]] = relationship(back_populates="product", order_by="ProductVariant.id")
    images: Mapped[list[ProductImage]] = relationship(back_populates="product",
                                                      order_by=lambda: (ProductImage.position, ProductImage.id))

    __table_args__ = (
        Index("ix_products_status_created_at", "status", "created_at"),
        Index("ix_products_status_price_min", "status", "price_min"),
        # covers the sellability check, so counting a listing reads the index alone
        Index("ix_products_status_cooperative_id_category_id", "status", "cooperative_id", "category_id"),
    )

    @property
    def active_variants(self) -> list[ProductVariant]:
        return [variant for variant in self.variants if variant.archived_at is None]


class ProductVariant(db.Model):
    __tablename__ = "product_variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    weight_grams: Mapped[int] = mapped_column(Integer)
    price_amount: Mapped[int] = mapped_column(Integer)
    price_currency: Mapped[str] = mapped_column(String(3), default=BASE_CURRENCY)
    # Units promised to unpaid or unshipped orders; changed only by conditional UPDATEs (catalog.stock).
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    # A variant with stock history is archived, not deleted: its lots stay traceable.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship(back_populates="variants")
    lots: Mapped[list[StockLot]] = relationship(back_populates="variant", order_by="StockLot.best_before")

    __table_args__ = (
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("price_amount > 0", name="price_positive"),
        CheckConstraint("weight_grams > 0", name="weight_positive"),
    )

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.price_currency)


class StockLot(db.Model):
    __tablename__ = "stock_lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_code: Mapped[str] = mapped_column(String(64), unique=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    quantity_remaining: Mapped[int] = mapped_column(Integer)
    produced_on: Mapped[date] = mapped_column(Date)
    best_before: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    variant: Mapped[ProductVariant] = relationship(back_populates="lots")
    member: Mapped[Member] = relationship()

    __table_args__ = (
        Index("ix_stock_lots_variant_id_best_before", "variant_id", "best_before"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("quantity_remaining >= 0 AND quantity_remaining <= quantity", name="remaining_in_range"),
        CheckConstraint("best_before > produced_on", name="best_before_after_production"),
    )


class ProductImage(db.Model):
    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # {"thumb": "products/ab/<key>-thumb.webp", "medium": …, "large": …}, relative to MEDIA_ROOT
    files: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship(back_populates="images")

    @property
    def urls(self) -> dict[str, str]:
        return image_urls(self.files, MEDIA_URL_PREFIX)


class LowStockAlert(db.Model):
    """A variant its managers were told is running low; forgotten once it is restocked above the threshold, so
    each shortage is announced once."""

    __tablename__ = "low_stock_alerts"

    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"), primary_key=True)
    available: Mapped[int] = mapped_column(Integer)
    alerted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
