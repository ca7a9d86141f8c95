"""Error codes of the catalog package, and the reasons a product cannot be published or sold."""
from __future__ import annotations

from enum import StrEnum

from marketplace.errors import Conflict


class CatalogError(StrEnum):
    COOPERATIVE_NOT_VERIFIED = "cooperative_not_verified"
    PUBLISH_REQUIREMENTS_UNMET = "publish_requirements_unmet"
    DUPLICATE_SKU = "duplicate_sku"
    DUPLICATE_LOT_CODE = "duplicate_lot_code"
    TOO_MANY_IMAGES = "too_many_images"
    LAST_VARIANT = "last_variant"
    LAST_IMAGE = "last_image"
    VARIANT_RESERVED = "variant_reserved"
    OUT_OF_STOCK = "out_of_stock"
    NOT_SELLABLE = "not_sellable"
    CERTIFICATION_REQUIRED = "certification_required"
    IMAGE_TOO_LARGE = "image_too_large"
    IMAGE_TOO_MANY_PIXELS = "image_too_many_pixels"
    IMAGE_CORRUPT = "image_corrupt"
    IMAGE_UNSUPPORTED_FORMAT = "image_unsupported_format"


class Reason(StrEnum):
    """Why a product may not be published, or is not sellable right now."""

    NOT_PUBLISHED = "not_published"
    COOPERATIVE_NOT_VERIFIED = "cooperative_not_verified"
    CERTIFICATION_REQUIRED = "certification_required"
    IMAGE_TOO_LARGE = "image_too_large"
    IMAGE_TOO_MANY_PIXELS = "image_too_many_pixels"
    IMAGE_CORRUPT = "image_corrupt"
    IMAGE_UNSUPPORTED_FORMAT = "image_unsupported_format"
    NO_VARIANT = "no_variant"
    NO_IMAGE = "no_image"


class OutOfStock(Conflict):
    default_code = CatalogError.OUT_OF_STOCK.value


class NotSellable(Conflict):
    default_code = CatalogError.NOT_SELLABLE.value
