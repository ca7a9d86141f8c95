"""Builders of search documents for the search tests."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from catalog.search.documents import SearchDocument

REGIONS = ("souss-massa", "draa-tafilalet", "marrakech-safi", "beni-mellal-khenifra")
CATEGORIES = {
    "argan-oil": ({"fr": "Huile d'argan", "en": "Argan oil"}, ["Huile d'argan alimentaire", "Huile d'argan cosmétique"]),
    "honey": ({"fr": "Miel", "en": "Honey"}, ["Miel de thym", "Miel d'euphorbe", "Miel de jujubier"]),
    "harissa-condiments": ({"fr": "Harissa et condiments", "en": "Harissa"}, ["Harissa piquante", "Harissa douce"]),
    "spices-saffron": ({"fr": "Épices et safran", "en": "Spices"}, ["Safran de Taliouine", "Ras el hanout"]),
}
KINDS = ("onssa_authorization", "igp", "bio")


def make_doc(product_id: int, **overrides: Any) -> SearchDocument:
    """A plausible argan-oil document; keyword arguments replace any field."""
    values: dict[str, Any] = dict(
        product_id=product_id,
        names={"fr": f"Produit {product_id}"},
        descriptions={"fr": "Produit du terroir marocain."},
        category_slug="argan-oil",
        category_names={"fr": "Huile d'argan", "en": "Argan oil"},
        cooperative_id=1,
        cooperative_name="Coopérative Tifaout",
        region="souss-massa",
        certification_kinds=(),
        price_min=10_000,
        in_stock=True,
        created_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=product_id),
        sellable_until=None,
        fingerprint=f"v1-{product_id}",
    )
    values.update(overrides)
    return SearchDocument(**values)


def random_corpus(size: int, seed: int = 7) -> list[SearchDocument]:
    """A reproducible mixed corpus over a few categories, regions, cooperatives and certifications."""
    rng = random.Random(seed)
    docs = []
    for pid in range(1, size + 1):
        slug = rng.choice(list(CATEGORIES))
        category_names, names = CATEGORIES[slug]
        kinds = tuple(kind for kind in KINDS if rng.random() < 0.4)
        docs.append(make_doc(
            pid,
            names={"fr": f"{rng.choice(names)} {rng.choice(['250 g', '500 ml', 'bio', 'premium'])}"},
            descriptions={"fr": rng.choice(["Récolte artisanale.", "Pressée à froid.", "Séché au soleil."])},
            category_slug=slug,
            category_names=category_names,
            cooperative_id=rng.randint(1, 5),
            region=rng.choice(REGIONS),
            certification_kinds=kinds,
            price_min=rng.randint(20, 400) * 100,
            in_stock=rng.random() < 0.8,
            sellable_until=rng.choice([None, None, date(2030, 1, 1), date(2020, 1, 1)]),
        ))
    return docs
