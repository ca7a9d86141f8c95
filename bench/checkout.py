"""Checkout benchmark on PostgreSQL through gunicorn (2 sync workers): concurrent buyers check out carts of 1–5
lines from several cooperatives; then a run where many buyers race for the last units.

    .venv/bin/python bench/checkout.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Data goes into a schema of its own, dropped at the end. Buyers, cooperatives, products (non-food, so no
certificate is involved), lots and carts are created in-process through the services; only the checkouts go
over HTTP (http.client). Each run keeps `concurrency` buyers checking out at once (closed loop: a client posts the
next buyer's checkout as soon as its previous one is answered) until `--orders` checkouts are done: orders/s,
p50/p95 latency, and SQL statements per checkout counted inside the gunicorn workers (`bench/gunicorn_statements.py`)
under that load. The race starts every buyer at once (a barrier); the oversell count is units sold beyond the
stock, from the database after the run. Prints Markdown tables and the load average (the machine is shared).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.catalog import start_gunicorn  # noqa: E402
from catalog.categories import ensure_categories  # noqa: E402
from catalog.search.models import create_postgres_extensions  # noqa: E402
from catalog.models import Category, Product, ProductVariant, StockLot  # noqa: E402
from cooperatives.models import Cooperative, Member  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.auth import services as accounts  # noqa: E402
from marketplace.auth.models import Role  # noqa: E402
from marketplace.exchange_rates import set_rates  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from orders import cart  # noqa: E402
from orders.models import OrderLine, ShippingRate  # noqa: E402

ADDRESS = {"full_name": "Amina Tazi", "line1": "12 rue Oued Sebou", "city": "Rabat", "postal_code": "10000",
           "country": "MA", "phone": "+212 6 12 34 56 78"}
BODY = {"shipping_address": ADDRESS, "currency": "MAD", "payment_method": "cash_on_delivery"}


def postgres_schema(base_url: str) -> tuple[str, str]:
    """A fresh schema; `public` stays on the search path for the pg_trgm and unaccent extensions."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base_url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
        create_postgres_extensions(connection)
    engine.dispose()
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema},public"})
    return schema, url.render_as_string(hide_password=False)


def seed_catalog(*, cooperatives: int, products: int, units: int) -> list[list[int]]:
    """Verified cooperatives with published pottery products, one variant and one lot each; variant ids per
    cooperative."""
    ensure_categories()
    pottery = db.session.scalar(select(Category.id).where(Category.slug == "pottery"))
    now = datetime.now(UTC)
    by_cooperative = []
    for c in range(cooperatives):
        cooperative = Cooperative(name=f"Bench {c}", registration_number=f"RC-{c}", ice=f"{uuid.uuid4().int % 10**15:015d}",
                                  region="souss-massa", province="Agadir", sector="crafts", status="verified",
                                  description={"fr": "Bench"}, verified_at=now)
        member = Member(cooperative=cooperative, full_name="Member", gender="female", birth_year=1980,
                        joined_on=date(2020, 1, 1), payout_method="cash")
        db.session.add_all([cooperative, member])
        variants = []
        for p in range(products):
            product = Product(cooperative=cooperative, category_id=pottery, name={"fr": f"Plat {c}-{p}"},
                              description={"fr": "Plat"}, origin_region="souss-massa", status="published",
                              price_min=10_000 + p)
            variant = ProductVariant(product=product, sku=f"B-{c}-{p}-{uuid.uuid4().hex[:4]}", label="1",
                                     weight_grams=700, price_amount=10_000 + p)
            lot = StockLot(variant=variant, lot_code=f"BL-{c}-{p}-{uuid.uuid4().hex[:6]}", member=member,
                           quantity=units, quantity_remaining=units, produced_on=date.today() - timedelta(days=1),
                           best_before=date.today() + timedelta(days=365))
            db.session.add_all([product, variant, lot])
            variants.append(variant)
        db.session.flush()
        by_cooperative.append([v.id for v in variants])
    for zone, base, per_kg in (("MA", 3500, 1000), ("africa", 15000, 8000), ("world", 22000, 12000)):
        db.session.merge(ShippingRate(zone=zone, base_mad=base, per_kg_mad=per_kg))
    db.session.commit()
    set_rates({"EUR": "0.0921", "USD": "0.0998", "XOF": "60.41", "XAF": "60.41"}, actor_id=None)
    return by_cooperative


def buyers_with_carts(n: int, lines_of) -> list[str]:
    """`n` buyers, each with the cart `lines_of(i)` returns; their bearer tokens."""
    tokens = []
    for i in range(n):
        user = accounts.register_user(email=f"b{i}-{uuid.uuid4().hex[:6]}@bench.test", password="bench-password",
                                      full_name="Buyer", role=Role.BUYER)
        for variant_id in lines_of(i):
            cart.add_item(user, variant_id=variant_id, quantity=1)
        tokens.append(accounts.issue_token(user, ttl=timedelta(hours=1)).token)
    return tokens


