"""PostgreSQL search backend: shared by every app server, one short transaction per call.

Text is analysed in Python (the same `analysis` as Whoosh) and stored pre-normalised; the tsvector is built
with the 'simple' configuration over it, weighted A (names), B (category, cooperative, certifications),
C (description). Queries use `plainto_tsquery`: the normalised words carry no operators, and `websearch`
syntax would read the French word "or" (gold) as an operator.

Writers serialise on a transaction-level advisory lock (waiting up to 30 s) because each write also adjusts
the reference counts of `search_terms` (the spelling vocabulary) and `search_completions` (suggestions) by
what the replaced row had contributed; readers never wait. A rebuild is one transaction, so readers see the
old rows until it commits.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import date
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from catalog.search.analysis import (
    STOPWORDS,
    completion_prefix,
    correct_query,
    fold_token,
    hit_highlight,
    index_terms,
    search_text,
    stem,
    surface_words,
)
from catalog.search.backend import SearchUnavailable
from catalog.search.documents import (
    FACETS,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
    completion_entries,
    document_texts,
    empty_result,
    sorted_facet,
)
from marketplace import clock

WRITER_LOCK_KEY = 0x5EA2C4  # advisory lock id of the search index writer
BATCH = 1000

_UPSERT = sa.text("""
INSERT INTO search_documents (product_id, category_slug, region, certification_kinds, cooperative_id, price_min,
    in_stock, created_at, sellable_until, names, descriptions, name_text, meta_text, body_text, search_vector,
    vocabulary, completions, fingerprint)
VALUES (:product_id, :category_slug, :region, :certification_kinds, :cooperative_id, :price_min, :in_stock,
    :created_at, :sellable_until, CAST(:names AS jsonb), CAST(:descriptions AS jsonb), :name_text, :meta_text,
    :body_text,
    setweight(to_tsvector('simple', :name_text), 'A') || setweight(to_tsvector('simple', :meta_text), 'B')
        || setweight(to_tsvector('simple', :body_text), 'C'),
    CAST(:vocabulary AS jsonb), CAST(:completions AS jsonb), :fingerprint)
ON CONFLICT (product_id) DO UPDATE SET category_slug = excluded.category_slug, region = excluded.region,
    certification_kinds = excluded.certification_kinds, cooperative_id = excluded.cooperative_id,
    price_min = excluded.price_min, in_stock = excluded.in_stock, created_at = excluded.created_at,
    sellable_until = excluded.sellable_until, names = excluded.names, descriptions = excluded.descriptions,
    name_text = excluded.name_text, meta_text = excluded.meta_text, body_text = excluded.body_text,
    search_vector = excluded.search_vector, vocabulary = excluded.vocabulary,
    completions = excluded.completions, fingerprint = excluded.fingerprint
