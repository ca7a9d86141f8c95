"""What a reader sees: one opened searcher with every document's filter and sort values laid out in arrays.

Segments are immutable, so their values are loaded once and cached by segment id; a refresh after a commit
reopens only what changed. Readers never lock. A snapshot also keeps the document numbers of the terms it was
last asked for (decoding a posting list is most of a search's time: "huile argan" reads ~60,000 ids), so a
popular word costs its decoding once per snapshot, not once per search.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from whoosh import index
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher

from catalog.search.whoosh_backend.generations import Generations
from catalog.search.whoosh_backend.internals import deleted_docs, open_searcher, posting_ids, segment_key

_KEY_SHIFT = 32
# document numbers kept per snapshot, over all its cached terms (~70 bytes each: ~35 MB per process)
TERM_CACHE_IDS = 500_000


def term_ids(reader: IndexReader, field: str, term: str) -> list[int]:
    """Document numbers holding `term` in `field`, possibly including deleted ones (mask with `deleted`)."""
    ids: list[int] = []
    for leaf, offset in reader.leaf_readers():
        try:
            local = posting_ids(leaf.postings(field, term))
        except TermNotFound:
            continue
        ids.extend(local if not offset else [offset + d for d in local])
    return ids


def has_live_doc(reader: IndexReader, field: str, term: str, excluded: frozenset[int]) -> bool:
    """Whether a non-deleted document outside `excluded` holds the term (stops at the first one).

    Unlike `term_ids`, this walks the filtered matcher, which skips deleted documents."""
    for leaf, offset in reader.leaf_readers():
        try:
            matcher = leaf.postings(field, term)
        except TermNotFound:
            continue
        while matcher.is_active():
            if offset + matcher.id() not in excluded:
                return True
            matcher.next()
    return False


@dataclass
class SegmentValues:
    pid: list[int]
    price: list[int]
    created: list[int]
    sellable: list[int]
    category: list[str]
    region: list[str]
    cert: list[tuple[str, ...]]
    coop: list[str]
    stock: bytearray
    fingerprint: list[bytes]


def load_segment(reader: IndexReader) -> SegmentValues:
    """Per-document values of one segment, from its columns and the postings of its filter terms."""
    size = reader.doc_count_all()

    def numeric(field: str) -> list[int]:
        return list(reader.column_reader(field)) if reader.has_column(field) else [0] * size

    def keyed(field: str, default: str) -> list[str]:
        values = [default] * size
        for term in reader.lexicon(field):
            text = term.decode()
            for docnum in posting_ids(reader.postings(field, text)):
                values[docnum] = text
        return values

    certs: list[tuple[str, ...]] = [()] * size
    for term in reader.lexicon("cert"):
        kind = term.decode()
        for docnum in posting_ids(reader.postings("cert", kind)):
            certs[docnum] = (*certs[docnum], kind)
    stock = bytearray(size)
    for docnum in posting_ids(reader.postings("stock", "1")) if ("stock", "1") in reader else []:
        stock[docnum] = 1
    fingerprint = list(reader.column_reader("fingerprint")) if reader.has_column("fingerprint") else [b""] * size
    return SegmentValues(numeric("pidn"), numeric("price"), numeric("created"), numeric("sellable"),
                         keyed("category", ""), keyed("region", ""), certs, keyed("coop", ""), stock, fingerprint)


class Snapshot:
    """One opened searcher with the per-document values of all its segments laid end to end."""

    def __init__(self, searcher: Searcher, toc_generation: int, segment_cache: dict[str, SegmentValues]) -> None:
        self.searcher = searcher
        self.toc_generation = toc_generation
        reader = searcher.reader()
        self.reader = reader
        parts: list[SegmentValues] = []
        self.deleted: set[int] = set()
        used: set[str] = set()
        for leaf, offset in reader.leaf_readers():
            segment_id = segment_key(leaf) or f"empty-{id(leaf)}"
            used.add(segment_id)
            if segment_id not in segment_cache:
                segment_cache[segment_id] = load_segment(leaf)
            parts.append(segment_cache[segment_id])
            self.deleted.update(offset + d for d in deleted_docs(leaf))
        for stale in set(segment_cache) - used:
            del segment_cache[stale]

        def joined(name: str) -> list[Any]:
            out: list[Any] = []
            for part in parts:
                out.extend(getattr(part, name))
            return out

        self.pid: list[int] = joined("pid")
        self.price: list[int] = joined("price")
        self.created: list[int] = joined("created")
        self.sellable: list[int] = joined("sellable")
        self.category: list[str] = joined("category")
        self.region: list[str] = joined("region")
        self.cert: list[tuple[str, ...]] = joined("cert")
        self.coop: list[str] = joined("coop")
        self.stock = bytearray().join(part.stock for part in parts)
        self.fingerprint: list[bytes] = joined("fingerprint")
        # Facets count one small code per document: its (category, region, certification kinds) combination.
        codes: dict[tuple[str, str, tuple[str, ...]], int] = {}
        self.facet_code: list[int] = [codes.setdefault(group, len(codes))
                                      for group in zip(self.category, self.region, self.cert)]
        self.facet_groups: list[tuple[str, str, tuple[str, ...]]] = list(codes)
        self._live: frozenset[int] | None = None
        self._expired: tuple[int, frozenset[int]] | None = None
        self._keys: dict[str, list[int]] = {}
        self._terms: OrderedDict[tuple[str, str], frozenset[int]] = OrderedDict()
        self._cached_ids = 0

    def live(self) -> frozenset[int]:
        if self._live is None:
            self._live = frozenset(range(len(self.pid))) - self.deleted
        return self._live

    def expired(self, today: date) -> frozenset[int]:
        """Documents whose last sellable day is before `today`."""
        day = today.toordinal()
        if self._expired is None or self._expired[0] != day:
            self._expired = (day, frozenset(d for d, until in enumerate(self.sellable) if until < day))
        return self._expired[1]

    def ids(self, field: str, term: str) -> frozenset[int]:
        """`term_ids` of the term, the most recently asked kept while they hold `TERM_CACHE_IDS` numbers."""
        key = (field, term)
        found = self._terms.get(key)
        if found is not None:
            self._terms.move_to_end(key)
            return found
        found = frozenset(term_ids(self.reader, field, term))
        if len(found) <= TERM_CACHE_IDS:
            self._terms[key] = found
            self._cached_ids += len(found)
            while self._cached_ids > TERM_CACHE_IDS:
                self._cached_ids -= len(self._terms.popitem(last=False)[1])
        return found

    def live_ids(self, field: str, term: str) -> frozenset[int]:
        return self.ids(field, term) - self.deleted

    def sort_key(self, name: str) -> list[int]:
        """Per-document integer keys giving a total order (product id breaks ties) for each sort."""
        if name not in self._keys:
            low = (1 << _KEY_SHIFT) - 1
            if name == "price_asc":
                self._keys[name] = [(p << _KEY_SHIFT) | i for p, i in zip(self.price, self.pid)]
            elif name == "price_desc":
                self._keys[name] = [(p << _KEY_SHIFT) | (low - i) for p, i in zip(self.price, self.pid)]
            else:
                self._keys[name] = [(c << _KEY_SHIFT) | i for c, i in zip(self.created, self.pid)]
        return self._keys[name]


class Snapshots:
    """This process's current snapshot of the live generation, refreshed when a commit or a switch happened."""

    def __init__(self, generations: Generations) -> None:
        self.generations = generations
        self._segment_cache: dict[str, SegmentValues] = {}
        self._generation: str | None = None
        self._snapshot: Snapshot | None = None

    def latest(self) -> Snapshot:
        generation = self.generations.current()
        snapshot = self._snapshot
        previous = snapshot if snapshot is not None and generation == self._generation else None
        try:
            ix = self.generations.index(generation)
            if previous is not None and ix.latest_generation() == previous.toc_generation:
                return previous
            searcher, toc_generation = open_searcher(ix, previous.searcher if previous else None)
        except (OSError, index.IndexError):
            # The generation vanished under us (a rebuild switched twice): start from CURRENT again.
            self.generations.forget_opened()
            generation = self.generations.current()
            searcher, toc_generation = open_searcher(self.generations.index(generation), None)
        if snapshot is not None and previous is None:
            snapshot.searcher.close()
        snapshot = Snapshot(searcher, toc_generation, self._segment_cache)
        self._snapshot, self._generation = snapshot, generation
        return snapshot
