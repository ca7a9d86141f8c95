"""Whoosh index shared by several worker processes: serialised writers, rebuild under live searches."""
from __future__ import annotations

import threading
from pathlib import Path

from catalog.search.documents import SearchQuery
from catalog.search.indexing import search_backend
from catalog.search.whoosh_backend import WhooshBackend
from tests.factories import make_doc
from tests.search.workers import ROUNDS, SHARED, write_versions
from tests.processes import run_in_processes

def test_two_processes_writing_the_same_products_lose_nothing_and_the_last_write_wins(tmp_path):
    index_dir = str(tmp_path / "index")
    WhooshBackend(index_dir)
    run_in_processes(write_versions, lambda worker, barrier, errors: (index_dir, worker, barrier, errors))
    backend = WhooshBackend(index_dir)
    final = backend.fingerprints()
    assert backend.count() == 90
    last = ROUNDS - 1
    assert {pid: final[pid] for pid in SHARED} == {pid: f"{2 if pid % 2 == 0 else 1}:{last}" for pid in SHARED}
    assert all(final[pid] == f"1:{last}" for pid in range(101, 131))
    assert all(final[pid] == f"2:{last}" for pid in range(201, 231))
    cheapest = backend.search(SearchQuery(q="produit", sort="price_asc", per_page=100)).hits
    assert len(cheapest) == 90


def test_searches_keep_working_during_a_rebuild_and_a_write_made_meanwhile_is_kept(tmp_path: Path):
    index_dir = tmp_path / "index"
    rebuilder, searcher, worker = WhooshBackend(index_dir), WhooshBackend(index_dir), WhooshBackend(index_dir)
    rebuilder.index([make_doc(pid, names={"fr": f"Miel {pid}"}) for pid in range(1, 301)])
    done = threading.Event()
    errors: list[str] = []
    totals: list[int] = []

    def search_until_done() -> None:
        while not done.is_set():
            try:
                totals.append(searcher.search(SearchQuery(category="argan-oil")).total)
            except Exception as exc:
                errors.append(repr(exc))

    def write_while_building(count: int) -> None:
        # The rebuild reports progress while the new generation is built, before it is switched in.
        if count == 1000:
            worker.index([make_doc(5000, names={"fr": "Miel écrit pendant la reconstruction"})])
            worker.remove([2])
            worker.remove([1000])

    thread = threading.Thread(target=search_until_done)
    thread.start()
    try:
        rebuilder.rebuild([make_doc(pid, names={"fr": f"Amlou {pid}"}) for pid in range(1, 1201)],
                          total=1200, progress=write_while_building)
    finally:
        done.set()
        thread.join()

    assert errors == []
    # Complete old contents (300 honeys, one swapped for the new one) or complete new ones, nothing between.
    assert totals and set(totals) <= {300, 301, 1199}
    assert searcher.search(SearchQuery(q="amlou")).total == 1198
    assert [hit.product_id for hit in searcher.search(SearchQuery(q="reconstruction")).hits] == [5000]
    assert searcher.count() == 1199
    assert searcher.search(SearchQuery(q="miel")).total == 1


def test_a_rebuild_analysed_by_two_processes_finds_every_document_and_keeps_a_write_made_after_it(tmp_path: Path):
    backend = WhooshBackend(tmp_path / "index")
    seen: list[int] = []
    backend.generations.rebuild([make_doc(pid, names={"fr": f"Amlou {pid}"}, price_min=pid) for pid in range(1, 501)],
                                seen.append, procs=2)
    backend.index([make_doc(7, names={"fr": "Miel de thym"})])
    assert seen[-1] == 500 and backend.count() == 500
    assert backend.search(SearchQuery(q="amlou", per_page=5)).total == 499
    assert [hit.product_id for hit in backend.search(SearchQuery(q="miel")).hits] == [7]
    assert [hit.product_id for hit in backend.search(SearchQuery(q="amlou", sort="price_asc", per_page=3)).hits] \
        == [1, 2, 3]


def test_a_rebuild_whose_postings_spill_to_disk_builds_the_same_index_as_one_kept_in_memory(tmp_path: Path):
    docs = [make_doc(pid, names={"fr": f"Amlou {pid}", "en": f"Honey spread {pid % 7}"}, price_min=pid)
            for pid in range(1, 401)]
    in_memory = WhooshBackend(tmp_path / "memory")
    spilled = WhooshBackend(tmp_path / "spilled", rebuild_memory_mb=0)  # every posting over the limit: many runs
    for backend in (in_memory, spilled):
        backend.generations.rebuild(docs, None, procs=2)
    for q in ("amlou", "honey 3", "spread", "amlou 250"):
        query = SearchQuery(q=q, per_page=50)
        assert [hit.product_id for hit in spilled.search(query).hits] == \
            [hit.product_id for hit in in_memory.search(query).hits] != []
    assert spilled.search(SearchQuery(q="amlou")).total == in_memory.search(SearchQuery(q="amlou")).total == 400
    assert spilled.suggest("hon") == in_memory.suggest("hon") != []


def test_the_rebuild_memory_setting_reaches_the_whoosh_writers(app):
    app.config.update(SEARCH_BACKEND="whoosh", SEARCH_REBUILD_MEMORY_MB=64)
    with app.app_context():
        assert search_backend().generations.rebuild_memory_mb == 64
