"""Every use of Whoosh beyond its public API, in one place.

Whoosh is pinned (pyproject.toml) and these are read at that version. `tests/search/test_whoosh_internals.py`
checks each one against a real index and fails, naming what changed, when an upgrade moves them.
"""
from __future__ import annotations

from typing import Any

from whoosh import index
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher
from whoosh.index import LockError
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import EmptyReader, IndexReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.util.filelock import FcntlLock, try_for

WHOOSH_VERSION = (2, 7, 5)
LOCK_DELAY = 0.02


def posting_ids(matcher: Any) -> list[int]:
    """The document numbers of a posting list, a whole block per step; deleted ones may be included (callers
    mask them).

    The generic `all_ids()` walks one posting per Python call; reading W3LeafMatcher's decoded block array
    (`_ids` from `_i` on, `_read_ids`, `_next_block`) is several times faster on large lists.
    """
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):
        return list(matcher.all_ids())
    ids: list[int] = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        ids.extend(matcher._ids[matcher._i:])
        matcher._next_block()
    return ids


def bulk_codec() -> W3Codec:
    """Whoosh's default codec without per-block field-length statistics, for a rebuild.

    With `length_stats` on, flushing a segment looks up the field length of every posting through the lengths
    column file (a seek and a read per posting, ~15% of a rebuild). The statistics only serve BM25's block
    quality bounds, and search here never scores with Whoosh.
    """
    codec = W3Codec()
    codec.length_stats = False
    return codec


def segment_key(leaf: IndexReader) -> str | None:
    """The id of the immutable segment a leaf reader reads, None for an empty reader."""
    segment = leaf.segment()
    return segment.segment_id() if segment is not None else None


def deleted_docs(leaf: IndexReader) -> set[int]:
    """Document numbers deleted in one segment (SegmentReader keeps them as `deleted_docs_set`)."""
    return set(leaf.deleted_docs_set) if leaf.has_deletions() else set()


def open_searcher(ix: index.FileIndex, previous: Searcher | None) -> tuple[Searcher, int]:
    """A searcher on the latest commit, reusing the previous one's segment readers whose deletions are unchanged.

    Whoosh's own `refresh()` reuses a segment reader even when documents of that segment were deleted since,
    so updated documents would show twice; this reads the table of contents (`_read_toc`) and keys reuse on
    (segment id, deleted count).
    """
    reusable: dict[tuple[str, int], SegmentReader] = {}
    if previous is not None:
        for leaf, _ in previous.reader().leaf_readers():
            segment = leaf.segment()
            if segment is not None:
                reusable[(segment.segment_id(), segment.deleted_count())] = leaf
    for attempt in range(10):
        try:
            toc = ix._read_toc()
            readers: list[IndexReader] = []
            for segment in toc.segments:
                key = (segment.segment_id(), segment.deleted_count())
                readers.append(reusable.pop(key) if key in reusable else
                               SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation))
            break
        except OSError:
            # A concurrent commit merged a segment away between reading the TOC and opening it.
            if attempt == 9:
                raise
    for stale in reusable.values():
        stale.close()
    if not readers:
        reader: IndexReader = EmptyReader(toc.schema)
    elif len(readers) == 1:
        reader = readers[0]
    else:
        reader = MultiReader(readers, generation=toc.generation)
    return Searcher(reader, fromindex=ix), toc.generation


class HeldLock:
    """An fcntl file lock acquired by polling, as Whoosh's own blocking writer does (whoosh.util.filelock)."""

    def __init__(self, path: str, timeout: float) -> None:
        self.lock = FcntlLock(path)
        self.timeout = timeout

    def __enter__(self) -> HeldLock:
        if not try_for(self.lock.acquire, self.timeout, LOCK_DELAY):
            raise LockError(f"could not acquire {self.lock.filename} within {self.timeout:.0f} s")
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock.release()
