"""Writes of the PostgreSQL backend: document rows, and the reference counts of the spelling vocabulary
(`search_terms`) and of suggestions (`search_completions`), under one advisory writer lock."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from catalog.search.analysis import search_text, surface_words
from catalog.search.backend import SearchUnavailable
from catalog.search.documents import SearchDocument, completion_entries, document_texts
from catalog.search.models import NO_LIMIT

# Advisory lock of the search index writer, one per schema: the index tables live in the schema, and several
# schemas (one per test worker, or per deployment) share one database.
WRITER_LOCK_KEY = 0x5EA2C4
BATCH = 1000

UPSERT_DOCUMENT = sa.text("""
INSERT INTO search_documents (product_id, category_slug, region, certification_kinds, cooperative_id, price_min,
    in_stock, created_at, sellable_until, name_text, search_vector, fingerprint)
VALUES (:product_id, :category_slug, :region, :certification_kinds, :cooperative_id, :price_min, :in_stock,
    :created_at, :sellable_until, :name_text,
    setweight(to_tsvector('simple', :name_text), 'A') || setweight(to_tsvector('simple', :meta_text), 'B')
        || setweight(to_tsvector('simple', :body_text), 'C'),
    :fingerprint)
ON CONFLICT (product_id) DO UPDATE SET category_slug = excluded.category_slug, region = excluded.region,
    certification_kinds = excluded.certification_kinds, cooperative_id = excluded.cooperative_id,
    price_min = excluded.price_min, in_stock = excluded.in_stock, created_at = excluded.created_at,
    sellable_until = excluded.sellable_until, name_text = excluded.name_text,
    search_vector = excluded.search_vector, fingerprint = excluded.fingerprint
""")
UPSERT_TEXTS = sa.text("""
INSERT INTO search_document_texts (product_id, names, descriptions, meta_text, body_text, vocabulary, completions)
VALUES (:product_id, CAST(:names AS jsonb), CAST(:descriptions AS jsonb), :meta_text, :body_text,
    CAST(:vocabulary AS jsonb), CAST(:completions AS jsonb))
ON CONFLICT (product_id) DO UPDATE SET names = excluded.names, descriptions = excluded.descriptions,
    meta_text = excluded.meta_text, body_text = excluded.body_text, vocabulary = excluded.vocabulary,
    completions = excluded.completions
