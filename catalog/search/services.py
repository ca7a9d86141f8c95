"""Search use cases: ask the backend, then load the hits from the database in one go."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from catalog.caching import counted, keep_counted
from catalog.categories import category_family
from catalog.presentation import ProductView, load_views, with_highlight
from catalog.search.documents import SearchCounts, SearchHit, SearchQuery, SearchResult, empty_result
from catalog.search.indexing import search_backend, sync_products
from catalog.sellability import today
from marketplace.i18n import preferred_language

# what a search's total, facets and did-you-mean depend on (not the sort, page or language)
COUNTED_BY = ("q", "category", "region", "certification", "cooperative_id", "min_price", "max_price", "in_stock")


def search_products(args: dict[str, Any]) -> dict[str, Any]:
    """A page of sellable products matching the query, with facets over all matches and a did-you-mean.

    The total, facets and did-you-mean are counted once per filter set (not the sort, page or language),
    catalog version and day; other pages and orders of the same search look for their page only. The index
    may trail the database (a change made without the signal, e.g. a row edited by hand): a hit that is not
    sellable now is never shown, its index entry is repaired, and the search asked again once, counted afresh,
    so the total and facets do not count it either.
    """
    day = today()
    fields = {key: value for key, value in args.items() if key in SearchQuery.__dataclass_fields__}
    if args.get("category"):
        fields["category"] = tuple(c.slug for c in category_family(args["category"]))
    fields["lang"] = preferred_language()  # the highlight speaks the language display_name is picked in
    query = SearchQuery(**fields, today=day)
    filters = {name: getattr(query, name) for name in COUNTED_BY}
    counts = counted("search", filters, day)
    if counts is not None and not counts.total:
        result, items, stale = empty_result(), [], []
    else:
        result, items, stale = _search(query, day, counts)
    if stale and sync_products(stale):
        result, items, _ = _search(query, day, None)
    elif counts is None:
        keep_counted("search", filters, day, SearchCounts(result.total, result.facets, result.did_you_mean))
    facets = {name: [{"value": value, "count": count} for value, count in values]
              for name, values in result.facets.items()}
    return {"items": items, "total": result.total, "page": query.page, "per_page": query.per_page,
            "facets": facets, "did_you_mean": result.did_you_mean}


def _search(query: SearchQuery, day: date,
            counts: SearchCounts | None) -> tuple[SearchResult, list[ProductView], list[int]]:
    """The backend's answer, its hits presented, and the ids of hits that are not sellable now."""
    result = search_backend().search(query, counts)
    items, stale = present_hits(result.hits, day)
    return result, items, stale


def present_hits(hits: Sequence[SearchHit], day: date) -> tuple[list[ProductView], list[int]]:
    """Views of the hits' sellable products with their highlight, in the hits' order, loaded together (a constant
    number of queries); and the ids of the hits that are not sellable now."""
    by_id = load_views([hit.product_id for hit in hits], day)
    items, stale = [], []
    for hit in hits:
        view = by_id.get(hit.product_id)
        if view is not None and view.sellable:
            items.append(with_highlight(view, hit.highlight))
        else:
            stale.append(hit.product_id)
    return items, stale


def suggest(prefix: str) -> dict[str, list[str]]:
    """Up to 10 completions of product and category names for what the buyer has typed so far."""
    return {"items": search_backend().suggest(prefix, limit=10)}
