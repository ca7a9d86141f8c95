"""Catalog endpoints: parse, call one service, serialise."""
from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_smorest import Blueprint

from catalog import schemas, services
from catalog.caching import public_response
from marketplace.auth.models import Role
from marketplace.auth.permissions import auth_required, current_user, require_user
from marketplace.pagination import page_schema

blp = Blueprint("catalog", __name__, url_prefix="/api/v1", description="Categories, products, variants, lots, images")


def _media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


@blp.route("/categories", methods=["GET"])
@public_response
@blp.response(200, schemas.CategorySchema(many=True))
def categories():
    """The category tree: food, cosmetics and crafts with their children."""
    return services.category_tree()


@blp.route("/products", methods=["GET"])
@public_response
@blp.arguments(schemas.ProductQuerySchema, location="query")
@blp.response(200, page_schema(schemas.ProductSummarySchema, "ProductPage", cursor=True))
def list_products(args):
    """Sellable published products, filtered and sorted; the first image of each."""
    return services.list_products(args, viewer=current_user())


@blp.route("/products", methods=["POST"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.COOPERATIVE)
@blp.arguments(schemas.ProductCreateSchema)
@blp.response(201, schemas.ProductSchema)
def create_product(body):
    """Create a draft product for a verified cooperative you manage."""
    return services.create_product(require_user(), body)


@blp.route("/products/<int:product_id>", methods=["GET"])
@public_response
@blp.response(200, schemas.ProductSchema)
def get_product(product_id: int):
    """A product with its variants, images, certifications and cooperative (drafts: its managers and admins)."""
    return services.get_product(product_id, viewer=current_user())


@blp.route("/products/<int:product_id>", methods=["PATCH"])
@auth_required(Role.COOPERATIVE)
@blp.arguments(schemas.ProductPatchSchema)
@blp.response(200, schemas.ProductSchema)
def update_product(body, product_id: int):
    """Edit a product's category, name, description or origin region."""
    return services.update_product(require_user(), product_id, body)


@blp.route("/products/<int:product_id>/publish", methods=["POST"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.COOPERATIVE)
@blp.response(200, schemas.ProductSchema)
def publish_product(product_id: int):
    """Publish: needs a priced variant, an image, a verified cooperative and, for food, a valid ONSSA certificate."""
    return services.publish_product(require_user(), product_id)


@blp.route("/products/<int:product_id>/unpublish", methods=["POST"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.COOPERATIVE)
@blp.response(200, schemas.ProductSchema)
def unpublish_product(product_id: int):
    """Take a published product off the shop."""
    return services.unpublish_product(require_user(), product_id)


@blp.route("/products/<int:product_id>/variants", methods=["POST"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.COOPERATIVE)
@blp.arguments(schemas.VariantCreateSchema)
@blp.response(201, schemas.VariantSchema)
def add_variant(body, product_id: int):
    """Add a variant `{sku, label, weight_grams, price}`."""
    return services.add_variant(require_user(), product_id, body)


@blp.route("/products/<int:product_id>/variants/<int:variant_id>", methods=["PATCH"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.COOPERATIVE)
@blp.arguments(schemas.VariantPatchSchema)
@blp.response(200, schemas.VariantSchema)
def update_variant(body, product_id: int, variant_id: int):
    """Edit a variant."""
    return services.update_variant(require_user(), product_id, variant_id, body)


@blp.route("/products/<int:product_id>/variants/<int:variant_id>", methods=["DELETE"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.COOPERATIVE)
@blp.response(204)
def delete_variant(product_id: int, variant_id: int):
    """Delete a variant (archived when it has stock lots; 409 while orders hold units of it)."""
    services.delete_variant(require_user(), product_id, variant_id)


@blp.route("/products/<int:product_id>/variants/<int:variant_id>/lots", methods=["POST"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.COOPERATIVE)
@blp.arguments(schemas.LotCreateSchema)
@blp.response(201, schemas.LotSchema)
def add_lot(body, product_id: int, variant_id: int):
    """Add a stock lot produced by an active member of the cooperative."""
    return services.add_lot(require_user(), product_id, variant_id, body)


@blp.route("/products/<int:product_id>/images", methods=["POST"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.COOPERATIVE)
@blp.arguments(schemas.ImageUploadSchema, location="files")
@blp.response(201, schemas.ImageSchema)
def add_image(files, product_id: int):
    """Upload a picture (multipart `file`); stored as thumb, medium and large WebP without metadata."""
    return services.add_image(require_user(), product_id, files["file"].stream, media_root=_media_root())


@blp.route("/products/<int:product_id>/images/<int:image_id>", methods=["DELETE"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.COOPERATIVE)
@blp.response(204)
def delete_image(product_id: int, image_id: int):
    """Delete a picture and its files."""
    services.delete_image(require_user(), product_id, image_id, media_root=_media_root())


@blp.route("/lots/<lot_code>/trace", methods=["GET"])
@auth_required(Role.ADMIN, Role.COOPERATIVE)
@blp.response(200, schemas.LotTraceSchema)
def trace_lot(lot_code: str):
    """A lot, its producing member and product, and the order lines that drew from it (recall support)."""
    return services.trace_lot(require_user(), lot_code)