""")
_ADD_TERMS = sa.text("""
INSERT INTO search_terms (word, surface, doc_count) VALUES (:word, :surface, :n)
ON CONFLICT (word, surface) DO UPDATE SET doc_count = search_terms.doc_count + excluded.doc_count
""")
_ADD_COMPLETIONS = sa.text("""
INSERT INTO search_completions (key, display, sellable_until, whole, doc_count)
VALUES (:key, :display, :sellable_until, :whole, :n)
ON CONFLICT (key, display, sellable_until) DO UPDATE SET doc_count = search_completions.doc_count + excluded.doc_count
""")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def document_row(doc: SearchDocument) -> dict[str, Any]:
    """The parameters of UPSERT_DOCUMENT and UPSERT_TEXTS for one document."""
    texts = document_texts(doc)
    return {
        "product_id": doc.product_id,
        "category_slug": doc.category_slug,
        "region": doc.region,
        "certification_kinds": list(doc.certification_kinds),
        "cooperative_id": doc.cooperative_id,
        "price_min": doc.price_min,
        "in_stock": doc.in_stock,
        "created_at": doc.created_at,
        "sellable_until": doc.sellable_until,
        "names": _json(doc.names),
        "descriptions": _json(doc.descriptions),
        "name_text": search_text(texts.name),
        "meta_text": search_text(texts.meta),
        "body_text": search_text(texts.description),
        "vocabulary": _json(sorted(surface_words(texts.everything).items())),
        "completions": _json(sorted(completion_entries(doc))),
        "fingerprint": doc.fingerprint,
    }


def write_rows(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(UPSERT_DOCUMENT, rows)
    conn.execute(UPSERT_TEXTS, rows)


def batches(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class Counts:
    """Net change of vocabulary and completion reference counts over one write transaction.

    Completions are counted by the last day their documents are sellable, so suggest keeps only those a
    product still sellable today holds, reading nothing but `search_completions`.
    """

    def __init__(self) -> None:
        self.terms: Counter[tuple[str, str]] = Counter()
        self.completions: Counter[tuple[str, str, date, bool]] = Counter()

    def add(self, vocabulary: Iterable[Any], completions: Iterable[Any], sellable_until: date | None,
            sign: int) -> None:
        until = sellable_until or NO_LIMIT
        for word, surface in vocabulary:
            self.terms[(word, surface)] += sign
        for key, display, whole in completions:
            self.completions[(key, display, until, bool(whole))] += sign

    def add_row(self, row: dict[str, Any]) -> None:
        """Count what a new document row (document_row) contributes."""
        self.add(json.loads(row["vocabulary"]), json.loads(row["completions"]), row["sellable_until"], +1)

    def apply(self, conn: sa.Connection) -> None:
        terms = [{"word": w, "surface": s, "n": n} for (w, s), n in sorted(self.terms.items()) if n]
        completions = [{"key": k, "display": d, "sellable_until": until, "whole": wh, "n": n}
                       for (k, d, until, wh), n in sorted(self.completions.items()) if n]
        for batch in batches(terms, 5000):
            conn.execute(_ADD_TERMS, batch)
        for batch in batches(completions, 5000):
            conn.execute(_ADD_COMPLETIONS, batch)
        if any(n < 0 for n in self.terms.values()):
            conn.execute(sa.text("DELETE FROM search_terms WHERE doc_count <= 0 AND word = ANY(:words)"),
                         {"words": sorted({w for (w, _), n in self.terms.items() if n < 0})})
        if any(n < 0 for n in self.completions.values()):
            conn.execute(sa.text("DELETE FROM search_completions WHERE doc_count <= 0 AND key = ANY(:keys)"),
                         {"keys": sorted({k for (k, _, _, _), n in self.completions.items() if n < 0})})


def forget(conn: sa.Connection, ids: list[int], counts: Counts) -> None:
    """Take back what the current rows of `ids` contributed to the vocabulary and completions."""
    rows = conn.execute(sa.text(
        "SELECT t.vocabulary, t.completions, d.sellable_until FROM search_document_texts t "
        "JOIN search_documents d ON d.product_id = t.product_id WHERE t.product_id = ANY(:ids)"), {"ids": ids})
    for vocabulary, completions, sellable_until in rows:
        counts.add(vocabulary, completions, sellable_until, -1)


def upsert(conn: sa.Connection, latest: dict[int, SearchDocument]) -> None:
    counts = Counts()
    forget(conn, sorted(latest), counts)
    for batch in batches(latest[pid] for pid in sorted(latest)):
        rows = [document_row(doc) for doc in batch]
        write_rows(conn, rows)
        for row in rows:
            counts.add_row(row)
    counts.apply(conn)


def delete(conn: sa.Connection, ids: list[int]) -> None:
    counts = Counts()
    forget(conn, ids, counts)
    conn.execute(sa.text("DELETE FROM search_documents WHERE product_id = ANY(:ids)"), {"ids": ids})
    counts.apply(conn)


class WriteTransaction:
    """engine.begin() holding the search writer lock; database failures become SearchUnavailable."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._context: Any = None

    def __enter__(self) -> sa.Connection:
        try:
            self._context = self.engine.begin()
            conn = self._context.__enter__()
            conn.execute(sa.text("SELECT set_config('lock_timeout', '30s', true)"))
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
                         {"key": WRITER_LOCK_KEY})
            return conn
        except DBAPIError as exc:
            if self._context is not None:
                self._context.__exit__(type(exc), exc, exc.__traceback__)
            raise SearchUnavailable(f"search index not writable: {exc}") from exc

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            self._context.__exit__(exc_type, exc, tb)
        except DBAPIError as error:
            raise SearchUnavailable(f"search index not writable: {error}") from error
        if isinstance(exc, DBAPIError):
            raise SearchUnavailable(f"search index not writable: {exc}") from exc
