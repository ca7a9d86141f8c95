"""Whoosh search backend: local index files shared by the worker processes of one app server.

Layout of `index_dir`:
  CURRENT        name of the live generation directory, switched atomically with os.replace
  gen-000007/    a complete Whoosh index
  writer.lock    fcntl lock every writer holds while it writes (one writer at a time, across processes)
  REBUILDING     present while a rebuild builds the next generation; names that generation
  journal        index/remove operations committed while the rebuild runs, in commit order

Writes (`index`, `remove`) take writer.lock (waiting up to 30 s, polling every 20 ms, as Whoosh's own blocking
writer does), write into the generation CURRENT names, commit, and — when a rebuild is running — append the
operation to the journal. A rebuild builds the new generation without the lock, then takes it, replays the
journal into the new generation and switches CURRENT before releasing it: no write is lost, and because the
journal is replayed in commit order the last write still wins. Readers never lock: each process keeps one
searcher, refreshes it per request and reopens it when CURRENT changes. The previous generation is deleted
at the start of the next rebuild, so a reader that was mid-request during a switch still finds its files.

Search does not score with BM25: matches are collected as document-number sets from the postings, filtered
and faceted through per-segment value arrays (cached per immutable segment), and ranked by how many query
words match in the name, then the category/cooperative/certification text, then the description, newest
first. That keeps exact totals and three facets within budget on 100,000 products.
"""
from __future__ import annotations

import heapq
import os
import pickle
import re
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from whoosh import columns, fields, index
from whoosh.analysis import RegexTokenizer
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import EmptyReader, IndexReader, MultiReader, SegmentReader, TermNotFound
from whoosh.searching import Searcher
from whoosh.util.filelock import FcntlLock, try_for

from catalog.search.analysis import (
    completion_prefix,
    correct_query,
    fold_token,
    hit_highlight,
    index_terms,
    search_analyzer,
    surface_words,
    transpositions,
    word_analyzer,
)
from catalog.search.backend import SearchUnavailable
from catalog.search.documents import (
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
    completion_entries,
    document_texts,
    empty_result,
    sorted_facet,
)

LOCK_TIMEOUT = 30.0
LOCK_DELAY = 0.02
NO_LIMIT_DAY = 10_000_000
FIELD_WEIGHTS = (("name", 4), ("meta", 2), ("description", 1))
_SEP = "\x1f"
_KEY_SHIFT = 32
_GEN_RE = re.compile(r"^gen-(\d+)$")


def _scored(field: fields.FieldType) -> fields.FieldType:
    # Flushing a segment looks up each posting's field length; without a length column Whoosh stats the
    # column file once per posting (a third of the build time), so every indexed field gets one.
    field.scorable = True
    return field


def _line_keyword() -> fields.FieldType:
    field = fields.KEYWORD()
    field.analyzer = RegexTokenizer(r"[^\n]+")
    return _scored(field)


def _number() -> fields.COLUMN:
    return fields.COLUMN(columns.NumericColumn("q"))


def make_schema() -> fields.Schema:
    """The Whoosh schema: searchable text, filter terms, per-document value columns and completion terms."""
    return fields.Schema(
        pid=_scored(fields.ID(unique=True, stored=True)),
        pidn=_number(),
        name=fields.TEXT(analyzer=search_analyzer(), phrase=False),
        meta=fields.TEXT(analyzer=search_analyzer(), phrase=False),
        description=fields.TEXT(analyzer=search_analyzer(), phrase=False),
        words=fields.TEXT(analyzer=word_analyzer(), phrase=False),
        vocab=_scored(fields.KEYWORD()),
        ac_full=_line_keyword(),
        ac_part=_line_keyword(),
        category=_scored(fields.ID()),
        region=_scored(fields.ID()),
        cert=_scored(fields.KEYWORD()),
        coop=_scored(fields.ID()),
        stock=_scored(fields.ID()),
        price=_number(),
        created=_number(),
        sellable=_number(),
        fingerprint=fields.COLUMN(columns.VarBytesColumn()),
        texts=fields.STORED(),
    )


