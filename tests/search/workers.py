"""Code run in child processes by the Whoosh concurrency tests (importable by a spawned interpreter)."""
from __future__ import annotations

from typing import Any

from catalog.search.whoosh_backend import WhooshBackend
from tests.factories import make_doc

SHARED = range(1, 31)
ROUNDS = 40


def write_versions(index_dir: str, worker: int, barrier: Any, errors: Any) -> None:
    """Upsert the shared and own products ROUNDS times with increasing versions; report errors on `errors`."""
    try:
        backend = WhooshBackend(index_dir)
        own = range(worker * 100 + 1, worker * 100 + 31)
        for version in range(ROUNDS):
            if version == ROUNDS - 1:
                # From here the only writes left are each worker's final ones, so "last write" is well defined.
                barrier.wait()
            shared = [pid for pid in SHARED if version < ROUNDS - 1 or pid % 2 == worker % 2]
            for pids in (shared, own):
                backend.index([make_doc(pid, price_min=version * 10 + worker, fingerprint=f"{worker}:{version}")
                               for pid in pids])
    except Exception as exc:  # reported to the parent, which asserts on it
        errors.put(repr(exc))
