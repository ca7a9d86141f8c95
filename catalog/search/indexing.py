"""Keep the search index in step with the database: the database is the truth, the index is derived.

Every catalog change announces `catalog.signals.product_changed` after its commit; `sync_products` then
re-reads those products and writes or removes their documents before the request returns. When the index
cannot be written, the database write stands and the products are queued (`flask search sync` applies them).
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from catalog.models import PUBLISHED, Product
from catalog.presentation import ProductView, present
from catalog.search import models as _tables  # noqa: F401  (the PostgreSQL backend's tables join db.metadata)
from catalog.search import outbox
from catalog.search.backend import SearchBackend, SearchUnavailable, make_backend
from catalog.search.documents import SearchDocument
from catalog.sellability import covers
from cooperatives.models import ONSSA_KINDS, CertificationStatus, Cooperative
from marketplace.clock import today
from marketplace.extensions import db

log = logging.getLogger(__name__)
BATCH = 1000


def search_backend() -> SearchBackend:
    """This process's backend for the current app (one per worker: Whoosh searchers are costly to open)."""
    backend = current_app.extensions.get("search_backend")
    if backend is None:
        name = current_app.config["SEARCH_BACKEND"]
        backend = make_backend(name, index_dir=current_app.config["SEARCH_INDEX_DIR"],
                               engine=db.engine if name == "postgres" else None)
        current_app.extensions["search_backend"] = backend
    return backend


def _sellable_until(product: Product, day: date) -> date | None:
    """The last day the ONSSA rule keeps a food product sellable; None when no date limits it."""
    if not product.category.requires_food_safety:
        return None
    expiries = [c.expires_on for c in product.cooperative.certifications
                if c.kind in ONSSA_KINDS and c.effective_status(day) == CertificationStatus.VERIFIED
                and covers(c, product.id)]
    return None if None in expiries else max(expiries)


def document_for(view: ProductView, day: date) -> SearchDocument:
    """The search document of a sellable product, as presented on `day`."""
    product = view.product
    kinds = tuple(sorted({badge.kind for badge in view.certifications
                          if badge.status == CertificationStatus.VERIFIED}))
    in_stock = any(variant.stock_available > 0 for variant in view.variants)
    price_min = min(variant.price.amount for variant in view.variants)
    sellable_until = _sellable_until(product, day)
    version = "|".join(map(str, (product.updated_at.isoformat(), product.cooperative.name, price_min, in_stock,
                                 ",".join(kinds), sellable_until)))
    return SearchDocument(
        product_id=product.id, names=dict(product.name), descriptions=dict(product.description or {}),
        category_slug=product.category.slug, category_names=dict(product.category.name),
        cooperative_id=product.cooperative_id, cooperative_name=product.cooperative.name,
        region=product.origin_region, certification_kinds=kinds, price_min=price_min, in_stock=in_stock,
        created_at=product.created_at, sellable_until=sellable_until,
        fingerprint=hashlib.sha1(version.encode()).hexdigest()[:16])


def _document_views(product_ids: set[int], day: date) -> list[ProductView]:
    """Views of these products with what a document reads (everything a product's JSON shows but its images)."""
    products = db.session.scalars(select(Product).where(Product.id.in_(sorted(product_ids))).options(
        joinedload(Product.cooperative, innerjoin=True).selectinload(Cooperative.certifications),
        joinedload(Product.category, innerjoin=True),
        selectinload(Product.variants))).unique()
    return present(list(products), day)


def documents_of(product_ids: Iterable[int], day: date) -> tuple[list[SearchDocument], set[int]]:
    """Documents for the sellable products among `product_ids`, and the ids that must leave the index."""
    ids = set(product_ids)
    docs = [document_for(view, day) for view in _document_views(ids, day) if view.sellable]
    return docs, ids - {doc.product_id for doc in docs}


def sync_products(product_ids: Iterable[int]) -> bool:
    """Bring these products' index entries up to date; queue them if the index cannot be written."""
    ids = sorted(set(product_ids))
    if not ids:
        return True
    try:
        _write(search_backend(), ids)
    except SearchUnavailable:
        log.warning("search index unavailable; %d products queued for `flask search sync`", len(ids))
        outbox.queue_updates(ids)
        return False
    return True


def _write(backend: SearchBackend, ids: list[int]) -> None:
    def read() -> tuple[list[SearchDocument], set[int]]:
        db.session.rollback()  # start a fresh snapshot now that we hold the lock (nothing is pending here)
        return documents_of(ids, today())

    backend.sync(read)


def on_product_changed(_sender, *, product_ids: list[int]) -> None:
    sync_products(product_ids)


def apply_pending(*, batch: int = BATCH) -> int:
    """Apply queued index changes (`flask search sync`); returns how many products were brought up to date."""
    done = 0
    while ids := outbox.pending_updates(batch):
        _write(search_backend(), ids)
        outbox.forget_updates(ids)
        done += len(ids)
    return done


def sellable_documents(day: date, *, batch: int = BATCH) -> Iterator[SearchDocument]:
    """Every sellable product's document, read in batches of `batch` products."""
    last_id = 0
    while ids := list(db.session.scalars(select(Product.id).where(Product.status == PUBLISHED, Product.id > last_id)
                                         .order_by(Product.id).limit(batch))):
        last_id = ids[-1]
        yield from documents_of(ids, day)[0]
        db.session.expunge_all()


def count_published() -> int:
    return db.session.query(Product).filter(Product.status == PUBLISHED).count()


def reindex(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database into a fresh one that replaces the old atomically."""
    total = count_published()
    written = 0

    def counted(docs: Iterator[SearchDocument]) -> Iterator[SearchDocument]:
        nonlocal written
        for doc in docs:
            written += 1
            yield doc

    search_backend().rebuild(counted(sellable_documents(today())), total=total, progress=progress)
    return written


@dataclass(frozen=True)
class IndexCheck:
    missing: list[int]   # sellable in the database, absent from the index
    stale: list[int]     # indexed with an outdated document
    extra: list[int]     # in the index but no longer sellable

    @property
    def healthy(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def check_index() -> IndexCheck:
    """Compare the index with what the database says buyers may find today."""
    indexed = search_backend().fingerprints()
    expected = {doc.product_id: doc.fingerprint for doc in sellable_documents(today())}
    return IndexCheck(
        missing=sorted(expected.keys() - indexed.keys()),
        stale=sorted(pid for pid in expected.keys() & indexed.keys() if expected[pid] != indexed[pid]),
        extra=sorted(indexed.keys() - expected.keys()))
