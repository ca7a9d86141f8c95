"""Stock lots traced to members, and the atomic stock operations orders will use."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from catalog.errors import OutOfStock
from catalog.models import ProductVariant, StockLot
from catalog.sellability import today
from catalog.stock import available_by_variant, draw_from_lots, release_lines, reserve_lines
from marketplace.extensions import db
from tests.catalog.conftest import API
from tests.conftest import POSTGRES_URL


def lot_body(member_id: int, **overrides) -> dict:
    return {"lot_code": "ARG-2026-001", "quantity": 40, "member_id": member_id,
            "produced_on": (today() - timedelta(days=10)).isoformat(),
            "best_before": (today() + timedelta(days=300)).isoformat(), **overrides}


def lots_path(product: dict) -> str:
    return f"{API}/products/{product['id']}/variants/{product['variants'][0]['id']}/lots"


def test_a_manager_adds_a_lot_produced_by_an_active_member(shop, manager, coop, client):
    product = shop.product(manager, coop)
    member = shop.member(coop)
    response = client.post(lots_path(product), json=lot_body(member), headers=manager.headers)
    assert response.status_code == 201, response.json
    assert {k: response.json[k] for k in ("lot_code", "quantity", "quantity_remaining", "member_id", "variant_id")} \
        == {"lot_code": "ARG-2026-001", "quantity": 40, "quantity_remaining": 40, "member_id": member,
            "variant_id": product["variants"][0]["id"]}
    detail = client.get(f"{API}/products/{product['id']}", headers=manager.headers).json
    assert detail["variants"][0]["stock_available"] == 40


def test_the_lot_must_come_from_an_active_member_of_the_products_cooperative(shop, manager, coop, users, client):
    product = shop.product(manager, coop)
    departed = shop.member(coop, left_on=today() - timedelta(days=1))
    stranger = shop.member(shop.cooperative(users.cooperative()))
    for member_id in (departed, stranger, 999999):
        response = client.post(lots_path(product), json=lot_body(member_id), headers=manager.headers)
        assert response.status_code == 422 and "member_id" in response.json["error"]["details"]
    with shop.app.app_context():
        assert db.session.scalar(select(StockLot.id)) is None


@pytest.mark.parametrize("overrides, field", [
    ({"quantity": 0}, "quantity"), ({"quantity": -5}, "quantity"), ({"quantity": 2.5}, "quantity"),
    ({"quantity": 10**9}, "quantity"), ({"lot_code": "has/slash"}, "lot_code"), ({"lot_code": ""}, "lot_code"),
    ({"best_before": (today() - timedelta(days=20)).isoformat()}, "best_before"),
    ({"produced_on": (today() + timedelta(days=2)).isoformat(),
      "best_before": (today() + timedelta(days=30)).isoformat()}, "produced_on"),
    ({"best_before": (today() - timedelta(days=1)).isoformat()}, "best_before"),
    ({"produced_on": "yesterday"}, "produced_on"), ({"member_id": "1"}, "member_id"), ({"colour": "x"}, "colour"),
])
def test_bad_lots_are_422_and_add_no_stock(shop, manager, coop, client, overrides, field):
    product = shop.product(manager, coop)
    response = client.post(lots_path(product), json={**lot_body(shop.member(coop)), **overrides},
                           headers=manager.headers)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]
    with shop.app.app_context():
        assert db.session.scalar(select(StockLot.id)) is None


def test_a_lot_code_is_used_once(shop, manager, coop, client):
    product = shop.product(manager, coop)
    member = shop.member(coop)
    assert client.post(lots_path(product), json=lot_body(member), headers=manager.headers).status_code == 201
    again = client.post(lots_path(product), json=lot_body(member, quantity=3), headers=manager.headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "duplicate_lot_code"


def test_only_the_products_managers_add_lots(shop, manager, coop, users, client):
    product = shop.product(manager, coop)
    member = shop.member(coop)
    assert client.post(lots_path(product), json=lot_body(member), headers=users.cooperative().headers) \
        .status_code == 404
    assert client.post(lots_path(product), json=lot_body(member), headers=users.buyer().headers).status_code == 403


def test_a_lot_traces_back_to_its_member_and_product_for_admins_and_its_managers(shop, manager, coop, users, client):
    product = shop.product(manager, coop)
    member = shop.member(coop, full_name="Fadma Id Ali")
    client.post(lots_path(product), json=lot_body(member), headers=manager.headers)

    for viewer in (manager, users.admin()):
        trace = client.get(f"{API}/lots/ARG-2026-001/trace", headers=viewer.headers)
        assert trace.status_code == 200
        assert trace.json["lot"]["lot_code"] == "ARG-2026-001" and trace.json["order_lines"] == []
        assert (trace.json["member"]["id"], trace.json["member"]["full_name"]) == (member, "Fadma Id Ali")
        assert trace.json["product"]["id"] == product["id"]
        assert trace.json["variant"]["sku"] == product["variants"][0]["sku"]
        assert "payout_account" not in trace.json["member"]

    assert client.get(f"{API}/lots/ARG-2026-001/trace", headers=users.cooperative().headers).status_code == 404
    assert client.get(f"{API}/lots/ARG-2026-001/trace", headers=users.buyer().headers).status_code == 403
    assert client.get(f"{API}/lots/NOPE/trace", headers=manager.headers).status_code == 404
    assert client.get(f"{API}/lots/ARG-2026-001/trace").status_code == 401


# --- the stock operations (service level) -------------------------------------------------------------------

@pytest.fixture
def stocked(shop, manager, coop):
    """A variant with lots of 5 (best before in 10 days), 10 (in 100 days) and 4 (expired yesterday)."""
    product = shop.product(manager, coop)
    member = shop.member(coop)
    shop.lot(manager, product, member, quantity=10, code="LATE", best_before=today() + timedelta(days=100))
    shop.lot(manager, product, member, quantity=5, code="SOON", best_before=today() + timedelta(days=10))
    with shop.app.app_context():
        expired = StockLot(variant_id=product["variants"][0]["id"], member_id=member, lot_code="OLD", quantity=4,
                           quantity_remaining=4, produced_on=today() - timedelta(days=60),
                           best_before=today() - timedelta(days=1))
        db.session.add(expired)
        db.session.commit()
    return product["variants"][0]["id"]


def available(app, variant_id: int) -> int:
    with app.app_context():
        return available_by_variant([db.session.get(ProductVariant, variant_id)], today())[variant_id]


def remaining(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(StockLot.lot_code, StockLot.quantity_remaining)).all())


def test_reserving_and_releasing_move_the_available_stock(app, stocked):
    assert available(app, stocked) == 15
    with app.app_context():
        reserve_lines([(stocked, 6)])
        db.session.commit()
    assert available(app, stocked) == 9
    with app.app_context():
        release_lines([(stocked, 2)])
        db.session.commit()
    assert available(app, stocked) == 11


def test_reserving_more_than_available_is_out_of_stock_and_reserves_nothing(app, stocked):
    with app.app_context():
        with pytest.raises(OutOfStock) as refused:
            reserve_lines([(stocked, 16)])
        db.session.rollback()
    assert refused.value.code == "out_of_stock" and refused.value.status == 409
    assert refused.value.details == {"variants": [{"variant_id": stocked, "requested": 16, "available": 15}]}
    assert available(app, stocked) == 15


def test_releasing_more_than_reserved_is_a_bug_not_negative_stock(app, stocked):
    with app.app_context():
        with pytest.raises(ValueError):
            release_lines([(stocked, 1)])


def test_lots_are_drawn_first_expiring_first_and_never_from_expired_ones(app, stocked):
    with app.app_context():
        drawn = [(lot.lot_code, units) for lot, units in draw_from_lots(stocked, 7)]
        db.session.commit()
    assert drawn == [("SOON", 5), ("LATE", 2)]
    assert remaining(app) == {"SOON": 0, "LATE": 8, "OLD": 4}


def test_drawing_more_than_the_unexpired_lots_hold_is_out_of_stock(app, stocked):
    with app.app_context():
        with pytest.raises(OutOfStock):
            draw_from_lots(stocked, 16)
        db.session.rollback()
    assert remaining(app) == {"SOON": 5, "LATE": 10, "OLD": 4}


def test_a_draw_that_loses_a_race_on_a_lot_takes_what_is_left_of_it_then_moves_on(app, stocked):
    with app.app_context():
        engine = db.engine

    fired = []

    def competitor_drains_soon_first(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE stock_lots") and not fired:
            fired.append(True)  # the named point: after our read of the lots, before our first update
            with engine.begin() as other:
                other.execute(update(StockLot).where(StockLot.lot_code == "SOON").values(quantity_remaining=2))

    event.listen(engine, "before_cursor_execute", competitor_drains_soon_first)
    try:
        with app.app_context():
            drawn = [(lot.lot_code, units) for lot, units in draw_from_lots(stocked, 6)]
            db.session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", competitor_drains_soon_first)
    assert fired and drawn == [("SOON", 2), ("LATE", 4)]
    assert remaining(app) == {"SOON": 0, "LATE": 6, "OLD": 4}


def run_together(app, count: int, action) -> list[bool]:
    """Run `action()` in `count` threads released at once; True for each that committed."""
    barrier, results, lock = threading.Barrier(count), [], threading.Lock()

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                action()
                db.session.commit()
                outcome = True
            except OutOfStock:
                db.session.rollback()
                outcome = False
            finally:
                db.session.remove()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.skipif(not POSTGRES_URL, reason="real concurrent writers need PostgreSQL: set TEST_DATABASE_URL")
def test_threads_reserving_more_than_available_reserve_exactly_what_there_is(app, stocked):
    results = run_together(app, 20, lambda: reserve_lines([(stocked, 1)]))
    assert results.count(True) == 15
    with app.app_context():
        assert db.session.get(ProductVariant, stocked).reserved == 15
    assert available(app, stocked) == 0


@pytest.mark.skipif(not POSTGRES_URL, reason="real concurrent writers need PostgreSQL: set TEST_DATABASE_URL")
def test_threads_drawing_from_lots_never_take_more_than_the_lots_hold(app, stocked):
    results = run_together(app, 12, lambda: draw_from_lots(stocked, 2))
    assert results.count(True) == 7
    assert remaining(app) == {"SOON": 0, "LATE": 1, "OLD": 4}
