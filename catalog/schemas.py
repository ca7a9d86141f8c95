"""Request and response bodies of the catalog (API.md, "Catalog")."""
from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, post_dump, pre_load, validate, validates_schema

from catalog.cursors import CursorField
from catalog.presentation import ImageView, ProductView, VariantView
from catalog.services import SORTS
from cooperatives.models import CERTIFICATION_KINDS, REGIONS
from marketplace.ids import Id
from marketplace.i18n import TranslatedSchema, pick, preferred_language
from marketplace.money import BASE_CURRENCY
from marketplace.pagination import PageArgsSchema

MAX_PRICE = 100_000_000  # 1,000,000.00 MAD
CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", error="Letters, digits, '.', '_' and '-' only.")


def strict_int(low: int, high: int, **kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=low, max=high), **kwargs)


# --- requests --------------------------------------------------------------------------------------------------

class ProductNameSchema(TranslatedSchema):
    fr = fields.String(validate=validate.Length(max=200))
    ar = fields.String(validate=validate.Length(max=200))
    en = fields.String(validate=validate.Length(max=200))


class PriceSchema(Schema):
    amount = strict_int(1, MAX_PRICE, required=True, metadata={"description": "MAD minor units (centimes)"})
    currency = fields.String(required=True, validate=validate.OneOf([BASE_CURRENCY]))


class VariantPatchSchema(Schema):
    sku = fields.String(validate=[validate.Length(min=1, max=64), CODE])
    label = fields.String(validate=validate.Length(min=1, max=100))
    weight_grams = strict_int(1, 1_000_000)
    price = fields.Nested(PriceSchema)


class VariantCreateSchema(VariantPatchSchema):
    sku = fields.String(required=True, validate=[validate.Length(min=1, max=64), CODE])
    label = fields.String(required=True, validate=validate.Length(min=1, max=100))
    weight_grams = strict_int(1, 1_000_000, required=True)
    price = fields.Nested(PriceSchema, required=True)


class ProductPatchSchema(Schema):
    category = fields.String(validate=validate.Length(min=1, max=60))
    name = fields.Nested(ProductNameSchema)
    description = fields.Nested(TranslatedSchema)
    origin_region = fields.String(validate=validate.OneOf(REGIONS))


class ProductCreateSchema(ProductPatchSchema):
    cooperative_id = Id(required=True)
    category = fields.String(required=True, validate=validate.Length(min=1, max=60))
    name = fields.Nested(ProductNameSchema, required=True)
    description = fields.Nested(TranslatedSchema, required=True)
    origin_region = fields.String(validate=validate.OneOf(REGIONS),
                                  metadata={"description": "defaults to the cooperative's region"})
    variants = fields.List(fields.Nested(VariantCreateSchema), validate=validate.Length(max=50))

    @validates_schema
    def skus_are_distinct(self, data, **kwargs):
        skus = [variant["sku"] for variant in data.get("variants", [])]
        if len(skus) != len(set(skus)):
            raise ValidationError("Each variant needs its own SKU.", "variants")


class ProductFilterSchema(PageArgsSchema):
    """The filters GET /products and GET /search share."""

    category = fields.String(validate=validate.Length(min=1, max=60),
                             metadata={"description": "a slug; a parent category includes its children"})
    cooperative_id = Id(strict=False)
    region = fields.String(validate=validate.OneOf(REGIONS), metadata={"description": "the origin region"})
    certification = fields.String(validate=validate.OneOf(CERTIFICATION_KINDS),
                                  metadata={"description": "a kind of valid certification covering the product"})
    min_price = fields.Integer(validate=validate.Range(min=0, max=MAX_PRICE),
                               metadata={"description": "MAD minor units, on the cheapest variant"})
    max_price = fields.Integer(validate=validate.Range(min=0, max=MAX_PRICE))
    in_stock = fields.Boolean(metadata={
        "description": "true: only products with a variant in stock today; false: only those with none; "
                       "absent: both"})

    @validates_schema
    def price_range_is_ordered(self, data, **kwargs):
        if data.get("min_price") is not None and data.get("max_price") is not None \
                and data["min_price"] > data["max_price"]:
            raise ValidationError("Must not be below min_price.", "max_price")


