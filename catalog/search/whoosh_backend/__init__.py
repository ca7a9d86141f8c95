"""Whoosh search backend: local index files shared by the worker processes of one app server.

By concern: `schema` (fields and analyzers), `generations` (the write protocol: generations, writer lock,
journal), `snapshot` (what readers see, refreshed per request), `query` (matching, facets, ranking,
suggestions), and `internals` (the only module using Whoosh beyond its public API).
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from catalog.search.documents import SearchCounts, SearchDocument, SearchQuery, SearchResult
from catalog.search.whoosh_backend import query
from catalog.search.whoosh_backend.generations import Generations
from catalog.search.whoosh_backend.snapshot import Snapshots
from marketplace import clock

# A rebuild of many documents is analysed by several processes (measured: 100,000 products in SEARCH-NOTES);
# below this size starting them costs more than it saves.
BUILD_PROCS = max(1, min(4, os.cpu_count() or 1))
PARALLEL_BUILD_FROM = 5_000


class WhooshBackend:
    """Search backend over a local Whoosh index directory. Readers never lock; each process keeps one searcher."""

    def __init__(self, index_dir: str | Path, *, rebuild_memory_mb: int | None = None) -> None:
        self.generations = Generations(index_dir, rebuild_memory_mb=rebuild_memory_mb)
        self.root = self.generations.root
        self._snapshots = Snapshots(self.generations)
        self._lock = threading.RLock()  # one searcher per process, shared by its threads

    def index(self, docs: Iterable[SearchDocument]) -> None:
        # Whoosh's update_document does not see documents added earlier in the same writer.
        batch = list({doc.product_id: doc for doc in docs}.values())
        if batch:
            self.generations.write("index", batch)

    def remove(self, product_ids: Iterable[int]) -> None:
        ids = list(product_ids)
        if ids:
            self.generations.write("remove", ids)

    def sync(self, read: Callable[[], tuple[list[SearchDocument], set[int]]]) -> None:
        self.generations.sync(read)

    def rebuild(self, docs: Iterable[SearchDocument], *, total: int | None = None,
                progress: Callable[[int], None] | None = None) -> None:
        procs = BUILD_PROCS if total is not None and total >= PARALLEL_BUILD_FROM else 1
        self.generations.rebuild(docs, progress, procs=procs)

    def count(self) -> int:
        with self._lock:
            return self._snapshots.latest().searcher.doc_count()

    def fingerprints(self) -> dict[int, str]:
        with self._lock:
            snap = self._snapshots.latest()
            return {snap.pid[d]: snap.fingerprint[d].decode() for d in snap.live()}

    def search(self, search_query: SearchQuery, counts: SearchCounts | None = None) -> SearchResult:
        with self._lock:
            return query.search(self._snapshots.latest(), search_query, counts)

    def suggest(self, prefix: str, *, limit: int = 10) -> list[str]:
        with self._lock:
            return query.suggest(self._snapshots.latest(), prefix, limit=limit, today=clock.today())


__all__ = ["WhooshBackend"]