def _document_fields(doc: SearchDocument) -> dict[str, Any]:
    texts = document_texts(doc)
    completions = completion_entries(doc)
    return {
        "pid": str(doc.product_id),
        "pidn": doc.product_id,
        "name": texts.name,
        "meta": texts.meta,
        "description": texts.description,
        "words": texts.everything,
        "vocab": " ".join(f"{word}{_SEP}{shown}" for word, shown in surface_words(texts.everything).items()
                          if " " not in shown),
        "ac_full": "\n".join(f"{key}{_SEP}{display}" for key, display, whole in completions if whole),
        "ac_part": "\n".join(f"{key}{_SEP}{display}" for key, display, whole in completions if not whole),
        "category": doc.category_slug,
        "region": doc.region,
        "cert": " ".join(doc.certification_kinds),
        "coop": str(doc.cooperative_id),
        "stock": "1" if doc.in_stock else "0",
        "price": doc.price_min,
        "created": int(doc.created_at.timestamp()),
        "sellable": doc.sellable_until.toordinal() if doc.sellable_until else NO_LIMIT_DAY,
        "fingerprint": doc.fingerprint.encode(),
        "texts": (doc.names, doc.descriptions),
    }


def _matcher_ids(matcher: Any) -> list[int]:
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):
        return list(matcher.all_ids())
    # Whole posting blocks at a time: the generic all_ids() walks one posting per Python call.
    ids: list[int] = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        ids.extend(matcher._ids[matcher._i:])
        matcher._next_block()
    return ids


def _term_ids(reader: IndexReader, field: str, term: str) -> list[int]:
    """Document numbers (deleted ones included) holding `term` in `field`."""
    ids: list[int] = []
    for leaf, offset in reader.leaf_readers():
        try:
            local = _matcher_ids(leaf.postings(field, term))
        except TermNotFound:
            continue
        ids.extend(local if not offset else [offset + d for d in local])
    return ids


def _has_live_doc(reader: IndexReader, field: str, term: str, excluded: frozenset[int]) -> bool:
    """Whether a non-deleted document outside `excluded` holds the term (stops at the first one)."""
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
class _SegmentValues:
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


def _load_segment(reader: IndexReader) -> _SegmentValues:
    size = reader.doc_count_all()

    def numeric(field: str) -> list[int]:
        return list(reader.column_reader(field)) if reader.has_column(field) else [0] * size

    def keyed(field: str, default: str) -> list[str]:
        values = [default] * size
        for term in reader.lexicon(field):
            text = term.decode()
            for docnum in _matcher_ids(reader.postings(field, text)):
                values[docnum] = text
        return values

    certs: list[tuple[str, ...]] = [()] * size
    for term in reader.lexicon("cert"):
        kind = term.decode()
        for docnum in _matcher_ids(reader.postings("cert", kind)):
            certs[docnum] = (*certs[docnum], kind)
    stock = bytearray(size)
    for docnum in _matcher_ids(reader.postings("stock", "1")) if ("stock", "1") in reader else []:
        stock[docnum] = 1
    fingerprint = list(reader.column_reader("fingerprint")) if reader.has_column("fingerprint") else [b""] * size
    return _SegmentValues(numeric("pidn"), numeric("price"), numeric("created"), numeric("sellable"),
                          keyed("category", ""), keyed("region", ""), certs, keyed("coop", ""), stock, fingerprint)