class ProductQuerySchema(ProductFilterSchema):
    sort = fields.String(load_default="newest", validate=validate.OneOf(list(SORTS)))
    include_unsellable = fields.Boolean(load_default=False, metadata={
        "description": "also list what the caller manages (admins: everything), drafts and unsellable ones"})
    after = CursorField(metadata={"description": "the `next` of the previous page: continue after it (instead "
                                                 "of `page`; costs the same at any depth)"})

    @pre_load
    def page_or_after(self, data, **kwargs):
        if "page" in data and "after" in data:
            raise ValidationError("Give either page or after, not both.", "after")
        return data

    @validates_schema
    def cursor_of_this_sort(self, data, **kwargs):
        if data.get("after") is not None and data["after"].sort != data.get("sort", "newest"):
            raise ValidationError("This cursor belongs to another sort order.", "after")


class LotCreateSchema(Schema):
    lot_code = fields.String(required=True, validate=[validate.Length(min=1, max=64), CODE])
    quantity = strict_int(1, 1_000_000, required=True)
    member_id = Id(required=True)
    produced_on = fields.Date(required=True)
    best_before = fields.Date(required=True)

    @validates_schema
    def best_before_follows_production(self, data, **kwargs):
        if data.get("produced_on") and data.get("best_before") and data["best_before"] <= data["produced_on"]:
            raise ValidationError("Must be after produced_on.", "best_before")


class ImageUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "JPEG, PNG or WebP, ≤ 10 MB, ≤ 40 megapixels"})


# --- responses -------------------------------------------------------------------------------------------------

class CategorySchema(Schema):
    slug = fields.String()
    name = fields.Dict(keys=fields.String(), values=fields.String())
    display_name = fields.Function(lambda category: pick(category.name))
    requires_food_safety = fields.Boolean()
    vat_rate_bps = fields.Integer()
    children = fields.List(fields.Nested(lambda: CategorySchema()))


class MoneySchema(Schema):
    amount = fields.Integer()
    currency = fields.String()


def _require_view(obj: object, view: type) -> None:
    """Sellability and stock depend on the day: a row that was not presented must not be shown as unsellable."""
    if not isinstance(obj, view):
        raise TypeError(f"{type(obj).__name__} serialised without catalog.presentation: pass a {view.__name__}")


class ViewSchema(Schema):
    """The response schema of a view of `catalog.presentation`.

    Its fields describe the JSON (the OpenAPI document) and, through marshmallow's own `Schema.dump`, are the
    reference the tests hold the writer to; `dump` refuses anything but a view and writes the JSON straight
    from it (`write`), because walking the fields one by one cost more than loading the rows.
    """

    view: type

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        many = self.many if many is None else many
        views = obj if many else [obj]
        for view in views:
            _require_view(view, self.view)
        language = preferred_language()
        written = [self.write(view, language) for view in views]
        return written if many else written[0]

    def write(self, view: Any, language: str | None) -> dict[str, Any]:
        raise NotImplementedError


def _variant_json(variant: VariantView) -> dict[str, Any]:
    return {"id": variant.id, "sku": variant.sku, "label": variant.label, "weight_grams": variant.weight_grams,
            "price": {"amount": variant.price.amount, "currency": variant.price.currency},
            "stock_available": variant.stock_available}


class VariantSchema(ViewSchema):
    view = VariantView

    id = fields.Integer()
    sku = fields.String()
    label = fields.String()
    weight_grams = fields.Integer()
    price = fields.Nested(MoneySchema)
    stock_available = fields.Integer()

    def write(self, view: VariantView, language: str | None) -> dict[str, Any]:
        return _variant_json(view)


class ImageUrlsSchema(Schema):
    thumb = fields.String()
    medium = fields.String()
    large = fields.String()


class ImageSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    urls = fields.Nested(ImageUrlsSchema)
    width = fields.Integer()
    height = fields.Integer()


class CertificationBadgeSchema(Schema):
    kind = fields.String()
    number = fields.String()
    status = fields.String(metadata={"description": "verified, or expired past expires_on"})
    expires_on = fields.Date(allow_none=True)


class CooperativeSummarySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    region = fields.String()


class ReasonSchema(Schema):
    code = fields.String()
    message = fields.String()


def _image_json(image: ImageView) -> dict[str, Any]:
    return {"id": image.id, "position": image.position, "urls": dict(image.urls), "width": image.width,
            "height": image.height}