""")
_ADD_TERMS = sa.text("""
INSERT INTO search_terms (word, surface, doc_count) VALUES (:word, :surface, :n)
ON CONFLICT (word, surface) DO UPDATE SET doc_count = search_terms.doc_count + excluded.doc_count
""")
_ADD_COMPLETIONS = sa.text("""
INSERT INTO search_completions (key, display, whole, doc_count) VALUES (:key, :display, :whole, :n)
ON CONFLICT (key, display) DO UPDATE SET doc_count = search_completions.doc_count + excluded.doc_count
""")
_ORDER = {
    "relevance": "rank DESC, created_at DESC, product_id DESC",
    "newest": "created_at DESC, product_id DESC",
    "price_asc": "price_min ASC, product_id ASC",
    "price_desc": "price_min DESC, product_id ASC",
}


_SUGGEST_CANDIDATES = sa.text("""
    SELECT display, array_agg(key ORDER BY key), array_agg(whole ORDER BY key) FROM search_completions
    WHERE key LIKE :pattern GROUP BY display
    ORDER BY bool_or(whole) DESC, length(display), sum(doc_count) DESC, display LIMIT :scan""")

# search_completions counts every indexed document, expired or not: a suggestion is kept only while a document
# holding that very completion is still sellable today. The words of the key narrow the documents through the
# search_vector index first.
_LIVE_COMPLETIONS = """
    SELECT DISTINCT c.display FROM unnest(CAST(:keys AS text[]), CAST(:displays AS text[]),
        CAST(:wholes AS boolean[]), CAST(:words AS text[])) AS c(key, display, whole, words)
    WHERE EXISTS (SELECT 1 FROM search_documents d WHERE {words}
        d.completions @> jsonb_build_array(jsonb_build_array(c.key, c.display, c.whole))
        AND (d.sellable_until IS NULL OR d.sellable_until >= :today))"""
_LIVE_BY_WORDS = sa.text(_LIVE_COMPLETIONS.format(words="d.search_vector @@ plainto_tsquery('simple', c.words) AND"))
_LIVE_ANY = sa.text(_LIVE_COMPLETIONS.format(words=""))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _row(doc: SearchDocument) -> dict[str, Any]:
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


def _batches(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _live_displays(conn: sa.Connection, candidates: Iterable[Any], today: date) -> set[str]:
    """The displays among `candidates` (display, keys, wholes) that a document sellable on `today` completes to."""
    by_words: dict[str, list[Any]] = {name: [] for name in ("keys", "displays", "wholes", "words")}
    without: dict[str, list[Any]] = {name: [] for name in ("keys", "displays", "wholes", "words")}
    for display, keys, wholes in candidates:
        for key, whole in zip(keys, wholes):
            words = " ".join(stem(word) for word in key.split() if word not in STOPWORDS)
            target = by_words if words else without
            for name, value in (("keys", key), ("displays", display), ("wholes", whole), ("words", words)):
                target[name].append(value)
    live: set[str] = set()
    for statement, params in ((_LIVE_BY_WORDS, by_words), (_LIVE_ANY, without)):
        if params["keys"]:
            live.update(conn.execute(statement, {**params, "today": today}).scalars())
    return live


class _Counts:
    """Net change of vocabulary and completion reference counts over one write transaction."""

    def __init__(self) -> None:
        self.terms: Counter[tuple[str, str]] = Counter()
        self.completions: Counter[tuple[str, str, bool]] = Counter()

    def add(self, vocabulary: Iterable[Any], completions: Iterable[Any], sign: int) -> None:
        for word, surface in vocabulary:
            self.terms[(word, surface)] += sign
        for key, display, whole in completions:
            self.completions[(key, display, bool(whole))] += sign

    def apply(self, conn: sa.Connection) -> None:
        terms = [{"word": w, "surface": s, "n": n} for (w, s), n in sorted(self.terms.items()) if n]
        completions = [{"key": k, "display": d, "whole": wh, "n": n}
                       for (k, d, wh), n in sorted(self.completions.items()) if n]
        for batch in _batches(terms, 5000):
            conn.execute(_ADD_TERMS, batch)
        for batch in _batches(completions, 5000):
            conn.execute(_ADD_COMPLETIONS, batch)
        if any(n < 0 for n in self.terms.values()):
            conn.execute(sa.text("DELETE FROM search_terms WHERE doc_count <= 0 AND word = ANY(:words)"),
                         {"words": sorted({w for (w, _), n in self.terms.items() if n < 0})})
        if any(n < 0 for n in self.completions.values()):
            conn.execute(sa.text("DELETE FROM search_completions WHERE doc_count <= 0 AND key = ANY(:keys)"),
                         {"keys": sorted({k for (k, _, _), n in self.completions.items() if n < 0})})


class PostgresBackend:
    """Search backend over the `search_documents`, `search_terms` and `search_completions` tables."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # -- writes -------------------------------------------------------------------------------------------

    def _writing(self) -> Any:
        return _WriteTransaction(self.engine)

    def index(self, docs: Iterable[SearchDocument]) -> None:
        latest = {doc.product_id: doc for doc in docs}
        if latest:
            with self._writing() as conn:
                self._upsert(conn, latest)

    def remove(self, product_ids: Iterable[int]) -> None:
        ids = sorted(set(product_ids))
        if ids:
            with self._writing() as conn:
                self._delete(conn, ids)

    def sync(self, read: Callable[[], tuple[list[SearchDocument], set[int]]]) -> None:
        with self._writing() as conn:
            docs, gone = read()
            if docs:
                self._upsert(conn, {doc.product_id: doc for doc in docs})
            if gone:
                self._delete(conn, sorted(gone))

    def _upsert(self, conn: sa.Connection, latest: dict[int, SearchDocument]) -> None:
        counts = _Counts()
        self._forget(conn, sorted(latest), counts)
        for batch in _batches(latest[pid] for pid in sorted(latest)):
            rows = [_row(doc) for doc in batch]
            conn.execute(_UPSERT, rows)
            for row in rows:
                counts.add(json.loads(row["vocabulary"]), json.loads(row["completions"]), +1)
        counts.apply(conn)

    def _delete(self, conn: sa.Connection, ids: list[int]) -> None:
        counts = _Counts()
        self._forget(conn, ids, counts)
        conn.execute(sa.text("DELETE FROM search_documents WHERE product_id = ANY(:ids)"), {"ids": ids})
        counts.apply(conn)

    @staticmethod
    def _forget(conn: sa.Connection, ids: list[int], counts: _Counts) -> None:
        rows = conn.execute(sa.text(
            "SELECT vocabulary, completions FROM search_documents WHERE product_id = ANY(:ids)"), {"ids": ids})
        for vocabulary, completions in rows:
            counts.add(vocabulary, completions, -1)

    def rebuild(self, docs: Iterable[SearchDocument], *, total: int | None = None,
                progress: Callable[[int], None] | None = None) -> None:
        with self._writing() as conn:
            for table in ("search_documents", "search_terms", "search_completions"):
                conn.execute(sa.text(f"DELETE FROM {table}"))
            counts = _Counts()
            done = 0
            seen: set[int] = set()
            for batch in _batches(docs):
                rows = [_row(doc) for doc in batch]
                conn.execute(_UPSERT, rows)
                for row in rows:
                    # A product listed twice would be counted twice in the vocabulary.
                    if row["product_id"] in seen:
                        raise ValueError(f"product {row['product_id']} listed twice in a rebuild")
                    seen.add(row["product_id"])
                    counts.add(json.loads(row["vocabulary"]), json.loads(row["completions"]), +1)
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

    def search(self, query: SearchQuery) -> SearchResult:
        with self.engine.connect() as conn:
            result = self._search(conn, query)
            if result.total or not query.q.strip():
                return result
            corrected = correct_query(
                query.q,
                is_known=lambda word: conn.execute(sa.text(
                    "SELECT EXISTS (SELECT 1 FROM search_terms WHERE word = :w)"), {"w": word}).scalar_one(),
                candidates=lambda word, limit: self._candidates(conn, word),
                display=lambda word: conn.execute(sa.text(
                    "SELECT surface FROM search_terms WHERE word = :w ORDER BY doc_count DESC, surface LIMIT 1"),
                    {"w": word}).scalar() or word,
            )
            if corrected is None:
                return result
            fixed = self._search(conn, replace(query, q=corrected))
            return replace(fixed, did_you_mean=corrected) if fixed.total else result

    @staticmethod
    def _candidates(conn: sa.Connection, word: str) -> list[tuple[str, int]]:
        # Trigram similarity is low for short words with one typo (mile/miel: 0.25), so cast a wide net
        # and let the edit distance decide.
        conn.execute(sa.text("SELECT set_config('pg_trgm.similarity_threshold', '0.15', true)"))
        rows = conn.execute(sa.text(
            "SELECT word, sum(doc_count) FROM search_terms WHERE word % :w GROUP BY word"), {"w": word})
        return [(candidate, int(n)) for candidate, n in rows]

    def _search(self, conn: sa.Connection, query: SearchQuery) -> SearchResult:
        terms = index_terms(query.q)
        if query.q.strip() and not terms:
            return empty_result()
        where = ["(sellable_until IS NULL OR sellable_until >= :today)"]
        params: dict[str, Any] = {"today": query.today}
        rank = "0"
        if terms:
            where.append("search_vector @@ plainto_tsquery('simple', :q)")
            rank = "ts_rank(search_vector, plainto_tsquery('simple', :q))"
            params["q"] = " ".join(terms)
        if query.category_slugs:
            where.append("category_slug = ANY(:category_slugs)")
            params["category_slugs"] = list(query.category_slugs)
        for column, value in (("region", query.region),
                              ("cooperative_id", query.cooperative_id), ("in_stock", query.in_stock)):
            if value is not None:
                where.append(f"{column} = :{column}")
                params[column] = value
        if query.certification is not None:
            where.append(":certification = ANY(certification_kinds)")
            params["certification"] = query.certification
        if query.min_price is not None:
            where.append("price_min >= :min_price")
            params["min_price"] = query.min_price
        if query.max_price is not None:
            where.append("price_min <= :max_price")
            params["max_price"] = query.max_price
        condition = " AND ".join(where)
        facet_rows = conn.execute(sa.text(f"""
            WITH m AS MATERIALIZED (
                SELECT category_slug, region, certification_kinds FROM search_documents WHERE {condition})
            SELECT 'total', NULL, count(*) FROM m
            UNION ALL SELECT 'category', category_slug, count(*) FROM m GROUP BY category_slug
            UNION ALL SELECT 'region', region, count(*) FROM m GROUP BY region
            UNION ALL SELECT 'certification', kind, count(*) FROM m, unnest(m.certification_kinds) AS kind
                GROUP BY kind"""), params).all()
        total = next(n for facet, _, n in facet_rows if facet == "total")
        if not total:
            return empty_result()
        facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for facet, value, n in facet_rows:
            if facet != "total":
                facets[facet][value] = n
        sort = query.sort if query.sort in _ORDER else "relevance"
        if sort == "relevance" and not terms:
            sort = "newest"
        rows = conn.execute(sa.text(f"""
            SELECT product_id, names, descriptions, {rank} AS rank FROM search_documents WHERE {condition}
            ORDER BY {_ORDER[sort]} LIMIT :limit OFFSET :offset"""),
            {**params, "limit": query.per_page, "offset": query.offset}).all()
        term_set = set(terms)
        hits = [SearchHit(pid, hit_highlight(names, descriptions, term_set, query.lang))
                for pid, names, descriptions, _ in rows]
        return SearchResult(hits=hits, total=total,
                            facets={name: sorted_facet(counts) for name, counts in facets.items()},
                            did_you_mean=None)

    def suggest(self, prefix: str, *, limit: int = 10) -> list[str]:
        typed = completion_prefix(prefix)
        if not typed.strip():
            return []
        pattern = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        today = clock.today()
        with self.engine.connect() as conn:
            candidates = conn.execute(_SUGGEST_CANDIDATES, {"pattern": pattern, "scan": limit * 5}).all()
            out: list[str] = []
            seen: set[str] = set()
            # Checked a page at a time: usually every one of the first `limit` is still sellable.
            for start in range(0, len(candidates), limit):
                page = candidates[start:start + limit]
                live = _live_displays(conn, page, today)
                for display, _, _ in page:
                    key = " ".join(w for token in display.split() for w in fold_token(token))
                    if display in live and key not in seen:
                        seen.add(key)
                        out.append(display)
                        if len(out) >= limit:
                            return out
        return out


class _WriteTransaction:
    """engine.begin() holding the search writer lock; database failures become SearchUnavailable."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._context: Any = None

    def __enter__(self) -> sa.Connection:
        try:
            self._context = self.engine.begin()
            conn = self._context.__enter__()
            conn.execute(sa.text("SELECT set_config('lock_timeout', '30s', true)"))
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})
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
