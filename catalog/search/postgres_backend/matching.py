"""Matching of the PostgreSQL backend: one scan of the matches gives the total, the facets and the page.

Ranking with `ts_rank` reads every match's vector, which is what made a common word slow (all ~20,000 matches
of "argan" at 100,000 products). Relevance is ordered instead by: documents whose names hold every word first,
newest first; the first CANDIDATES of that order are then ranked by `ts_rank`, and the rest follow them in that
order. Pages stay consistent (one total order whatever the page), totals and facets stay exact.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from catalog.search.analysis import hit_highlight, index_terms
from catalog.search.documents import FACETS, SearchHit, SearchQuery, SearchResult, empty_result, sorted_facet

CANDIDATES = 200  # matches ranked by ts_rank

_ORDER = {
    "newest": "{t}created_at DESC, {t}product_id DESC",
    "price_asc": "{t}price_min ASC, {t}product_id ASC",
    "price_desc": "{t}price_min DESC, {t}product_id ASC",
    "relevance": "{t}ranked DESC, {t}in_name DESC, {t}rank DESC, {t}created_at DESC, {t}product_id DESC",
}
_NAME_FIRST = "in_name DESC, created_at DESC, product_id DESC"
_RANKED_PAGE = f"""
    c AS (SELECT product_id, in_name, created_at FROM m ORDER BY {_NAME_FIRST} LIMIT :bound),
    r AS (SELECT product_id, in_name, created_at,
                 row_number() OVER (ORDER BY {_NAME_FIRST}) <= :candidates AS ranked FROM c),
    page AS (SELECT product_id, in_name, created_at, ranked,
                    CASE WHEN ranked THEN (SELECT ts_rank(d.search_vector, plainto_tsquery('simple', :q))
                                           FROM search_documents d WHERE d.product_id = r.product_id)
                         ELSE 0 END AS rank
             FROM r ORDER BY {_ORDER["relevance"].format(t="")} LIMIT :limit OFFSET :offset)"""
_SORTED_PAGE = """
    page AS (SELECT product_id, created_at, price_min FROM m ORDER BY {order} LIMIT :limit OFFSET :offset)"""
# The facets come from one grouping of the matches by (category, region, certification kinds): a few hundred
# groups at most, added up here into the total and the three facets.
_SEARCH = """
WITH m AS {materialized} (
        SELECT product_id, created_at, price_min, category_slug, region, certification_kinds, {in_name} AS in_name
        FROM search_documents WHERE {condition}),
    {page}
{groups}SELECT 'hit', NULL, NULL, NULL, row_number() OVER (ORDER BY {page_order}), page.product_id, t.names,
       t.descriptions
    FROM page JOIN search_document_texts t ON t.product_id = page.product_id"""
_GROUPS = """SELECT 'group', category_slug, region, certification_kinds, count(*), CAST(NULL AS bigint),
       CAST(NULL AS jsonb), CAST(NULL AS jsonb)
    FROM m GROUP BY category_slug, region, certification_kinds
UNION ALL """


def _conditions(query: SearchQuery, terms: list[str]) -> tuple[list[str], dict[str, Any]]:
    where = ["(sellable_until IS NULL OR sellable_until >= :today)"]
    params: dict[str, Any] = {"today": query.today}
    if terms:
        where.append("search_vector @@ plainto_tsquery('simple', :q)")
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
    return where, params


def search(conn: sa.Connection, query: SearchQuery, *, counted: bool = True) -> SearchResult:
    """A page of matches in the query's order, the exact total and facet counts over every match (not
    `counted`: the page only, its total 0 and no facets)."""
    terms = index_terms(query.q)
    if query.q.strip() and not terms:
        return empty_result()
    where, params = _conditions(query, terms)
    sort = query.sort if query.sort in _ORDER else "relevance"
    if sort == "relevance" and not terms:
        sort = "newest"
    params.update(limit=query.per_page, offset=query.offset)
    if terms:
        # The planner reads a common word's share of matches as a reason to scan the table, testing every
        # vector; the GIN index finds the same rows without opening the vectors (measured 3x faster).
        conn.execute(sa.text("SELECT set_config('enable_seqscan', 'off', true)"))
    if sort == "relevance":
        # Names hold every word: name_text is the space-joined terms of the names (weight A of the vector),
        # cheaper to test than the vector itself.
        in_name = " AND ".join(f"(' ' || name_text || ' ') LIKE :name_word_{n}" for n in range(len(terms)))
        params.update({f"name_word_{n}": f"% {term} %" for n, term in enumerate(terms)})
        params.update(bound=max(CANDIDATES, query.offset + query.per_page), candidates=CANDIDATES)
        page = _RANKED_PAGE
    else:
        in_name, page = "false", _SORTED_PAGE.format(order=_ORDER[sort].format(t=""))
    statement = _SEARCH.format(in_name=in_name, condition=" AND ".join(where), page=page,
                               groups=_GROUPS if counted else "", page_order=_ORDER[sort].format(t="page."),
                               materialized="MATERIALIZED" if counted else "NOT MATERIALIZED")
    rows = conn.execute(sa.text(statement), params).all()
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    hits = []
    term_set = set(terms)
    for kind, category, region, kinds, n, product_id, names, descriptions in rows:
        if kind == "hit":
            hits.append((n, SearchHit(product_id, hit_highlight(names, descriptions, term_set, query.lang))))
            continue
        counts["category"][category] += n
        counts["region"][region] += n
        for certification in kinds:
            counts["certification"][certification] += n
    total = sum(counts["category"].values())
    if counted and not total:
        return empty_result()
    return SearchResult(hits=[hit for _, hit in sorted(hits, key=lambda pair: pair[0])], total=total,
                        facets={name: sorted_facet(counts[name]) for name in FACETS} if counted else {},
                        did_you_mean=None)


def known(conn: sa.Connection, word: str) -> bool:
    return conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM search_terms WHERE word = :w)"), {"w": word}).scalar_one()


def display_form(conn: sa.Connection, word: str) -> str:
    return conn.execute(sa.text(
        "SELECT surface FROM search_terms WHERE word = :w ORDER BY doc_count DESC, surface LIMIT 1"),
        {"w": word}).scalar() or word


def spelling_candidates(conn: sa.Connection, word: str, distance: int) -> list[tuple[str, int]]:
    """Vocabulary words that may lie within `distance` edits of `word`, with how many documents use them."""
    # Trigram similarity is low for short words with one typo (mile/miel: 0.25), so cast a wide net through
    # the trigram index and let the edit distance decide; a word more than `distance` letters longer or
    # shorter cannot be within it.
    conn.execute(sa.text("SELECT set_config('pg_trgm.similarity_threshold', '0.15', true)"))
    rows = conn.execute(sa.text(
        "SELECT word, sum(doc_count) FROM search_terms WHERE word % :w AND length(word) BETWEEN :shortest AND "
        ":longest GROUP BY word"), {"w": word, "shortest": len(word) - distance, "longest": len(word) + distance})
    return [(candidate, int(n)) for candidate, n in rows]
