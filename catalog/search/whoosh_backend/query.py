"""Answering from a snapshot: matching, filters, facets, ranking, spelling corrections and suggestions.

Search does not score with BM25: matches are collected as document-number sets from the postings, filtered
and faceted through the snapshot's per-document value arrays, and ranked by how many query words match in the
name, then the category/cooperative/certification text, then the description, newest first. That keeps exact
totals and three facets within budget on 100,000 products.
"""
from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import replace
from datetime import date
from typing import Any

from catalog.search.analysis import (
    completion_prefix,
    correct_query,
    fold_token,
    hit_highlight,
    index_terms,
    transpositions,
)
from catalog.search.documents import SearchCounts, SearchHit, SearchQuery, SearchResult, empty_result, sorted_facet
from catalog.search.whoosh_backend.schema import SEP
from catalog.search.whoosh_backend.snapshot import Snapshot, has_live_doc

FIELD_WEIGHTS = (("name", 4), ("meta", 2), ("description", 1))


def search(snap: Snapshot, query: SearchQuery, counts: SearchCounts | None = None) -> SearchResult:
    """The query's page, total and facets; a query with no hit is retried with its words corrected. Given
    `counts`, only the page (of the corrected words, if any) is looked for."""
    if counts is not None:
        asked = replace(query, q=counts.did_you_mean) if counts.did_you_mean else query
        return replace(_search(snap, asked, counted=False), total=counts.total, facets=counts.facets,
                       did_you_mean=counts.did_you_mean)
    result = _search(snap, query)
    if result.total or not query.q.strip():
        return result
    corrected = correct_query(
        query.q,
        is_known=lambda word: bool(snap.live_ids("words", word)),
        candidates=lambda word, limit: _candidates(snap, word, limit),
        display=lambda word: _display(snap, word),
    )
    if corrected is None:
        return result
    fixed = _search(snap, replace(query, q=corrected))
    return replace(fixed, did_you_mean=corrected) if fixed.total else result


def _candidates(snap: Snapshot, word: str, limit: int) -> list[tuple[str, int]]:
    found: set[str] = set()
    for leaf, _ in snap.reader.leaf_readers():
        if leaf.doc_count_all():
            found.update(leaf.terms_within("words", word, limit))
            for swapped in transpositions(word):
                if limit == 1:
                    found.update([swapped] if ("words", swapped) in leaf else [])
                else:
                    found.update(leaf.terms_within("words", swapped, limit - 1))
    return [(term, n) for term in found if (n := len(snap.live_ids("words", term)))]


def _display(snap: Snapshot, word: str) -> str:
    """The display form most documents write `word` in (`vocab` holds only forms differing from the word)."""
    shown = {term.decode().split(SEP, 1)[1]: snap.reader.doc_frequency("vocab", term)
             for term in snap.reader.expand_prefix("vocab", f"{word}{SEP}")}
    plain = snap.reader.doc_frequency("words", word) - sum(shown.values())
    if plain > 0:
        shown[word] = plain
    return min(shown.items(), key=lambda form: (-form[1], form[0]))[0] if shown else word


def _search(snap: Snapshot, query: SearchQuery, *, counted: bool = True) -> SearchResult:
    terms = index_terms(query.q)
    if query.q.strip() and not terms:
        return empty_result()
    field_sets: list[list[tuple[int, frozenset[int]]]] = []
    matched: set[int] | None = None
    for term in dict.fromkeys(terms):
        per_field = [(weight, snap.ids(field, term)) for field, weight in FIELD_WEIGHTS]
        field_sets.append(per_field)
        union = set().union(*(ids for _, ids in per_field))
        matched = union if matched is None else matched & union
        if not matched:
            return empty_result()
    matched = _filter(snap, query, matched)
    facets = _facets(snap, matched) if counted else {}
    page = _page(snap, query, matched, field_sets)
    term_set = set(terms)
    hits = []
    for docnum in page:
        names, descriptions = snap.searcher.stored_fields(docnum)["texts"]
        hits.append(SearchHit(snap.pid[docnum], hit_highlight(names, descriptions, term_set, query.lang)))
    return SearchResult(hits=hits, total=len(matched), facets=facets, did_you_mean=None)


