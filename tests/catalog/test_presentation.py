"""Sellability, stock and shown certifications live on views built for a day, never on the ORM rows."""
from dataclasses import FrozenInstanceError
from datetime import timedelta

import pytest
from marshmallow import Schema
from sqlalchemy import select

from catalog.models import Product
from catalog.presentation import load_views, with_highlight
from catalog.schemas import ProductSchema, ProductSummarySchema, VariantSchema
from catalog.search.schemas import SearchItemSchema
from catalog.sellability import sellability_reasons
from cooperatives.models import Cooperative
from marketplace.clock import today
from marketplace.extensions import db
from tests.catalog.conftest import variant_body


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
        view = load_views([product_id], today())[product_id]
        assert view.sellable and [badge.kind for badge in view.certifications] == ["onssa_authorization"]
        assert view.variants[0].stock_available == 0 and view.sellability_reasons is None
        with pytest.raises(FrozenInstanceError):
            view.sellable = False
        assert ProductSchema().dump(view)["sellable"] is True
        assert "sellability_reasons" not in ProductSchema().dump(view)


def _views_of_every_kind(shop, manager, coop, users):
    """Products whose JSON differs in every optional part: reasons, no price, several images, an expired and a
    current certificate, a named and a cooperative-wide one, an Arabic-only name, a suspended cooperative."""
    honey = shop.published(manager, coop, category="honey", variants=[variant_body(amount=9000),
                                                                      variant_body(amount=4500)])
    shop.image(manager, honey["id"])
    shop.certification(coop, kind="organic", expires_on=today() - timedelta(days=1))
    shop.certification(coop, kind="igp")
    bare = shop.product(manager, coop, category="pottery", variants=0, name={"ar": "فخار"})
    other_manager = users.cooperative()
    suspended = shop.cooperative(other_manager)
    rug = shop.published(other_manager, suspended, category="rugs-weaving", certify=False)
    with shop.app.app_context():
        db.session.get(Cooperative, suspended).status = "suspended"
        db.session.commit()
    return [honey["id"], bare["id"], rug["id"]]


@pytest.mark.parametrize("language", [None, "ar", "en"])
@pytest.mark.parametrize("explain", [False, True])
def test_the_json_written_from_a_view_is_what_the_schemas_fields_describe(shop, manager, coop, users, app,
                                                                         language, explain):
    ids = _views_of_every_kind(shop, manager, coop, users)
    headers = {"Accept-Language": language} if language else {}
    with app.test_request_context(headers=headers):
        views = load_views(ids, today(), explain=explain)
        hits = [with_highlight(view, "<mark>miel</mark>") for view in views.values()]
        for schema, shown in ((ProductSchema(), views.values()), (ProductSummarySchema(), views.values()),
                              (SearchItemSchema(), hits), (VariantSchema(), [v for p in views.values()
                                                                             for v in p.variants])):
            for view in shown:
                assert schema.dump(view) == Schema.dump(schema, view), (type(schema).__name__, view.id)
            assert schema.dump(list(shown), many=True) == [Schema.dump(schema, view) for view in shown]
        assert {len(view.variants) for view in views.values()} == {0, 1, 2}
        assert any(view.sellability_reasons for view in views.values()) is explain


def test_the_read_model_and_the_orm_rule_agree_on_what_sells(shop, manager, coop, users, app):
    ids = _views_of_every_kind(shop, manager, coop, users)
    with app.app_context():
        for day in (today(), today() + timedelta(days=400)):
            views = load_views(ids, day)
            for product in db.session.scalars(select(Product).where(Product.id.in_(ids))):
                assert views[product.id].sellable is not sellability_reasons(product, day), (product.id, day)
        assert [load_views(ids, today())[product_id].sellable for product_id in ids] == [True, False, False]