def _open_searcher(ix: index.FileIndex, previous: Searcher | None) -> tuple[Searcher, int]:
    """A searcher on the latest commit, reusing the previous one's segment readers whose deletions are unchanged.

    Whoosh's own `refresh()` reuses a segment reader even when documents of that segment were deleted since,
    so updated documents would show twice; this keys reuse on (segment id, deleted count).
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


class _Snapshot:
    """One opened searcher with the per-document values of all its segments laid end to end."""

    def __init__(self, searcher: Searcher, toc_generation: int, segment_cache: dict[str, _SegmentValues]) -> None:
        self.searcher = searcher
        self.toc_generation = toc_generation
        reader = searcher.reader()
        self.reader = reader
        parts: list[_SegmentValues] = []
        self.deleted: set[int] = set()
        used: set[str] = set()
        for leaf, offset in reader.leaf_readers():
            segment = leaf.segment()
            segment_id = segment.segment_id() if segment is not None else f"empty-{id(leaf)}"
            used.add(segment_id)
            if segment_id not in segment_cache:
                segment_cache[segment_id] = _load_segment(leaf)
            parts.append(segment_cache[segment_id])
            if leaf.has_deletions():
                self.deleted.update(offset + d for d in leaf.deleted_docs_set)
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
        self._live: frozenset[int] | None = None
        self._expired: tuple[int, frozenset[int]] | None = None
        self._keys: dict[str, list[int]] = {}

    def live(self) -> frozenset[int]:
        if self._live is None:
            self._live = frozenset(range(len(self.pid))) - self.deleted
        return self._live

    def expired(self, today: date) -> frozenset[int]:
        day = today.toordinal()
        if self._expired is None or self._expired[0] != day:
            self._expired = (day, frozenset(d for d, until in enumerate(self.sellable) if until < day))
        return self._expired[1]

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


class WhooshBackend:
    """Search backend over a local Whoosh index directory (see the module docstring for the write protocol)."""

    def __init__(self, index_dir: str | Path) -> None:
        self.root = Path(index_dir)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._indexes: dict[str, index.Index] = {}
        self._segment_cache: dict[str, _SegmentValues] = {}
        self._generation: str | None = None
        self._snapshot: _Snapshot | None = None
        if not (self.root / "CURRENT").exists():
            with self._writer_lock():
                if not (self.root / "CURRENT").exists():
                    first = "gen-000001"
                    self._create(first)
                    self._switch(first)

    # -- generations and locks --------------------------------------------------------------------------

    def _current(self) -> str:
        return (self.root / "CURRENT").read_text().strip()

    def _index(self, generation: str) -> index.Index:
        if generation not in self._indexes:
            self._indexes[generation] = index.open_dir(str(self.root / generation))
        return self._indexes[generation]

    def _create(self, generation: str) -> index.Index:
        path = self.root / generation
        if path.exists():
            shutil.rmtree(path)
        path.mkdir()
        self._indexes[generation] = FileStorage(str(path)).create_index(make_schema())
        return self._indexes[generation]

    def _switch(self, generation: str) -> None:
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(generation)
        os.replace(tmp, self.root / "CURRENT")

    def _writer_lock(self, timeout: float | None = None) -> _HeldLock:
        # LOCK_TIMEOUT is read per call (a default argument would freeze it at import).
        return _HeldLock(FcntlLock(str(self.root / "writer.lock")), LOCK_TIMEOUT if timeout is None else timeout)

    # -- writes -------------------------------------------------------------------------------------------

    def index(self, docs: Iterable[SearchDocument]) -> None:
        # Whoosh's update_document does not see documents added earlier in the same writer.
        batch = list({doc.product_id: doc for doc in docs}.values())
        if batch:
            self._write("index", batch)

    def remove(self, product_ids: Iterable[int]) -> None:
        ids = list(product_ids)
        if ids:
            self._write("remove", ids)

    def _write(self, operation: str, items: list[Any]) -> None:
        try:
            with self._writer_lock():
                self._apply_logged(operation, items)
        except (LockError, OSError) as exc:
            raise SearchUnavailable(f"search index not writable: {exc}") from exc

    def _apply_logged(self, operation: str, items: list[Any]) -> None:
        """Apply to the live generation (the caller holds writer.lock) and journal it while a rebuild runs."""
        self._apply(self._index(self._current()), operation, items)
        if (self.root / "REBUILDING").exists():
            with open(self.root / "journal", "ab") as journal:
                pickle.dump((operation, items), journal)

    def sync(self, read: Callable[[], tuple[list[SearchDocument], set[int]]]) -> None:
        try:
            with self._writer_lock():
                docs, gone = read()
                if docs:
                    self._apply_logged("index", list({doc.product_id: doc for doc in docs}.values()))
                if gone:
                    self._apply_logged("remove", sorted(gone))
        except (LockError, OSError) as exc:
            raise SearchUnavailable(f"search index not writable: {exc}") from exc

    @staticmethod
    def _apply(ix: index.Index, operation: str, items: list[Any]) -> None:
        writer = ix.writer(timeout=LOCK_TIMEOUT, delay=LOCK_DELAY)
        try:
            if operation == "index":
                for doc in items:
                    writer.update_document(**_document_fields(doc))
            else:
                for product_id in items:
                    writer.delete_by_term("pid", str(product_id))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, docs: Iterable[SearchDocument], *, total: int | None = None,
                progress: Callable[[int], None] | None = None) -> None:
        rebuild_lock = _HeldLock(FcntlLock(str(self.root / "rebuild.lock")), LOCK_TIMEOUT)
        try:
            with rebuild_lock:
                with self._writer_lock():
                    current = self._current()
                    self._drop_generations(keep={current})
                    generation = f"gen-{self._generation_number(current) + 1:06d}"
                    (self.root / "journal").write_bytes(b"")
                    (self.root / "REBUILDING").write_text(generation)
                try:
                    self._build(generation, docs, progress)
                    with self._writer_lock(timeout=max(LOCK_TIMEOUT, 300.0)):
                        self._replay(generation)
                        self._switch(generation)
                        (self.root / "REBUILDING").unlink()
                finally:
                    if (self.root / "REBUILDING").exists() and self._current() != generation:
                        with self._writer_lock():
                            (self.root / "REBUILDING").unlink(missing_ok=True)
                            shutil.rmtree(self.root / generation, ignore_errors=True)
        except (LockError, OSError) as exc:
            raise SearchUnavailable(f"search index rebuild failed: {exc}") from exc

    def _build(self, generation: str, docs: Iterable[SearchDocument],
               progress: Callable[[int], None] | None) -> None:
        writer = self._create(generation).writer(limitmb=256)
        done = 0
        try:
            for doc in docs:
                writer.add_document(**_document_fields(doc))
                done += 1
                if progress and done % 1000 == 0:
                    progress(done)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        if progress:
            progress(done)

    def _replay(self, generation: str) -> None:
        ix = self._index(generation)
        with open(self.root / "journal", "rb") as journal:
            while True:
                try:
                    operation, items = pickle.load(journal)
                except EOFError:
                    break
                self._apply(ix, operation, items)
        (self.root / "journal").unlink(missing_ok=True)

    def _generation_number(self, current: str) -> int:
        numbers = [int(m.group(1)) for p in self.root.iterdir() if (m := _GEN_RE.match(p.name))]
        return max([*numbers, int(current.split("-")[1])])

    def _drop_generations(self, keep: set[str]) -> None:
        for path in self.root.iterdir():
            if _GEN_RE.match(path.name) and path.name not in keep:
                self._indexes.pop(path.name, None)
                shutil.rmtree(path, ignore_errors=True)

    # -- reads --------------------------------------------------------------------------------------------

    def _snap(self) -> _Snapshot:
        generation = self._current()
        snapshot = self._snapshot
        previous = snapshot if snapshot is not None and generation == self._generation else None
        try:
            ix = self._index(generation)
            if previous is not None and ix.latest_generation() == previous.toc_generation:
                return previous
            searcher, toc_generation = _open_searcher(ix, previous.searcher if previous else None)
        except (OSError, index.IndexError):
            # The generation vanished under us (a rebuild switched twice): start from CURRENT again.
            self._indexes.clear()
            generation = self._current()
            searcher, toc_generation = _open_searcher(self._index(generation), None)
        if snapshot is not None and previous is None:
            snapshot.searcher.close()
        snapshot = _Snapshot(searcher, toc_generation, self._segment_cache)
        self._snapshot, self._generation = snapshot, generation
        return snapshot

    def count(self) -> int:
        with self._lock:
            return self._snap().searcher.doc_count()

    def fingerprints(self) -> dict[int, str]:
        with self._lock:
            snap = self._snap()
            return {snap.pid[d]: snap.fingerprint[d].decode() for d in snap.live()}

    def search(self, query: SearchQuery) -> SearchResult:
        with self._lock:
            snap = self._snap()
            result = self._search(snap, query)
            if result.total or not query.q.strip():
                return result
            corrected = correct_query(
                query.q,
                is_known=lambda word: bool(self._live_ids(snap, "words", word)),
                candidates=lambda word, limit: self._candidates(snap, word, limit),
                display=lambda word: self._display(snap, word),
            )
            if corrected is None:
                return result
            fixed = self._search(snap, replace(query, q=corrected))
            return replace(fixed, did_you_mean=corrected) if fixed.total else result

    def _live_ids(self, snap: _Snapshot, field: str, term: str) -> set[int]:
        return set(_term_ids(snap.reader, field, term)) - snap.deleted

    def _candidates(self, snap: _Snapshot, word: str, limit: int) -> list[tuple[str, int]]:
        found: set[str] = set()
        for leaf, _ in snap.reader.leaf_readers():
            if leaf.doc_count_all():
                found.update(leaf.terms_within("words", word, limit))
                for swapped in transpositions(word):
                    if limit == 1:
                        found.update([swapped] if ("words", swapped) in leaf else [])
                    else:
                        found.update(leaf.terms_within("words", swapped, limit - 1))
        return [(term, n) for term in found if (n := len(self._live_ids(snap, "words", term)))]

    def _display(self, snap: _Snapshot, word: str) -> str:
        shown = Counter({term.decode(): snap.reader.doc_frequency("vocab", term)
                         for term in snap.reader.expand_prefix("vocab", f"{word}{_SEP}")})
        return shown.most_common(1)[0][0].split(_SEP, 1)[1] if shown else word

    def _search(self, snap: _Snapshot, query: SearchQuery) -> SearchResult:
        terms = index_terms(query.q)
        if query.q.strip() and not terms:
            return empty_result()
        reader = snap.reader
        field_sets: list[list[tuple[int, set[int]]]] = []
        matched: set[int] | frozenset[int] | None = None
        for term in dict.fromkeys(terms):
            per_field = [(weight, set(_term_ids(reader, field, term))) for field, weight in FIELD_WEIGHTS]
            field_sets.append(per_field)
            union = set().union(*(ids for _, ids in per_field))
            matched = union if matched is None else matched & union
            if not matched:
                return empty_result()
        matched = self._filter(snap, query, matched)
        facets = self._facets(snap, matched)
        page = self._page(snap, query, matched, field_sets)
        term_set = set(terms)
        hits = []
        for docnum in page:
            names, descriptions = snap.searcher.stored_fields(docnum)["texts"]
            hits.append(SearchHit(snap.pid[docnum], hit_highlight(names, descriptions, term_set, query.lang)))
        return SearchResult(hits=hits, total=len(matched), facets=facets, did_you_mean=None)

    def _filter(self, snap: _Snapshot, query: SearchQuery, matched: set[int] | None) -> set[int]:
        checks: list[tuple[str, str, list[Any], Any]] = []
        if slugs := query.category_slugs:
            if matched is None:
                matched = set().union(*(_term_ids(snap.reader, "category", slug) for slug in slugs))
            else:
                category, wanted_slugs = snap.category, set(slugs)
                matched = {d for d in matched if category[d] in wanted_slugs}
        if query.region is not None:
            checks.append(("region", query.region, snap.region, query.region))
        if query.cooperative_id is not None:
            checks.append(("coop", str(query.cooperative_id), snap.coop, str(query.cooperative_id)))
        if matched is None and checks:
            field, term, _, _ = checks.pop(0)
            matched = set(_term_ids(snap.reader, field, term))
        if matched is None and query.certification is not None:
            matched = set(_term_ids(snap.reader, "cert", query.certification))
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

    @staticmethod
    def _facets(snap: _Snapshot, matched: set[int]) -> dict[str, list[tuple[str, int]]]:
        certs: Counter[str] = Counter()
        for kinds, n in Counter(map(snap.cert.__getitem__, matched)).items():
            for kind in kinds:
                certs[kind] += n
        return {
            "category": sorted_facet(Counter(map(snap.category.__getitem__, matched))),
            "region": sorted_facet(Counter(map(snap.region.__getitem__, matched))),
            "certification": sorted_facet(certs),
        }

    @staticmethod
    def _page(snap: _Snapshot, query: SearchQuery, matched: set[int],
              field_sets: list[list[tuple[int, set[int]]]]) -> list[int]:
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
        score: Counter[int] = Counter()
        for per_field in field_sets:
            for weight, ids in per_field:
                hit = ids & matched
                for _ in range(weight):
                    score.update(hit)
        ranked: list[int] = []
        for level in sorted(set(score.values()), reverse=True):
            tier = [d for d, s in score.items() if s == level]
            ranked.extend(heapq.nlargest(wanted - len(ranked), tier, key=newest))
            if len(ranked) >= wanted:
                break
        return ranked[query.offset:wanted]

    def suggest(self, prefix: str, *, limit: int = 10) -> list[str]:
        typed = completion_prefix(prefix)
        if not typed.strip():
            return []
        with self._lock:
            snap = self._snap()
            expired = snap.expired(datetime.now(UTC).date())
            out: list[str] = []
            seen: set[str] = set()
            for field in ("ac_full", "ac_part"):
                found: dict[str, list[Any]] = {}
                for term, info in snap.reader.iter_prefix(field, typed):
                    text = term.decode() if isinstance(term, bytes) else term
                    entry = found.setdefault(text.split(_SEP, 1)[1], [0, []])
                    entry[0] += info.doc_frequency()
                    entry[1].append(text)
                # Whole-name matches before word matches; then shorter, then more products, then alphabetical.
                for display in sorted(found, key=lambda shown: (len(shown), -found[shown][0], shown)):
                    key = " ".join(w for t in display.split() for w in fold_token(t))
                    if key in seen or not any(_has_live_doc(snap.reader, field, text, expired)
                                              for text in found[display][1]):
                        continue
                    seen.add(key)
                    out.append(display)
                    if len(out) >= limit:
                        return out
            return out


class _HeldLock:
    """Context manager acquiring an fcntl file lock by polling, as Whoosh's blocking writer does."""

    def __init__(self, lock: FcntlLock, timeout: float) -> None:
        self.lock = lock
        self.timeout = timeout

    def __enter__(self) -> _HeldLock:
        if not try_for(self.lock.acquire, self.timeout, LOCK_DELAY):
            raise LockError(f"could not acquire {self.lock.filename} within {self.timeout:.0f} s")
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


