"""Several lines at once (a cart, an order): one 409 naming every short variant, rows touched in variant-id order,
so two buyers taking the same two variants in opposite orders queue instead of deadlocking (PostgreSQL)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text

from catalog.errors import OutOfStock
from catalog.models import ProductVariant, StockLot
from catalog.stock import draw_lines, release_lines, reserve_lines, restock_lots
from marketplace.clock import today
from marketplace.extensions import db
from marketplace.transaction import unit_of_work
from tests.catalog.conftest import API
from tests.conftest import POSTGRES_URL

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="row locks between real writers need PostgreSQL")


@pytest.fixture
def variants(shop, manager, coop, client):
    """Three variants of one product holding 10, 4 and 6 units (one lot each, plus a second lot of 3 on the first
    expiring sooner)."""
    product = shop.product(manager, coop, variants=3)
    member = shop.member(coop)
    ids = [variant["id"] for variant in product["variants"]]
    for n, (variant_id, quantity, days) in enumerate([(ids[0], 7, 200), (ids[0], 3, 20), (ids[1], 4, 100),
                                                      (ids[2], 6, 100)]):
        response = client.post(f"{API}/products/{product['id']}/variants/{variant_id}/lots", headers=manager.headers,
                               json={"lot_code": f"L{n}-{variant_id}", "quantity": quantity, "member_id": member,
                                     "produced_on": (today() - timedelta(days=2)).isoformat(),
                                     "best_before": (today() + timedelta(days=days)).isoformat()})
        assert response.status_code == 201, response.json
    return sorted(ids)


def reserved(app, ids: list[int]) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(ProductVariant.reserved).where(ProductVariant.id.in_(ids))
                                       .order_by(ProductVariant.id)))


def lots_left(app, variant_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(StockLot.quantity_remaining).where(StockLot.variant_id == variant_id)
                                       .order_by(StockLot.best_before)))


def test_one_409_names_every_short_variant_and_nothing_stays_reserved(app, variants):
    first, second, third = variants
    with app.app_context():
        with pytest.raises(OutOfStock) as refused:
            with unit_of_work():
                reserve_lines([(third, 7), (first, 2), (second, 5), (first, 9)])
    assert refused.value.status == 409 and refused.value.code == "out_of_stock"
    assert refused.value.details == {"variants": [{"variant_id": first, "requested": 11, "available": 10},
                                                  {"variant_id": second, "requested": 5, "available": 4},
                                                  {"variant_id": third, "requested": 7, "available": 6}]}
    assert reserved(app, variants) == [0, 0, 0]


def test_lines_of_one_variant_add_up_and_release_gives_them_back(app, variants):
    first, second, third = variants
    with app.app_context(), unit_of_work():
        reserve_lines([(third, 6), (first, 4), (first, 6)])
    assert reserved(app, variants) == [10, 0, 6]
    with app.app_context(), unit_of_work():
        release_lines([(first, 3), (third, 6)])
    assert reserved(app, variants) == [7, 0, 0]
    with app.app_context(), pytest.raises(ValueError):
        release_lines([(second, 1)])
    with app.app_context(), pytest.raises(ValueError):
        reserve_lines([(first, 0)])


def test_draw_lines_takes_first_expiring_lots_first_and_restock_puts_units_back(app, variants):
    first, second, third = variants
    with app.app_context(), unit_of_work():
        drawn = draw_lines([(second, 1), (first, 5)])
        allocations = {variant_id: [(lot.id, units) for lot, units in pairs] for variant_id, pairs in drawn.items()}
        units = {variant_id: [units for _, units in pairs] for variant_id, pairs in drawn.items()}
    assert units == {first: [3, 2], second: [1]}
    assert lots_left(app, first) == [0, 5] and lots_left(app, second) == [3]
    with app.app_context(), unit_of_work():
        restock_lots(allocations[first] + allocations[second])
    assert lots_left(app, first) == [3, 7] and lots_left(app, second) == [4]
    with app.app_context(), pytest.raises(ValueError):
        restock_lots(allocations[second])


def test_a_short_draw_names_every_short_variant_and_takes_nothing(app, variants):
    first, second, third = variants
    with app.app_context():
        with pytest.raises(OutOfStock) as refused:
            with unit_of_work():
                draw_lines([(third, 7), (second, 2), (first, 11)])
    assert refused.value.details["variants"] == [{"variant_id": first, "requested": 11, "available": 10},
                                                 {"variant_id": third, "requested": 7, "available": 6}]
    assert lots_left(app, first) == [3, 7] and lots_left(app, second) == [4] and lots_left(app, third) == [6]


def test_rows_are_updated_in_variant_id_order_whatever_the_order_of_the_lines(app, variants):
    first, second, third = variants
    touched: list[int] = []

    def record(_conn, _cursor, statement, _parameters, context, _executemany):
        if statement.startswith("UPDATE product_variants"):
            touched.append(next(value for name, value in context.compiled_parameters[0].items()
                                if name.startswith("id_")))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            with unit_of_work():
                reserve_lines([(third, 1), (first, 1), (second, 1)])
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert touched == [first, second, third]


# --- two buyers, the same two variants, opposite orders (PostgreSQL) --------------------------------------------

def _backend_pid() -> int:
    return db.session.scalar(text("SELECT pg_backend_pid()"))


def _wait_until_blocked_on_a_lock(pid: int) -> None:
    """What PostgreSQL's isolation tester does: watch pg_stat_activity until the session waits on a lock."""
    with db.engine.connect() as watcher:
        for _ in range(2000):
            if watcher.execute(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                               {"pid": pid}).scalar() == "Lock":
                return
            watcher.rollback()
            threading.Event().wait(0.005)
    raise AssertionError("the second buyer never waited for the first one's row lock")


