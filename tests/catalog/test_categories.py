"""The seeded category tree: GET /categories, VAT rates, food-safety flags, idempotent seeding."""
from sqlalchemy import func, select

from catalog.categories import ensure_categories
from catalog.models import Category
from marketplace.extensions import db
from tests.catalog.conftest import API

FOOD = ["argan-oil", "honey", "amlou", "harissa-condiments", "spices-saffron", "couscous-cereals",
        "dates-dried-fruit", "olive-oil"]


def test_the_tree_has_food_cosmetics_and_crafts_with_their_children(shop, client):
    tree = client.get(f"{API}/categories", headers={"Accept-Language": "ar"}).json
    assert [root["slug"] for root in tree] == ["food", "cosmetics", "crafts"]
    children = {root["slug"]: [child["slug"] for child in root["children"]] for root in tree}
    assert children == {"food": FOOD, "cosmetics": ["argan-cosmetics"],
                        "crafts": ["jewelry", "pottery", "rugs-weaving", "leather", "basketry"]}
    honey = tree[0]["children"][1]
    assert set(honey) == {"slug", "name", "display_name", "requires_food_safety", "vat_rate_bps", "children"}
    assert honey["display_name"] == "عسل" and set(honey["name"]) == {"fr", "ar", "en"}


def test_food_needs_food_safety_and_cosmetic_argan_does_not(shop, client):
    leaves = {child["slug"]: child for root in client.get(f"{API}/categories").json for child in root["children"]}
    assert sorted(slug for slug, c in leaves.items() if c["requires_food_safety"]) == sorted(FOOD)
    assert leaves["argan-cosmetics"]["requires_food_safety"] is False


def test_exempt_goods_have_no_vat_and_the_rest_the_standard_rate(shop, client):
    leaves = {child["slug"]: child["vat_rate_bps"] for root in client.get(f"{API}/categories").json
              for child in root["children"]}
    assert sorted(slug for slug, rate in leaves.items() if rate == 0) == \
        ["couscous-cereals", "dates-dried-fruit", "olive-oil", "rugs-weaving"]
    assert {rate for slug, rate in leaves.items() if rate} == {2000}


def test_seeding_twice_creates_nothing_more_and_keeps_edits(app):
    with app.app_context():
        assert ensure_categories() == 17
        db.session.scalar(select(Category).where(Category.slug == "honey")).vat_rate_bps = 1000
        db.session.commit()
        assert ensure_categories() == 0
        assert db.session.scalar(select(func.count(Category.id))) == 17
        assert db.session.scalar(select(Category.vat_rate_bps).where(Category.slug == "honey")) == 1000


def test_seeding_fills_in_a_missing_child_under_its_existing_parent(app):
    with app.app_context():
        ensure_categories()
        db.session.delete(db.session.scalar(select(Category).where(Category.slug == "basketry")))
        db.session.commit()
        with db.engine.begin() as connection:  # as a data migration would, on Alembic's connection
            assert ensure_categories(connection) == 1
        basketry = db.session.scalar(select(Category).where(Category.slug == "basketry"))
        assert basketry.parent.slug == "crafts"
