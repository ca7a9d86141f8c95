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
from sqlalchemy import Row, select

from catalog.models import PUBLISHED, Category, Product
from catalog.presentation import ProductView, load_views
from catalog.search import models as _tables  # noqa: F401  (the PostgreSQL backend's tables join db.metadata)
from catalog.search import outbox
from catalog.search.backend import SearchBackend, SearchUnavailable, make_backend
from catalog.search.documents import SearchDocument
from cooperatives.models import ONSSA_KINDS, CertificationStatus
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
                               engine=db.engine if name == "postgres" else None,
                               rebuild_memory_mb=current_app.config["SEARCH_REBUILD_MEMORY_MB"])
        current_app.extensions["search_backend"] = backend
    return backend


def _sellable_until(view: ProductView, requires_food_safety: bool) -> date | None:
    """The last day the ONSSA rule keeps a food product sellable; None when no date limits it. A view's badges
    are the verified certifications covering it, their status as of its day."""
    if not requires_food_safety:
        return None
    expiries = [badge.expires_on for badge in view.certifications
                if badge.kind in ONSSA_KINDS and badge.status == CertificationStatus.VERIFIED]
    return None if None in expiries else max(expiries)


def document_for(view: ProductView, category: Row) -> SearchDocument:
    """The search document of a sellable product from its view; `category` is its (name, requires_food_safety)."""
    kinds = tuple(sorted({badge.kind for badge in view.certifications
                          if badge.status == CertificationStatus.VERIFIED}))
    in_stock = any(variant.stock_available > 0 for variant in view.variants)
    price_min = min(variant.price.amount for variant in view.variants)
    sellable_until = _sellable_until(view, category.requires_food_safety)
    version = "|".join(map(str, (view.updated_at.isoformat(), view.cooperative.name, price_min, in_stock,
                                 ",".join(kinds), sellable_until)))
    return SearchDocument(
        product_id=view.id, names=dict(view.name), descriptions=dict(view.description or {}),
        category_slug=view.category, category_names=dict(category.name),
        cooperative_id=view.cooperative.id, cooperative_name=view.cooperative.name,
        region=view.origin_region, certification_kinds=kinds, price_min=price_min, in_stock=in_stock,
        created_at=view.created_at, sellable_until=sellable_until,
        fingerprint=hashlib.sha1(version.encode()).hexdigest()[:16])


def documents_of(product_ids: Iterable[int], day: date) -> tuple[list[SearchDocument], set[int]]:
    """Documents for the sellable products among `product_ids`, and the ids that must leave the index; read as
    plain columns (the listings' read model) in five queries whatever their number."""
    ids = set(product_ids)
    views = [view for view in load_views(sorted(ids), day).values() if view.sellable]
    categories = {row.slug: row for row in db.session.execute(
        select(Category.slug, Category.name, Category.requires_food_safety))} if views else {}
    docs = [document_for(view, categories[view.category]) for view in views]
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