@needs_postgres
def test_the_second_buyer_waits_on_the_lower_id_and_holds_nothing_the_first_needs(app, variants):
    """Buyer 1 holds the first variant's row and pauses; buyer 2, asking in the opposite order, must queue on that
    row before touching the other. Without the ordering buyer 2 would hold the second row and PostgreSQL would
    abort one of them as a deadlock."""
    first, second, _ = variants
    outcome: dict[str, object] = {}
    second_buyer_pid: list[int] = []

    def second_buyer():
        with app.app_context():
            try:
                with unit_of_work():
                    second_buyer_pid.append(_backend_pid())
                    started.set()
                    reserve_lines([(second, 1), (first, 1)])
                outcome["second"] = "committed"
            except Exception as error:  # recorded for the assertion below
                outcome["second"] = repr(error)

    started = threading.Event()
    paused: list[bool] = []

    def pause_after_first_row(_conn, _cursor, statement, *_):
        if statement.startswith("UPDATE product_variants") and not paused:
            paused.append(True)
            thread.start()
            assert started.wait(30)
            _wait_until_blocked_on_a_lock(second_buyer_pid[0])

    thread = threading.Thread(target=second_buyer)
    with app.app_context():
        engine = db.engine
        event.listen(engine, "after_cursor_execute", pause_after_first_row)
        try:
            with unit_of_work():
                reserve_lines([(first, 1), (second, 1)])
            outcome["first"] = "committed"
        finally:
            event.remove(engine, "after_cursor_execute", pause_after_first_row)
    thread.join(timeout=60)
    assert outcome == {"first": "committed", "second": "committed"}
    assert reserved(app, variants)[:2] == [2, 2]


def race(app, orders: list[list[tuple[int, int]]]) -> list[bool]:
    """Each buyer reserves its lines in its own thread, all released at once; True for each that committed."""
    barrier, results, lock = threading.Barrier(len(orders)), [], threading.Lock()
    failures: list[BaseException] = []

    def buyer(lines):
        with app.app_context():
            barrier.wait()
            try:
                with unit_of_work():
                    reserve_lines(lines)
                outcome = True
            except OutOfStock:
                outcome = False
            except BaseException as error:  # a deadlock would land here
                failures.append(error)
                return
            finally:
                db.session.remove()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=buyer, args=(lines,)) for lines in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    return results


@needs_postgres
def test_buyers_in_opposite_orders_all_succeed_when_stock_allows(app, variants):
    first, second, _ = variants
    results = race(app, [[(first, 1), (second, 1)], [(second, 1), (first, 1)]] * 2)
    assert results == [True] * 4
    assert reserved(app, variants) == [4, 4, 0]


@needs_postgres
def test_buyers_in_opposite_orders_take_exactly_what_there_is(app, variants):
    first, second, _ = variants
    results = race(app, [[(first, 1), (second, 1)], [(second, 1), (first, 1)]] * 5)
    assert results.count(True) == 4
    assert reserved(app, variants) == [4, 4, 0]