def _filter(snap: Snapshot, query: SearchQuery, matched: set[int] | None) -> set[int]:
    """The live, unexpired documents among `matched` (every document when None) passing the query's filters."""
    checks: list[tuple[str, str, list[Any], Any]] = []
    if slugs := query.category_slugs:
        if matched is None:
            matched = set().union(*(snap.ids("category", slug) for slug in slugs))
        else:
            category, wanted_slugs = snap.category, set(slugs)
            matched = {d for d in matched if category[d] in wanted_slugs}
    if query.region is not None:
        checks.append(("region", query.region, snap.region, query.region))
    if query.cooperative_id is not None:
        checks.append(("coop", str(query.cooperative_id), snap.coop, str(query.cooperative_id)))
    if matched is None and checks:
        field, term, _, _ = checks.pop(0)
        matched = set(snap.ids(field, term))
    if matched is None and query.certification is not None:
        matched = set(snap.ids("cert", query.certification))
    elif query.certification is not None:
        cert, kind = snap.cert, query.certification
        matched = {d for d in matched if kind in cert[d]}
    base = set(snap.live()) if matched is None else matched - snap.deleted
    for _, _, values, wanted in checks:
        base = {d for d in base if values[d] == wanted}
    price = snap.price
    if query.min_price is not None:
        base = {d for d in base if price[d] >= query.min_price}
    if query.max_price is not None:
        base = {d for d in base if price[d] <= query.max_price}
    if query.in_stock is not None:
        stock, wanted_stock = snap.stock, int(query.in_stock)
        base = {d for d in base if stock[d] == wanted_stock}
    return base - snap.expired(query.today)


def _facets(snap: Snapshot, matched: set[int]) -> dict[str, list[tuple[str, int]]]:
    counts: dict[str, Counter[str]] = {"category": Counter(), "region": Counter(), "certification": Counter()}
    groups = snap.facet_groups
    for code, n in Counter(map(snap.facet_code.__getitem__, matched)).items():
        category, region, kinds = groups[code]
        counts["category"][category] += n
        counts["region"][region] += n
        for kind in kinds:
            counts["certification"][kind] += n
    return {name: sorted_facet(counter) for name, counter in counts.items()}


def _page(snap: Snapshot, query: SearchQuery, matched: set[int],
          field_sets: list[list[tuple[int, frozenset[int]]]]) -> list[int]:
    wanted = query.offset + query.per_page
    sort = query.sort if query.sort in ("price_asc", "price_desc", "newest") else "relevance"
    if sort == "relevance" and not field_sets:
        sort = "newest"
    if sort == "price_asc":
        return heapq.nsmallest(wanted, matched, key=snap.sort_key(sort).__getitem__)[query.offset:]
    newest = snap.sort_key("newest").__getitem__
    if sort != "relevance":
        key = snap.sort_key(sort).__getitem__ if sort == "price_desc" else newest
        return heapq.nlargest(wanted, matched, key=key)[query.offset:]
    ranked: list[int] = []
    tiers = _score_tiers([_term_tiers(per_field, matched) for per_field in field_sets])
    for level in sorted(tiers, reverse=True):
        ranked.extend(heapq.nlargest(wanted - len(ranked), tiers[level], key=newest))
        if len(ranked) >= wanted:
            break
    return ranked[query.offset:wanted]


def _term_tiers(per_field: list[tuple[int, frozenset[int]]], matched: set[int]) -> dict[int, set[int]]:
    """The matched documents by the weight of the fields holding one query word, split with set operations
    (each document matched holds every word somewhere, so none is left at 0)."""
    tiers: dict[int, set[int]] = {0: matched}
    for weight, ids in per_field:
        split: dict[int, set[int]] = {}
        for level, docs in tiers.items():
            for at, part in ((level + weight, docs & ids), (level, docs - ids)):
                if part:
                    split[at] = split[at] | part if at in split else part
        tiers = split
    return tiers


def _score_tiers(per_word: list[dict[int, set[int]]]) -> dict[int, set[int]]:
    """The matched documents by score (the sum of their words' tiers), intersecting the words' tiers."""
    tiers = per_word[0]
    for word in per_word[1:]:
        summed: dict[int, set[int]] = {}
        for level, docs in tiers.items():
            for other, other_docs in word.items():
                if part := docs & other_docs:
                    at = level + other
                    summed[at] = summed[at] | part if at in summed else part
        tiers = summed
    return tiers


def suggest(snap: Snapshot, prefix: str, *, limit: int, today: date) -> list[str]:
    """Names completing `prefix` held by at least one live document still sellable on `today`."""
    typed = completion_prefix(prefix)
    if not typed.strip():
        return []
    expired = snap.expired(today)
    out: list[str] = []
    seen: set[str] = set()
    for field in ("ac_full", "ac_part"):
        found: dict[str, list[Any]] = {}
        # Segment by segment: a multi-segment reader looks each term up again in every segment to merge them.
        for leaf, _ in snap.reader.leaf_readers():
            for term, info in leaf.iter_prefix(field, typed):
                text = term.decode() if isinstance(term, bytes) else term
                entry = found.setdefault(text.split(SEP, 1)[1], [0, set()])
                entry[0] += info.doc_frequency()
                entry[1].add(text)
        # Whole-name matches before word matches; then shorter, then more products, then alphabetical.
        for display in sorted(found, key=lambda shown: (len(shown), -found[shown][0], shown)):
            key = " ".join(w for t in display.split() for w in fold_token(t))
            if key in seen or not any(has_live_doc(snap.reader, field, text, expired)
                                      for text in found[display][1]):
                continue
            seen.add(key)
            out.append(display)
            if len(out) >= limit:
                return out
    return out