def checkout(port: int, token: str) -> tuple[int, float]:
    """One POST /checkout over a new connection; (status, seconds)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    began = time.perf_counter()
    connection.request("POST", "/api/v1/checkout", body=json.dumps(BODY), headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status, time.perf_counter() - began


def closed_loop(port: int, tokens: list[str], concurrency: int) -> tuple[Counter, list[float], float]:
    """`concurrency` clients, each checking out the next waiting buyer as soon as its last answer came back."""
    waiting = list(reversed(tokens))
    statuses: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                if not waiting:
                    return
                token = waiting.pop()
            status, seconds = checkout(port, token)
            with lock:
                statuses[status] += 1
                latencies.append(seconds)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, sorted(latencies), time.perf_counter() - began


def race(port: int, tokens: list[str]) -> tuple[Counter, list[float], float]:
    """Every buyer checks out at once (a barrier); answers, latencies (s) and wall time."""
    statuses: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(len(tokens) + 1)

    def buyer(token: str) -> None:
        start.wait()
        status, seconds = checkout(port, token)
        with lock:
            statuses[status] += 1
            latencies.append(seconds)

    threads = [threading.Thread(target=buyer, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return statuses, sorted(latencies), time.perf_counter() - began


def server_statements(directory: Path) -> list[int]:
    """The statement counts the workers wrote for each successful checkout since the last call (then cleared)."""
    counts = []
    for path in directory.glob("*.txt"):
        counts += [int(line) for line in path.read_text().split()]
        path.unlink()
    return counts


def p95(latencies: list[float]) -> float:
    return latencies[max(0, int(len(latencies) * .95) - 1)]


def statements_per_checkout(app, lines: list[int]) -> int:
    with app.app_context():
        token = buyers_with_carts(1, lambda _: lines)[0]
        engine = db.engine
    count = [0]

    def record(*_args):
        count[0] += 1

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = app.test_client().post("/api/v1/checkout", json=BODY, headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex})
        assert response.status_code == 201, response.json
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return count[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL (a schema of its own is used)")
    parser.add_argument("--concurrency", default="1,4,16", help="buyers checking out at once, one run each")
    parser.add_argument("--orders", type=int, default=300, help="checkouts per run")
    parser.add_argument("--race-buyers", type=int, default=500)
    parser.add_argument("--race-units", type=int, default=50)
    args = parser.parse_args()
    levels = [int(level) for level in args.concurrency.split(",")]
    schema, url = postgres_schema(args.database_url)
    scratch = Path(tempfile.mkdtemp(prefix="bench-checkout-"))
    servers = []
    try:
        app = create_app({"DATABASE_URL": url, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024})
        with app.app_context():
            db.metadata.create_all(db.engine)
            catalog = seed_catalog(cooperatives=8, products=10, units=100_000)
            rng = random.Random(7)
            runs = {level: buyers_with_carts(args.orders, lambda _: [rng.choice(coop) for coop in
                                                                     rng.sample(catalog, rng.randint(1, 5))])
                    for level in levels}
            scarce = seed_catalog(cooperatives=1, products=1, units=args.race_units)[0][0]
            racers = buyers_with_carts(args.race_buyers, lambda _: [scarce])
        one, five = (statements_per_checkout(app, [catalog[c][0] for c in range(n)]) for n in (1, 5))
        process, port = start_gunicorn("wsgi:app", {
            "DATABASE_URL": url, "SEARCH_INDEX_DIR": str(scratch / "search"), "JOBS_URL": f"sqlite:///{scratch}/jobs.db",
            "BENCH_STATEMENTS_DIR": str(scratch)}, config=ROOT / "bench" / "gunicorn_statements.py")
        servers.append(process)
        print(f"\nCarts of 1–5 lines from 8 cooperatives, cash on delivery, PostgreSQL, gunicorn 2 sync workers; "
              f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
        print("| buyers at once | answers | orders/s | p50 ms | p95 ms | statements per checkout (server, mean / max) |")
        print("|---:|---|---:|---:|---:|---|")
        for level in levels:
            statuses, latencies, wall = closed_loop(port, runs[level], level)
            counts = server_statements(scratch)
            print(f"| {level} | {dict(statuses)} | {statuses[201] / wall:.0f} | "
                  f"{statistics.median(latencies) * 1000:.1f} | {p95(latencies) * 1000:.1f} | "
                  f"{statistics.mean(counts):.1f} / {max(counts)} |")
        race_statuses, race_latencies, _ = race(port, racers)
        server_statements(scratch)
        with app.app_context():
            sold = db.session.scalar(select(func.sum(OrderLine.quantity)).where(OrderLine.variant_id == scarce))
        print(f"\nStatements per checkout in-process (test client): {one} for 1 line, {five} for 5 lines "
              f"from 5 cooperatives.\n")
        print("| race | answers | p50 ms | p95 ms | units sold | oversold |")
        print("|---|---|---:|---:|---:|---:|")
        print(f"| {args.race_buyers} buyers at once for the last {args.race_units} units | {dict(race_statuses)} | "
              f"{statistics.median(race_latencies) * 1000:.0f} | {p95(race_latencies) * 1000:.0f} | {sold or 0} | "
              f"{max(0, (sold or 0) - args.race_units)} |")
        print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        for process in servers:
            process.terminate()
            process.wait(timeout=30)
        engine = create_engine(args.database_url)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
