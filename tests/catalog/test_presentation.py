"""Sellability, stock and shown certifications live on views built for a day, never on the ORM rows."""
from dataclasses import FrozenInstanceError

import pytest
from sqlalchemy import select

from catalog.models import Product
from catalog.presentation import present_ids
from catalog.schemas import ProductSchema, ProductSummarySchema, VariantSchema
from marketplace.clock import today
from marketplace.extensions import db


@pytest.fixture
def product_id(shop, manager, coop, app):
    product = shop.published(manager, coop, category="honey")
    return product["id"]


@pytest.mark.parametrize("schema", [ProductSchema(), ProductSummarySchema()])
def test_a_product_row_that_was_not_presented_cannot_be_serialised(app, product_id, schema):
    with app.app_context():
        row = db.session.scalar(select(Product).where(Product.id == product_id))
        with pytest.raises(TypeError, match="catalog.presentation"):
            schema.dump(row)
        with pytest.raises(TypeError, match="catalog.presentation"):
            VariantSchema().dump(row.variants[0])


def test_the_row_has_no_sellable_stock_or_certifications_to_read_by_mistake(app, product_id):
    with app.app_context():
        row = db.session.scalar(select(Product).where(Product.id == product_id))
        for name in ("sellable", "shown_certifications", "certifications", "highlight", "sellability_reasons"):
            assert not hasattr(row, name), name
        assert not hasattr(row.variants[0], "stock_available")


def test_a_view_is_immutable_and_says_what_the_day_decides(app, product_id):
    with app.app_context():
        view = present_ids([product_id], today())[product_id]
        assert view.sellable and [badge.kind for badge in view.certifications] == ["onssa_authorization"]
        assert view.variants[0].stock_available == 0 and view.sellability_reasons is None
        with pytest.raises(FrozenInstanceError):
            view.sellable = False
        assert ProductSchema().dump(view)["sellable"] is True
        assert "sellability_reasons" not in ProductSchema().dump(view)
