"""The seeded category tree, and `ensure_categories()` that inserts whatever is missing (demo load, data migration)."""
from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlalchemy import Connection, Row, Select, bindparam, insert, or_, select

from catalog.models import Category
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.transaction import unit_of_work

STANDARD_VAT, EXEMPT = 2000, 0

# (slug, {fr, ar, en}, requires_food_safety, vat_rate_bps, children)
# VAT (DOMAIN.md): 20% standard; couscous, packaged dates, artisanal olive oil and hand-made rugs are exempt.
# Cosmetic argan oil is registered with the Health Ministry, not ONSSA: no food-safety certificate needed.
CATEGORY_TREE: list[tuple[str, dict[str, str], bool, int, list]] = [
    ("food", {"fr": "Alimentation", "ar": "مواد غذائية", "en": "Food"}, True, STANDARD_VAT, [
        ("argan-oil", {"fr": "Huile d'argan alimentaire", "ar": "زيت أركان للطبخ", "en": "Culinary argan oil"},
         True, STANDARD_VAT, []),
        ("honey", {"fr": "Miel", "ar": "عسل", "en": "Honey"}, True, STANDARD_VAT, []),
        ("amlou", {"fr": "Amlou", "ar": "أملو", "en": "Amlou"}, True, STANDARD_VAT, []),
        ("harissa-condiments", {"fr": "Harissa et condiments", "ar": "هريسة وتوابل محضرة",
                                "en": "Harissa and condiments"}, True, STANDARD_VAT, []),
        ("spices-saffron", {"fr": "Épices et safran", "ar": "توابل وزعفران", "en": "Spices and saffron"},
         True, STANDARD_VAT, []),
        ("couscous-cereals", {"fr": "Couscous et céréales", "ar": "كسكس وحبوب", "en": "Couscous and cereals"},
         True, EXEMPT, []),
        ("dates-dried-fruit", {"fr": "Dattes et fruits secs", "ar": "تمور وفواكه جافة",
                               "en": "Dates and dried fruit"}, True, EXEMPT, []),
        ("olive-oil", {"fr": "Huile d'olive", "ar": "زيت الزيتون", "en": "Olive oil"}, True, EXEMPT, []),
    ]),
    ("cosmetics", {"fr": "Cosmétiques", "ar": "مستحضرات التجميل", "en": "Cosmetics"}, False, STANDARD_VAT, [
        ("argan-cosmetics", {"fr": "Huile d'argan cosmétique", "ar": "زيت أركان تجميلي",
                             "en": "Cosmetic argan oil"}, False, STANDARD_VAT, []),
    ]),
    ("crafts", {"fr": "Artisanat", "ar": "الصناعة التقليدية", "en": "Crafts"}, False, STANDARD_VAT, [
        ("jewelry", {"fr": "Bijoux", "ar": "حلي ومجوهرات", "en": "Jewelry"}, False, STANDARD_VAT, []),
        ("pottery", {"fr": "Poterie", "ar": "فخار", "en": "Pottery"}, False, STANDARD_VAT, []),
        ("rugs-weaving", {"fr": "Tapis et tissage", "ar": "زرابي ونسيج", "en": "Rugs and weaving"},
         False, EXEMPT, []),
        ("leather", {"fr": "Maroquinerie", "ar": "منتجات جلدية", "en": "Leather goods"}, False, STANDARD_VAT, []),
        ("basketry", {"fr": "Vannerie", "ar": "سلال وحصائر", "en": "Basketry"}, False, STANDARD_VAT, []),
    ]),
]


def ensure_categories(connection: Connection | None = None) -> int:
    """Insert the seeded categories that are missing (by slug) and return how many; existing rows are left alone.

    Pass Alembic's `op.get_bind()` from a data migration; without a connection it runs in a unit of work.
    """
    if connection is None:
        with unit_of_work():
            return _insert_missing(db.session.connection())
    return _insert_missing(connection)


def _insert_missing(connection: Connection) -> int:
    table = Category.__table__
    ids = dict(connection.execute(select(table.c.slug, table.c.id)).all())
    created = 0

    def add(nodes: list, parent_id: int | None) -> None:
        nonlocal created
        for position, (slug, name, food_safety, vat, children) in enumerate(nodes):
            if slug not in ids:
                result = connection.execute(insert(table).values(
                    slug=slug, name=name, parent_id=parent_id, requires_food_safety=food_safety,
                    vat_rate_bps=vat, position=position))
                ids[slug] = result.inserted_primary_key[0]
                created += 1
            add(children, ids[slug])

    add(CATEGORY_TREE, None)
    return created


@cache
def _family() -> Select:
    slug = bindparam("slug")
    parent = select(Category.id).where(Category.slug == slug).scalar_subquery()
    return select(Category.id, Category.slug).where(or_(Category.slug == slug, Category.parent_id == parent))


def category_family(slug: str) -> Sequence[Row]:
    """The `id` and `slug` of the category and, for a parent, of its children; 422 for an unknown slug.

    Read by every filtered listing and search: the statement is built once."""
    family = db.session.execute(_family(), {"slug": slug}).all()
    if not any(category.slug == slug for category in family):
        raise ValidationFailed(message="Unknown category.", details={"category": [f"No category {slug!r}."]})
    return family
