"""Suggestions of the PostgreSQL backend: completions by normalised prefix, kept while a product holding them
is still sellable today."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa

from catalog.search.analysis import STOPWORDS, completion_prefix, fold_token, stem

_CANDIDATES = sa.text("""
    SELECT display, array_agg(key ORDER BY key), array_agg(whole ORDER BY key) FROM search_completions
    WHERE key LIKE :pattern GROUP BY display
    ORDER BY bool_or(whole) DESC, length(display), sum(doc_count) DESC, display LIMIT :scan""")

# search_completions counts every indexed document, expired or not: a suggestion is kept only while a document
# holding that very completion is still sellable today. The words of the key narrow the documents through the
# search_vector index first.
_LIVE_COMPLETIONS = """
    SELECT DISTINCT c.display FROM unnest(CAST(:keys AS text[]), CAST(:displays AS text[]),
        CAST(:wholes AS boolean[]), CAST(:words AS text[])) AS c(key, display, whole, words)
    WHERE EXISTS (SELECT 1 FROM search_documents d JOIN search_document_texts t ON t.product_id = d.product_id
        WHERE {words} t.completions @> jsonb_build_array(jsonb_build_array(c.key, c.display, c.whole))
        AND (d.sellable_until IS NULL OR d.sellable_until >= :today))"""
_LIVE_BY_WORDS = sa.text(_LIVE_COMPLETIONS.format(words="d.search_vector @@ plainto_tsquery('simple', c.words) AND"))
_LIVE_ANY = sa.text(_LIVE_COMPLETIONS.format(words=""))


# The displays of completions held by documents past their last sellable day (through the sellable_until index).
_EXPIRED_DISPLAYS = sa.text("""
    SELECT DISTINCT entry ->> 1 FROM search_documents d JOIN search_document_texts t ON t.product_id = d.product_id,
        jsonb_array_elements(t.completions) AS entry
    WHERE d.sellable_until < :today AND entry ->> 1 = ANY(:displays)""")


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


def suggest(conn: sa.Connection, prefix: str, *, limit: int, today: date) -> list[str]:
    """Up to `limit` names completing `prefix`, whole names first, shortest and most used first."""
    typed = completion_prefix(prefix)
    if not typed.strip():
        return []
    pattern = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    candidates = conn.execute(_CANDIDATES, {"pattern": pattern, "scan": limit * 5}).all()
    # A completion's row counts every document holding it, sellable or past its day: a display no expired
    # document holds is live; only the others (usually none) are checked document by document.
    expired = set(conn.execute(_EXPIRED_DISPLAYS, {"today": today,
                                                    "displays": [c[0] for c in candidates]}).scalars())
    out: list[str] = []
    seen: set[str] = set()
    # Checked a page at a time: usually every one of the first `limit` is still sellable.
    for start in range(0, len(candidates), limit):
        page = candidates[start:start + limit]
        suspects = [candidate for candidate in page if candidate[0] in expired]
        live = {c[0] for c in page if c[0] not in expired} | _live_displays(conn, suspects, today)
        for display, _, _ in page:
            key = " ".join(w for token in display.split() for w in fold_token(token))
            if display in live and key not in seen:
                seen.add(key)
                out.append(display)
                if len(out) >= limit:
                    return out
    return out
