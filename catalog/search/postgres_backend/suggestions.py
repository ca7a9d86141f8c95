"""Suggestions of the PostgreSQL backend: completions by normalised prefix, kept while a product holding them
is still sellable today.

`search_completions` counts each completion by the last day its documents are sellable, so one range scan of
its prefix index answers: no document is read.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from catalog.search.analysis import completion_prefix, fold_token

_SUGGEST = sa.text("""
    SELECT display FROM search_completions WHERE key LIKE :pattern AND sellable_until >= :today
    GROUP BY display ORDER BY bool_or(whole) DESC, length(display), sum(doc_count) DESC, display LIMIT :scan""")


def suggest(conn: sa.Connection, prefix: str, *, limit: int, today: date) -> list[str]:
    """Up to `limit` names completing `prefix`, whole names first, shortest and most used first."""
    typed = completion_prefix(prefix)
    if not typed.strip():
        return []
    pattern = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    out: list[str] = []
    seen: set[str] = set()
    for display in conn.execute(_SUGGEST, {"pattern": pattern, "today": today, "scan": limit * 5}).scalars():
        key = " ".join(w for token in display.split() for w in fold_token(token))
        if key not in seen:
            seen.add(key)
            out.append(display)
            if len(out) >= limit:
                break
    return out
