"""The index follows the database: an unavailable index queues changes for `flask search sync`; `check` finds
drift; `reindex` rebuilds under live searches; two app processes writing the same products leave it exact."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from catalog.sellability import today
from catalog.search import outbox
from catalog.search.whoosh_backend import generations
from catalog.search.indexing import check_index, documents_of, search_backend
from tests.search.conftest import API, Market
from tests.search.sync_workers import HOLD_WRITER_LOCK, product_name, rename_products
from tests.processes import run_in_processes


def published(market: Market, count: int, *, name: str = "Miel de thym") -> tuple[int, object, list[int]]:
    cooperative, manager = market.cooperative()
    return cooperative, manager, [market.product(manager, cooperative, {"fr": f"{name} {n}"}) for n in range(count)]


# --- (a) the index cannot be written: the write stands, the change waits in the outbox ---------------------------

class HeldWriterLock:
    """Another process holding the Whoosh writer lock of `index_dir` until `release()`."""

    def __init__(self, index_dir: str) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", HOLD_WRITER_LOCK, str(Path(index_dir) / "writer.lock")],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            assert self.process.wait(timeout=30) == 0


@pytest.fixture
def held_writer_lock(app, monkeypatch):
    monkeypatch.setattr(generations, "LOCK_TIMEOUT", 0.2)
    holders: list[HeldWriterLock] = []

    def hold() -> HeldWriterLock:
        holders.append(HeldWriterLock(app.config["SEARCH_INDEX_DIR"]))
        return holders[-1]

    yield hold
    for holder in holders:
        holder.release()


def test_an_edit_made_while_the_index_is_locked_is_saved_queued_and_applied_by_search_sync(
        app, market, held_writer_lock):
    cooperative, manager, [honey] = published(market, 1)
    lock = held_writer_lock()

    response = market.client.patch(f"{API}/products/{honey}", headers=manager.headers,
                                   json={"name": {"fr": "Miel d'euphorbe"}})

    assert response.status_code == 200, response.json
    assert response.json["name"] == {"fr": "Miel d'euphorbe"}
    assert market.client.get(f"{API}/products/{honey}").json["name"] == {"fr": "Miel d'euphorbe"}
    with app.app_context():
        assert outbox.pending_updates(10) == [honey]
    assert market.ids(q="euphorbe") == []
    assert market.ids(q="thym") == [honey]  # the old entry still answers (the item itself is read from the database)

    lock.release()
    result = app.test_cli_runner().invoke(args=["search", "sync"])

    assert result.exit_code == 0, result.output
    assert "1 products queued" in result.output and "Brought 1 products up to date" in result.output
    assert market.ids(q="euphorbe") == [honey]
    assert market.ids(q="thym") == []
    with app.app_context():
        assert outbox.count_pending() == 0
        assert check_index().healthy


def test_an_unpublish_made_while_the_index_is_locked_is_never_shown_and_leaves_after_sync(
        app, market, held_writer_lock):
    cooperative, manager, [honey, other] = published(market, 2)
    lock = held_writer_lock()
    assert market.client.post(f"{API}/products/{honey}/unpublish", headers=manager.headers).status_code == 200
    with app.app_context():
        assert outbox.pending_updates(10) == [honey]

    assert market.ids(q="miel") == [other]  # the stale entry is not shown even while the index cannot be fixed

    lock.release()
    assert app.test_cli_runner().invoke(args=["search", "sync"]).exit_code == 0
    page = market.search(q="miel")
    assert ([item["id"] for item in page["items"]], page["total"]) == ([other], 1)


def test_search_sync_with_nothing_queued_does_nothing(app):
    result = app.test_cli_runner().invoke(args=["search", "sync"])

    assert result.exit_code == 0
    assert "0 products queued" in result.output and "Brought 0 products up to date" in result.output


# --- (b) flask search check -----------------------------------------------------------------------------------

@pytest.mark.usefixtures("search_engine")
def test_search_check_passes_on_a_healthy_index(app, market):
    published(market, 3)

    result = app.test_cli_runner().invoke(args=["search", "check"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["missing: 0", "stale: 0", "extra: 0"]


@pytest.mark.usefixtures("search_engine")
def test_search_check_lists_missing_stale_and_extra_products_and_exits_1(app, market):
    cooperative, manager, [removed, outdated, kept] = published(market, 3)
    draft = market.product(manager, cooperative, {"fr": "Miel brouillon"}, publish=False)
    with app.app_context():
        backend = search_backend()
        backend.remove([removed])
        [doc] = documents_of([outdated], today())[0]
        backend.index([dataclasses.replace(doc, fingerprint="outdated")])
        backend.index([dataclasses.replace(doc, product_id=draft)])

    result = app.test_cli_runner().invoke(args=["search", "check"])

    assert result.exit_code == 1
    assert result.output.splitlines() == [f"missing: 1 ({removed})", f"stale: 1 ({outdated})", f"extra: 1 ({draft})"]

    assert app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    assert app.test_cli_runner().invoke(args=["search", "check"]).exit_code == 0


# --- (c) flask search reindex ----------------------------------------------------------------------------------

@pytest.mark.usefixtures("search_engine")
def test_search_reindex_rebuilds_from_the_database_and_prints_the_count(app, market):
    cooperative, manager, products = published(market, 3)
    market.product(manager, cooperative, {"fr": "Miel brouillon"}, publish=False)
    with app.app_context():
        search_backend().remove(products)  # an index that lost everything
    assert market.search(q="miel")["total"] == 0

    result = app.test_cli_runner().invoke(args=["search", "reindex"])

    assert result.exit_code == 0, result.output
    assert "Indexed 3 sellable products of 3 published." in result.output
    assert sorted(market.ids(q="miel")) == products


@pytest.mark.usefixtures("search_engine")
def test_searches_keep_answering_with_complete_results_while_reindex_runs(app, market):
    _, _, products = published(market, 6)
    expected = len(products)
    outcomes: list[tuple[int, int | None]] = []
    reindexed: list[object] = []

    def reindex() -> None:
        reindexed.append(app.test_cli_runner().invoke(args=["search", "reindex"]))

    def search_until_reindexed(reindexer: threading.Thread) -> None:
        client = app.test_client()
        with app.app_context():
            while True:  # at least once, then until the rebuild is over
                response = client.get(f"{API}/search", query_string={"q": "miel"})
                outcomes.append((response.status_code, (response.json or {}).get("total")))
                if not reindexer.is_alive():
                    break

    reindexer = threading.Thread(target=reindex)
    searcher = threading.Thread(target=search_until_reindexed, args=(reindexer,))
    reindexer.start()
    searcher.start()
    reindexer.join(timeout=120)
    searcher.join(timeout=120)

    assert reindexed and reindexed[0].exit_code == 0, reindexed and reindexed[0].output
    assert f"Indexed {expected} sellable products" in reindexed[0].output
    assert outcomes
    assert [status for status, _ in outcomes if status != 200] == []
    assert {total for _, total in outcomes} == {expected}
    assert sorted(market.ids(q="miel")) == products


# --- (d) two app processes renaming the same products ----------------------------------------------------------

ROUNDS = 12


@pytest.mark.usefixtures("search_engine")
def test_two_app_processes_renaming_the_same_products_leave_the_index_equal_to_the_database(
        app, market, database_url):
    _, manager, products = published(market, 3)
    config = {key: app.config[key] for key in ("TESTING", "DATABASE_URL", "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT",
                                               "SEARCH_INDEX_DIR", "SEARCH_BACKEND")}
    assert config["DATABASE_URL"] == database_url
    run_in_processes(rename_products, lambda worker, barrier, errors: (
        config, manager.id, products, worker, ROUNDS, barrier, errors))
    with app.app_context():
        report = check_index()
        assert report.healthy, report
        assert outbox.count_pending() == 0
    last = ROUNDS - 1
    for product_id in products:
        name = market.client.get(f"{API}/products/{product_id}").json["name"]
        assert name in (product_name(1, last, product_id), product_name(2, last, product_id))
        last_word = name["fr"].split()[-1]
        assert market.ids(q=last_word) == [product_id]
        assert market.search(q=last_word)["did_you_mean"] is None
        # The other worker's last name is not indexed: only the typo fallback (one letter away) finds it.
        other_worker_word = product_name(3 - int(last_word[1]), last, product_id)["fr"].split()[-1]
        assert market.search(q=other_worker_word)["did_you_mean"] == last_word

