"""The test data builders, in one place: request bodies, database rows, files, and search documents.

Every builder takes keyword overrides for any field and draws unique values (ICE, RIB, SKU, numbers) from one
sequence, so data built by different packages' tests never collide. The fixtures in tests/*/conftest.py
(`coop_factory`, `shop`, `market`…) are built on these.
"""
from __future__ import annotations

import io
import itertools
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from PIL import Image

from catalog.search.documents import SearchDocument
from cooperatives import validators
from cooperatives.models import Certification, Cooperative, Member

_sequence = itertools.count(1)


def next_number() -> int:
    """The next number of the run's one sequence."""
    return next(_sequence)


# --- identifiers ------------------------------------------------------------------------------------------------

def unique_ice() -> str:
    first_13 = f"{next_number():013d}"
    return f"{first_13}{-int(first_13) * 100 % 97:02d}"  # the control digits make the ICE a multiple of 97


def valid_rib(bank: str = "011", city: str = "780", account: str | None = None) -> str:
    account = account or f"{next_number():016d}"
    first_22 = bank + city + account
    return first_22 + validators.rib_key(first_22)


# --- files ------------------------------------------------------------------------------------------------------

def image_bytes(image_format: str, size: tuple[int, int] = (8, 8), color: str = "green", **options: Any) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, image_format, **options)
    return buffer.getvalue()


def png_bytes() -> bytes:
    return image_bytes("PNG")


def jpeg_bytes() -> bytes:
    return image_bytes("JPEG", color="orange")


def jpeg(size=(640, 480), color="saddlebrown", **options) -> bytes:
    return image_bytes("JPEG", size, color, **options)


# --- request bodies ---------------------------------------------------------------------------------------------

def cooperative_body(**overrides) -> dict:
    body = {
        "name": f"Coopérative Tifaouine {next_number()}",
        "legal_form": "cooperative",
        "registration_number": "RC 1234/2016",
        "ice": unique_ice(),
        "region": "souss-massa",
        "province": "Taroudant",
        "sector": "argan",
        "founded_on": "2016-05-12",
        "description": {"fr": "Huile d'argan extraite à la main par des femmes.", "ar": "زيت أركان"},
        "contact_email": "contact@tifaouine.ma",
        "phone": "0528 23 45 67",
    }
    return {**body, **overrides}


def member_body(**overrides) -> dict:
    body = {
        "full_name": "Aïcha Oubaha",
        "gender": "female",
        "birth_year": 1984,
        "role": "member",
        "joined_on": "2018-02-01",
        "capital_shares": 5,
        "payout_method": "bank_transfer",
        "payout_account": valid_rib(),
    }
    return {**body, **overrides}


def certification_form(**overrides) -> dict:
    form = {
        "kind": "onssa_authorization",
        "number": f"AS.{next_number():03d}.2018",
        "issuer": "ONSSA Souss-Massa",
        "issued_on": "2018-06-01",
        "expires_on": (validators.today() + timedelta(days=700)).isoformat(),
    }
    return {**form, **overrides}


def variant_body(sku: str | None = None, *, amount: int = 12000, **overrides) -> dict:
    body = {"sku": sku or f"SKU-{next_number()}", "label": "500 g", "weight_grams": 500,
            "price": {"amount": amount, "currency": "MAD"}}
    return {**body, **overrides}


def product_body(cooperative_id: int, *, category: str = "honey", variants: int | list = 1, amount: int = 12000,
                 **overrides) -> dict:
    """`variants` is a count of default variants or a list of variant bodies."""
    if isinstance(variants, int):
        variants = [variant_body(amount=amount) for _ in range(variants)]
    body = {"cooperative_id": cooperative_id, "category": category,
            "name": {"fr": "Miel de thym", "ar": "عسل الزعتر"}, "description": {"fr": "Miel de montagne."},
            "variants": variants}
    return {**body, **overrides}


# --- rows (the state an admin's decisions leave, without going through them) ------------------------------------

def cooperative_row(**overrides) -> Cooperative:
    n = next_number()
    values = dict(name=f"Coopérative {n}", registration_number=f"RC-{n}", ice=f"{n:015d}", region="souss-massa",
                  province="Agadir", sector="beekeeping", status="verified", description={"fr": "Une coopérative."})
    return Cooperative(**{**values, **overrides})


def member_row(cooperative_id: int, **overrides) -> Member:
    values = dict(cooperative_id=cooperative_id, full_name="Aicha Oubella", gender="female", birth_year=1985,
                  joined_on=date(2020, 1, 1), payout_method="cash")
    return Member(**{**values, **overrides})


def certification_row(cooperative_id: int, *, product_ids: tuple[int, ...] = (), **overrides) -> Certification:
    values = dict(cooperative_id=cooperative_id, kind="onssa_authorization", number=f"ONSSA.{next_number()}.2024",
                  issuer="ONSSA", issued_on=date(2023, 1, 1), expires_on=None, status="verified",
                  document_path="certifications/x.pdf", document_content_type="application/pdf")
    certification = Certification(**{**values, **overrides})
    certification.product_ids.extend(product_ids)
    return certification


# --- search documents -------------------------------------------------------------------------------------------

REGIONS = ("souss-massa", "draa-tafilalet", "marrakech-safi", "beni-mellal-khenifra")
CATEGORIES = {
    "argan-oil": ({"fr": "Huile d'argan", "en": "Argan oil"}, ["Huile d'argan alimentaire", "Huile d'argan cosmétique"]),
    "honey": ({"fr": "Miel", "en": "Honey"}, ["Miel de thym", "Miel d'euphorbe", "Miel de jujubier"]),
    "harissa-condiments": ({"fr": "Harissa et condiments", "en": "Harissa"}, ["Harissa piquante", "Harissa douce"]),
    "spices-saffron": ({"fr": "Épices et safran", "en": "Spices"}, ["Safran de Taliouine", "Ras el hanout"]),
}
KINDS = ("onssa_authorization", "igp", "bio")


def make_doc(product_id: int, **overrides: Any) -> SearchDocument:
    """A plausible argan-oil search document; keyword arguments replace any field."""
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
    return SearchDocument(**{**values, **overrides})


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
