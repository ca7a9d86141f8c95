"""The write protocol: generations of the index, the writer lock, and the journal that keeps writes made
during a rebuild.

Layout of the index directory:
  CURRENT        name of the live generation directory, switched atomically with os.replace
  gen-000007/    a complete Whoosh index
  writer.lock    fcntl lock every writer holds while it writes (one writer at a time, across processes)
  rebuild.lock   held for the whole of a rebuild (one rebuild at a time)
  REBUILDING     present while a rebuild builds the next generation; names that generation
  journal        index/remove operations committed while the rebuild runs, in commit order

Writes take writer.lock (waiting up to LOCK_TIMEOUT, polling as Whoosh's own blocking writer does), write
into the generation CURRENT names, commit, and — when a rebuild is running — append the operation to the
journal. A rebuild builds the new generation without the lock, then takes it, replays the journal into the new
generation and switches CURRENT before releasing it: no write is lost, and because the journal is replayed in
commit order the last write still wins. The previous generation is deleted at the start of the next rebuild,
so a reader that was mid-request during a switch still finds its files.
"""
from __future__ import annotations

import os
import pickle
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

from catalog.search.backend import SearchUnavailable
from catalog.search.documents import SearchDocument
from catalog.search.whoosh_backend.internals import LOCK_DELAY, HeldLock, bulk_codec
from catalog.search.whoosh_backend.schema import document_fields, make_schema

LOCK_TIMEOUT = 30.0
SWITCH_LOCK_TIMEOUT = 300.0  # a rebuild waits longer: giving up would throw the built generation away
# Postings one rebuild writer sorts in memory (Whoosh's own estimate) before spilling a sorted run to disk.
# Spilled runs are pickled posting by posting and merged back: at 100,000 products a 256 MB limit spilled twice
# per writer and doubled the rebuild's CPU; each writer holds ~3.9M postings (~900 MB resident) under 1024.
REBUILD_MEMORY_MB = 1024
_GEN_RE = re.compile(r"^gen-(\d+)$")



class Generations:
    """The generation directories under `root` and every way of writing to them."""

    def __init__(self, root: str | Path, *, rebuild_memory_mb: int | None = None) -> None:
        self.root = Path(root)
        self.rebuild_memory_mb = REBUILD_MEMORY_MB if rebuild_memory_mb is None else rebuild_memory_mb
        self.root.mkdir(parents=True, exist_ok=True)
        self._indexes: dict[str, index.Index] = {}
        if not (self.root / "CURRENT").exists():
            with self.writer_lock():
                if not (self.root / "CURRENT").exists():
                    first = "gen-000001"
                    self._create(first)
                    self._switch(first)

    # -- generations ---------------------------------------------------------------------------------------

    def current(self) -> str:
        return (self.root / "CURRENT").read_text().strip()

    def index(self, generation: str) -> index.Index:
        if generation not in self._indexes:
            self._indexes[generation] = index.open_dir(str(self.root / generation))
        return self._indexes[generation]

    def forget_opened(self) -> None:
        """Drop the opened indexes (a generation was deleted under this process)."""
        self._indexes.clear()

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

    def _next_number(self, current: str) -> int:
        numbers = [int(m.group(1)) for p in self.root.iterdir() if (m := _GEN_RE.match(p.name))]
        return max([*numbers, int(current.split("-")[1])]) + 1

    def _drop_generations(self, keep: set[str]) -> None:
        for path in self.root.iterdir():
            if _GEN_RE.match(path.name) and path.name not in keep:
                self._indexes.pop(path.name, None)
                shutil.rmtree(path, ignore_errors=True)

    def writer_lock(self, timeout: float | None = None) -> HeldLock:
        # LOCK_TIMEOUT is read per call (a default argument would freeze it at import).
        return HeldLock(str(self.root / "writer.lock"), LOCK_TIMEOUT if timeout is None else timeout)

    # -- writes --------------------------------------------------------------------------------------------

    def write(self, operation: str, items: list[Any]) -> None:
        """Apply one operation to the live generation under the writer lock."""
        try:
            with self.writer_lock():
                self._apply_logged(operation, items)
        except (LockError, OSError) as exc:
            raise SearchUnavailable(f"search index not writable: {exc}") from exc

    def sync(self, read: Callable[[], tuple[list[SearchDocument], set[int]]]) -> None:
        """`read()` the documents to write and the ids to remove while holding the writer lock, then apply them."""
        try:
            with self.writer_lock():
                docs, gone = read()
                if docs:
                    self._apply_logged("index", list({doc.product_id: doc for doc in docs}.values()))
                if gone:
                    self._apply_logged("remove", sorted(gone))
        except (LockError, OSError) as exc:
            raise SearchUnavailable(f"search index not writable: {exc}") from exc

    def _apply_logged(self, operation: str, items: list[Any]) -> None:
        """Apply to the live generation (the caller holds writer.lock) and journal it while a rebuild runs."""
        _apply(self.index(self.current()), operation, items)
        if (self.root / "REBUILDING").exists():
            with open(self.root / "journal", "ab") as journal:
                pickle.dump((operation, items), journal)

    # -- rebuild -------------------------------------------------------------------------------------------

    def rebuild(self, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None = None, *,
                procs: int = 1) -> None:
        """Build a new generation from `docs` (analysed by `procs` processes), replay the writes made meanwhile,
        and switch to it."""
        try:
            with HeldLock(str(self.root / "rebuild.lock"), LOCK_TIMEOUT):
                with self.writer_lock():
                    current = self.current()
                    self._drop_generations(keep={current})
                    generation = f"gen-{self._next_number(current):06d}"
                    (self.root / "journal").write_bytes(b"")
                    (self.root / "REBUILDING").write_text(generation)
                try:
                    self._build(generation, docs, progress, procs)
                    with self.writer_lock(timeout=max(LOCK_TIMEOUT, SWITCH_LOCK_TIMEOUT)):
                        self._replay(generation)
                        self._switch(generation)
                        (self.root / "REBUILDING").unlink()
                finally:
                    if (self.root / "REBUILDING").exists() and self.current() != generation:
                        with self.writer_lock():
                            (self.root / "REBUILDING").unlink(missing_ok=True)
                            shutil.rmtree(self.root / generation, ignore_errors=True)
        except (LockError, OSError) as exc:
            raise SearchUnavailable(f"search index rebuild failed: {exc}") from exc

    def _build(self, generation: str, docs: Iterable[SearchDocument],
               progress: Callable[[int], None] | None, procs: int) -> None:
        ix = self._create(generation)
        # Several processes analyse and write a segment each, kept as they are (merging them would cost as much
        # as the build): the calling process is left to read the database and prepare the documents.
        codec = bulk_codec()
        limit = self.rebuild_memory_mb
        writer = (ix.writer(procs=procs, multisegment=True, limitmb=limit, codec=codec) if procs > 1
                  else ix.writer(limitmb=limit, codec=codec))
        done = 0
        try:
            for doc in docs:
                writer.add_document(**document_fields(doc))
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
        ix = self.index(generation)
        with open(self.root / "journal", "rb") as journal:
            while True:
                try:
                    operation, items = pickle.load(journal)
                except EOFError:
                    break
                _apply(ix, operation, items)
        (self.root / "journal").unlink(missing_ok=True)


def _apply(ix: index.Index, operation: str, items: list[Any]) -> None:
    writer = ix.writer(timeout=LOCK_TIMEOUT, delay=LOCK_DELAY)
    try:
        if operation == "index":
            for doc in items:
                writer.update_document(**document_fields(doc))
        else:
            for product_id in items:
                writer.delete_by_term("pid", str(product_id))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
