"""The interface every search backend implements, and the factory choosing one."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from catalog.search.documents import SearchCounts, SearchDocument, SearchQuery, SearchResult

if TYPE_CHECKING:
    from sqlalchemy import Engine


class SearchUnavailable(Exception):
    """The index could not be written (lock timeout, I/O error); the caller should record the change for a later sync."""


@runtime_checkable
class SearchBackend(Protocol):
    def index(self, docs: Iterable[SearchDocument]) -> None: ...

    def remove(self, product_ids: Iterable[int]) -> None: ...

    def sync(self, read: Callable[[], tuple[list[SearchDocument], set[int]]]) -> None:
        """Under the writer lock, `read()` the documents to write and the ids to remove, then apply them.

        Reading inside the lock makes the last state committed to the database the last one written, even
        when several workers sync the same products at once.
        """

    def search(self, query: SearchQuery, counts: SearchCounts | None = None) -> SearchResult:
        """The query's page, total and facets. Given `counts` (an earlier search's with the same filters, at the
        same catalog version and day), only the page is looked for, of `counts.did_you_mean` when set."""

    def suggest(self, prefix: str, *, limit: int = 10) -> list[str]: ...

    def rebuild(self, docs: Iterable[SearchDocument], *, total: int | None = None,
                progress: Callable[[int], None] | None = None) -> None: ...

    def count(self) -> int: ...

    def fingerprints(self) -> dict[int, str]: ...


def make_backend(name: str, *, index_dir: str | Path | None = None, engine: Engine | None = None,
                 rebuild_memory_mb: int | None = None) -> SearchBackend:
    """Backend `name` ("whoosh" needs `index_dir`, and may be given the memory of each rebuild writer;
    "postgres" needs `engine`)."""
    if name == "whoosh":
        if index_dir is None:
            raise ValueError("the whoosh search backend needs index_dir")
        from catalog.search.whoosh_backend import WhooshBackend
        return WhooshBackend(index_dir, rebuild_memory_mb=rebuild_memory_mb)
    if name == "postgres":
        if engine is None:
            raise ValueError("the postgres search backend needs an engine")
        from catalog.search.postgres_backend import PostgresBackend
        return PostgresBackend(engine)
    raise ValueError(f"unknown search backend {name!r} (expected 'whoosh' or 'postgres')")
