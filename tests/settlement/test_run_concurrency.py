"""Two settlement runs at the same moment settle every parcel exactly once."""
from __future__ import annotations

import threading

import pytest

from orders.settlement import runs
from tests.conftest import POSTGRES_URL
from tests.settlement.conftest import API


@pytest.fixture
def delivered(books):
    """Three parcels of two cooperatives delivered and past the return window."""
    coops = [books.cooperative([{}]), books.cooperative([{}, {}])]
    variants = [books.product(coop, amount=12000, lots=[(coop.members[-1], 10)]) for coop in coops]
    parcels = [books.deliver(books.order([(variants[0], 1)]), coops[0]),
               books.deliver(books.order([(variants[1], 2)]), coops[1]),
               books.deliver(books.order([(variants[0], 1), (variants[1], 1)]), coops[0])]
    books.later(8)
    return parcels


def assert_settled_once(books, parcels: list[int], answers: list) -> None:
    assert [answer.status_code for answer in answers] == [201, 201]
    settled = [p["coop_order_id"] for answer in answers for p in answer.json["parcels"]]
    assert sorted(settled) == sorted(parcels)  # every parcel, none twice
    assert sorted(answer.json["parcels_count"] for answer in answers) == [0, len(parcels)]
    assert [p for answer in answers if answer.json["parcels_count"] == 0 for p in answer.json["payouts"]] == []
    entries = books.client.get(f"{API}/admin/ledger", query_string={"account": "buyer_payments", "per_page": 100},
                               headers=books.admin.headers).json["items"]
    assert sorted(e["reference"].rsplit(" ", 1)[1] for e in entries if e["kind"] == "settlement") == \
        sorted(str(p) for p in parcels)
    assert books.balance("buyer_payments") == 0  # everything paid was settled, once
    result = books.market.app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output


def test_a_run_that_read_the_parcels_before_another_settled_them_settles_none_of_them(books, delivered, monkeypatch):
    """Deterministic interleaving: the first run has read the eligible parcels; the second runs to its commit
    before the first claims them. The first then claims nothing."""
    read = runs.eligible_batch
    answers = {}

    def second_run_meanwhile(cutoff, *, after, limit):
        ids = read(cutoff, after=after, limit=limit)
        if "second" not in answers:
            answers["second"] = None
            thread = threading.Thread(target=lambda: answers.update(second=books.settle()))
            thread.start()
            thread.join()
        return ids

    monkeypatch.setattr(runs, "eligible_batch", second_run_meanwhile)
    answers["first"] = books.settle()

    assert answers["second"].json["parcels_count"] == 3
    assert answers["first"].json["parcels_count"] == 0 and answers["first"].json["cooperatives"] == []
    assert_settled_once(books, delivered, [answers["first"], answers["second"]])


def test_a_batch_boundary_does_not_skip_or_repeat_a_parcel(books, delivered, monkeypatch):
    monkeypatch.setattr(runs, "BATCH_SIZE", 1)
    seen = []
    read = runs.eligible_batch
    monkeypatch.setattr(runs, "eligible_batch", lambda cutoff, *, after, limit: seen.append(limit) or read(
        cutoff, after=after, limit=limit))

    run = books.settle().json

    assert run["parcels_count"] == 3 and set(seen) == {1} and len(seen) == 4
    assert sorted(p["coop_order_id"] for p in run["parcels"]) == sorted(delivered)


@pytest.mark.skipif(not POSTGRES_URL, reason="a real race needs PostgreSQL: set TEST_DATABASE_URL")
def test_two_runs_started_at_the_same_moment_settle_each_parcel_once(books, delivered):
    start = threading.Barrier(2)
    answers = [None, None]

    def run(slot):
        start.wait()
        answers[slot] = books.settle()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert_settled_once(books, delivered, answers)