class ProductSchema(ViewSchema):
    view = ProductView
    images_shown: int | None = None  # all

    id = fields.Integer()
    cooperative = fields.Nested(CooperativeSummarySchema)
    category = fields.String(metadata={"description": "the category's slug"})
    name = fields.Dict(keys=fields.String(), values=fields.String())
    description = fields.Dict(keys=fields.String(), values=fields.String())
    display_name = fields.Function(lambda product: pick(product.name), metadata={"type": "string"})
    origin_region = fields.String()
    status = fields.String(metadata={"description": "draft, published or unpublished"})
    sellable = fields.Boolean()
    sellability_reasons = fields.List(fields.Nested(ReasonSchema), metadata={
        "description": "shown to the product's managers and admins only: why it cannot be sold today"})
    variants = fields.List(fields.Nested(VariantSchema))
    images = fields.List(fields.Nested(ImageSchema))
    certifications = fields.List(fields.Nested(CertificationBadgeSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    @post_dump
    def reasons_for_managers_only(self, data, **kwargs):
        if data.get("sellability_reasons") is None:
            data.pop("sellability_reasons", None)
        return data

    def write(self, view: ProductView, language: str | None) -> dict[str, Any]:
        cooperative = view.cooperative
        data = {"id": view.id, "cooperative": {"id": cooperative.id, "name": cooperative.name,
                                               "region": cooperative.region},
                "category": view.category, "name": dict(view.name), "description": dict(view.description),
                "display_name": pick(view.name, language), "origin_region": view.origin_region,
                "status": view.status, "sellable": view.sellable}
        if view.sellability_reasons is not None:
            data["sellability_reasons"] = [{"code": r["code"], "message": r["message"]}
                                           for r in view.sellability_reasons]
        data["variants"] = [_variant_json(variant) for variant in view.variants]
        data["images"] = [_image_json(image) for image in view.images[:self.images_shown]]
        data["certifications"] = [{"kind": badge.kind, "number": badge.number, "status": badge.status,
                                   "expires_on": None if badge.expires_on is None else badge.expires_on.isoformat()}
                                  for badge in view.certifications]
        data["created_at"] = view.created_at.isoformat()
        data["updated_at"] = view.updated_at.isoformat()
        return data


class ProductSummarySchema(ProductSchema):
    """A product in a list: as the detail, with the first image only and the price of its cheapest variant."""

    images_shown = 1

    price_from = fields.Function(
        lambda product: None if product.price_min is None else {"amount": product.price_min,
                                                                "currency": BASE_CURRENCY},
        allow_none=True, metadata={"type": "object", "nullable": True,
                                   "description": "the cheapest active variant's price, in MAD minor units"})

    @post_dump
    def first_image_only(self, data, **kwargs):
        data["images"] = data["images"][:1]
        return data

    def write(self, view: ProductView, language: str | None) -> dict[str, Any]:
        data = super().write(view, language)
        data["price_from"] = None if view.price_min is None else {"amount": view.price_min,
                                                                  "currency": BASE_CURRENCY}
        return data


class LotSchema(Schema):
    id = fields.Integer()
    lot_code = fields.String()
    variant_id = fields.Integer()
    member_id = fields.Integer()
    quantity = fields.Integer()
    quantity_remaining = fields.Integer()
    produced_on = fields.Date()
    best_before = fields.Date()
    created_at = fields.DateTime()


class TraceMemberSchema(Schema):
    id = fields.Integer()
    full_name = fields.String()
    gender = fields.String()
    role = fields.String()
    joined_on = fields.Date()
    left_on = fields.Date(allow_none=True)


class TraceProductSchema(Schema):
    id = fields.Integer()
    cooperative_id = fields.Integer()
    name = fields.Dict(keys=fields.String(), values=fields.String())
    display_name = fields.Function(lambda product: pick(product.name))


class TraceVariantSchema(Schema):
    id = fields.Integer()
    sku = fields.String()
    label = fields.String()


class LotTraceSchema(Schema):
    lot = fields.Nested(LotSchema)
    member = fields.Nested(TraceMemberSchema)
    product = fields.Nested(TraceProductSchema)
    variant = fields.Nested(TraceVariantSchema)
    order_lines = fields.List(fields.Dict(), metadata={
        "description": "the order lines that drew from the lot; empty until orders record their lots"})

