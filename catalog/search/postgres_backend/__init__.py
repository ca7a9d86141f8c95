"""PostgreSQL search backend: shared by every app server, one short transaction per call.

Text is analysed in Python (the same `analysis` as Whoosh) and stored pre-normalised; the tsvector is built
with the 'simple' configuration over it, weighted A (names), B (category, cooperative, certifications),
C (description). `search_documents` holds only what matching reads for every match; the texts a hit shows and
the write bookkeeping are in `search_document_texts`. Queries use `plainto_tsquery`: the normalised words carry no operators, and `websearch`
syntax would read the French word "or" (gold) as an operator.

By concern: `writing` (document rows and the reference counts of the vocabulary and completions, under one
advisory writer lock), `matching` (total, facets and a page in one scan; ranking on a bounded candidate set;
spelling candidates), `suggestions` (completions still held by a sellable product).

Writers serialise on a transaction-level advisory lock (waiting up to 30 s) because each write also adjusts
the reference counts of `search_terms` (the spelling vocabulary) and `search_completions` (suggestions) by
what the replaced row had contributed; readers never wait. A rebuild is one transaction, so readers see the
old rows until it commits.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

import sqlalchemy as sa

from catalog.search.analysis import correct_query
from catalog.search.documents import SearchCounts, SearchDocument, SearchQuery, SearchResult
from catalog.search.postgres_backend import matching, suggestions
from catalog.search.postgres_backend.writing import (Counts, WriteTransaction, batches, delete, document_row,
                                                     upsert, write_rows)
from marketplace import clock


class PostgresBackend:
    """Search backend over the `search_documents`, `search_terms` and `search_completions` tables."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # -- writes -------------------------------------------------------------------------------------------

    def index(self, docs: Iterable[SearchDocument]) -> None:
        latest = {doc.product_id: doc for doc in docs}
        if latest:
            with WriteTransaction(self.engine) as conn:
                upsert(conn, latest)

    def remove(self, product_ids: Iterable[int]) -> None:
        ids = sorted(set(product_ids))
        if ids:
            with WriteTransaction(self.engine) as conn:
                delete(conn, ids)

    def sync(self, read: Callable[[], tuple[list[SearchDocument], set[int]]]) -> None:
        with WriteTransaction(self.engine) as conn:
            docs, gone = read()
            if docs:
                upsert(conn, {doc.product_id: doc for doc in docs})
            if gone:
                delete(conn, sorted(gone))

    def rebuild(self, docs: Iterable[SearchDocument], *, total: int | None = None,
                progress: Callable[[int], None] | None = None) -> None:
        with WriteTransaction(self.engine) as conn:
            for table in ("search_document_texts", "search_documents", "search_terms", "search_completions"):
                conn.execute(sa.text(f"DELETE FROM {table}"))
            counts = Counts()
            done = 0
            seen: set[int] = set()
            for batch in batches(docs):
                rows = [document_row(doc) for doc in batch]
                write_rows(conn, rows)
                for row in rows:
                    # A product listed twice would be counted twice in the vocabulary.
                    if row["product_id"] in seen:
                        raise ValueError(f"product {row['product_id']} listed twice in a rebuild")
                    seen.add(row["product_id"])
                    counts.add_row(row)
                done += len(rows)
                if progress:
                    progress(done)
            counts.apply(conn)

    # -- reads --------------------------------------------------------------------------------------------

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM search_documents")).scalar_one()

    def fingerprints(self) -> dict[int, str]:
        with self.engine.connect() as conn:
            return dict(conn.execute(sa.text("SELECT product_id, fingerprint FROM search_documents")).all())

    def search(self, query: SearchQuery, counts: SearchCounts | None = None) -> SearchResult:
        with self.engine.connect() as conn:
            if counts is not None:
                asked = replace(query, q=counts.did_you_mean) if counts.did_you_mean else query
                return replace(matching.search(conn, asked, counted=False), total=counts.total,
                               facets=counts.facets, did_you_mean=counts.did_you_mean)
            result = matching.search(conn, query)
            if result.total or not query.q.strip():
                return result
            corrected = correct_query(
                query.q,
                is_known=lambda word: matching.known(conn, word),
                candidates=lambda word, distance: matching.spelling_candidates(conn, word, distance),
                display=lambda word: matching.display_form(conn, word),
            )
            if corrected is None:
                return result
            fixed = matching.search(conn, replace(query, q=corrected))
            return replace(fixed, did_you_mean=corrected) if fixed.total else result

    def suggest(self, prefix: str, *, limit: int = 10) -> list[str]:
        with self.engine.connect() as conn:
            return suggestions.suggest(conn, prefix, limit=limit, today=clock.today())
