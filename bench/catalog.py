"""Catalog benchmark: seed N products across M cooperatives, serve them with gunicorn, measure the listing.

    .venv/bin/python bench/catalog.py                       # 100,000 products, fresh SQLite file
    .venv/bin/python bench/catalog.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/catalog.py --products 20000 --profile listing.txt   # + a pyinstrument profile

Rows are bulk-inserted with SQLAlchemy Core (executemany in batches). Three gunicorn servers (2 sync workers
each, loopback, free ports) are started as subprocesses, one after the other: the app with no response cache
(`RESPONSE_CACHE_SECONDS=0`: every request is computed; listing totals stay cached per filter set, as in
production), the app as configured by default (anonymous responses kept in each worker's SimpleCache), and a
bare Flask app returning a constant dict as the ceiling. A bounded load generator (threads, http.client, a
fixed number of requests) measures p50/p95 latency and requests/s; SQL queries per request are counted
in-process with the Flask test client, as are the requests that follow a catalog change (the total counted
again) and a page of search hits loaded and encoded from their ids. On PostgreSQL the data goes into a schema of
its own, dropped at the end. Prints Markdown tables and the load average (the machine is shared).
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder would come first on sys.path and shadow the `catalog` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import create_engine, event, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from catalog import version  # noqa: E402
from catalog.categories import ensure_categories  # noqa: E402
from catalog.models import Category, Product, ProductImage, ProductVariant, StockLot  # noqa: E402
from cooperatives.models import REGIONS, SECTORS, Certification, Cooperative, Member  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402

BATCH = 10_000


def bare_app() -> Flask:
    """The ceiling: a Flask app that returns a constant JSON dict."""
    app = Flask("bare")
    payload = {"items": [], "total": 0, "page": 1, "per_page": 20}

    @app.get("/bare")
    def bare():
        return payload

    return app


# --- seeding ---------------------------------------------------------------------------------------------------

def insert_batches(connection, table, rows) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            connection.execute(insert(table), batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)



def analyze(connection) -> None:
    """Refresh the planner's statistics of the bench's own tables: a bare `ANALYZE` on PostgreSQL takes every
    table of the database, and its locks meet whatever else uses the database (another schema's TRUNCATE)."""
    if connection.dialect.name != "postgresql":
        connection.execute(text("ANALYZE"))
        return
    tables = connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
    for table in tables.scalars().all():
        connection.execute(text(f'ANALYZE "{table}"'))

def seed(url: str, *, products: int, cooperatives: int) -> None:
    """Create the tables and bulk-insert cooperatives, certifications, members, products, variants, images, lots."""
    engine = create_engine(url)
    rng = random.Random(7)
    today = date.today()
    now = datetime.now(UTC)
    db.metadata.create_all(engine)
    with engine.begin() as connection:
        ensure_categories(connection)
        leaves = connection.execute(select(Category.id, Category.requires_food_safety)
                                    .where(Category.parent_id.is_not(None)).order_by(Category.id)).all()
        insert_batches(connection, Cooperative.__table__, (
            {"id": c, "name": f"Coopérative {c}", "legal_form": "cooperative", "registration_number": f"RC {c}",
             "ice": f"{c:015d}", "region": REGIONS[c % len(REGIONS)], "province": "Province",
             "sector": SECTORS[c % len(SECTORS)], "description": {"fr": "Coopérative de démonstration."},
             "status": "suspended" if c % 20 == 0 else "verified", "commission_bps": 500, "reserve_bps": 1000,
             "distribution_policy": "contribution", "created_at": now, "updated_at": now}
            for c in range(1, cooperatives + 1)))
        insert_batches(connection, Member.__table__, (
            {"id": c, "cooperative_id": c, "full_name": f"Membre {c}", "gender": "female", "birth_year": 1980,
             "role": "president", "joined_on": date(2015, 1, 1), "capital_shares": 1, "payout_method": "cash"}
            for c in range(1, cooperatives + 1)))
        # 90% of cooperatives hold an ONSSA authorisation covering all their products; 1 in 30 has expired
        insert_batches(connection, Certification.__table__, (
            {"id": c, "cooperative_id": c, "kind": "onssa_authorization", "number": f"AS.{c}.2020", "issuer": "ONSSA",
             "issued_on": date(2020, 1, 1), "status": "verified", "document_path": "x.pdf",
             "document_content_type": "application/pdf", "created_at": now,
             "expires_on": today - timedelta(days=1) if c % 30 == 0 else today + timedelta(days=365)}
            for c in range(1, cooperatives + 1) if c % 10))
        plan = []
        for p in range(1, products + 1):
            category_id, _food = leaves[p % len(leaves)]
            prices = sorted(rng.randrange(1_000, 400_000, 100) for _ in range(rng.choice((1, 2, 3))))
            plan.append((p, category_id, prices))
        insert_batches(connection, Product.__table__, (
            {"id": p, "cooperative_id": 1 + p % cooperatives, "category_id": category_id,
             "name": {"fr": f"Produit artisanal {p}", "ar": f"منتوج {p}"}, "description": {"fr": "Description."},
             "origin_region": REGIONS[(p // 7) % len(REGIONS)], "status": "draft" if p % 10 == 0 else "published",
             "price_min": prices[0], "created_at": now - timedelta(seconds=products - p),
             "updated_at": now}
            for p, category_id, prices in plan))
        variant_ids = {}
        insert_batches(connection, ProductVariant.__table__, (
            {"id": variant_ids.setdefault((p, v), len(variant_ids) + 1), "product_id": p, "sku": f"B{p}-{v}",
             "label": f"{250 * (v + 1)} g", "weight_grams": 250 * (v + 1), "price_amount": price,
             "price_currency": "MAD", "reserved": 0, "created_at": now}
            for p, _c, prices in plan for v, price in enumerate(prices)))
        insert_batches(connection, ProductImage.__table__, (
            {"id": p, "product_id": p, "position": 1, "key": f"{p:032x}", "width": 1600, "height": 1200,
             "files": {name: f"products/{p % 256:02x}/{p:032x}-{name}.webp" for name in ("thumb", "medium", "large")},
             "created_at": now}
            for p, _c, _prices in plan))
        insert_batches(connection, StockLot.__table__, (
            {"id": variant_id, "lot_code": f"L{variant_id}", "variant_id": variant_id,
             "member_id": 1 + p % cooperatives, "quantity": 50, "quantity_remaining": 0 if p % 8 == 0 else 50,
             "produced_on": today - timedelta(days=30), "best_before": today + timedelta(days=300), "created_at": now}
            for (p, _v), variant_id in variant_ids.items()))
        analyze(connection)
    engine.dispose()


# --- serving and measuring -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(target: str, env: dict[str, str], *, config: Path | None = None) -> tuple[subprocess.Popen, int]:
    """gunicorn with 2 sync workers on a free loopback port, with `config` (hooks) or none."""
    port = free_port()
    if config is None:
        config = Path(tempfile.mkdtemp()) / "gunicorn.conf.py"
        config.write_text("")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(config), "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", target],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn {target} exited with {process.returncode}")
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn {target} did not start")


def load(port: int, paths: list[str], *, requests: int, concurrency: int) -> dict[str, float]:
    """`requests` GETs spread over `concurrency` threads, cycling through `paths`; latency and throughput."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    per_client = requests // concurrency

    def client(offset: int) -> None:
        mine = []
        for n in range(per_client):
            path = paths[(offset * per_client + n) % len(paths)]
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            connection.close()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                with lock:
                    errors.append(f"{path}: {response.status}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[0]}")
    latencies.sort()
    return {"p50": statistics.median(latencies) * 1000, "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
            "rps": len(latencies) / elapsed}


def queries_per_request(app, path: str) -> int:
    """Statements of a request once the caches are warm (a first request fills them)."""
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    assert client.get(path).status_code == 200, path
    count = [0]

    def record(*_args):
        count[0] += 1

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return count[0]


def after_a_change(app, path: str, *, times: int = 20) -> dict[str, float]:
    """In-process: the request that follows a catalog change (its total counted again), median and worst."""
    client = app.test_client()
    latencies = []
    for _ in range(times):
        with app.app_context():
            version.bump()
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return {"p50": statistics.median(latencies), "max": latencies[-1]}


def search_hits(app, *, times: int = 200, per_page: int = 20) -> dict[str, float]:
    """In-process: a page of search hits, as ids from the index, presented and encoded as the JSON of GET /search;
    what a search costs over its backend's query. Median and p95 of `times` pages of random sellable products."""
    from catalog.search.documents import SearchHit
    from catalog.search.schemas import SearchItemSchema
    from catalog.search.services import present_hits
    from catalog.sellability import sellable_clause
    from marketplace.clock import today

    with app.app_context():
        sellable = db.session.scalars(select(Product.id).where(sellable_clause(today()))).all()
    rng = random.Random(5)
    schema = SearchItemSchema(many=True)
    latencies = []
    for _ in range(times):
        hits = [SearchHit(product_id, "<mark>Produit</mark> artisanal") for product_id in rng.sample(sellable, per_page)]
        with app.test_request_context():
            started = time.perf_counter()
            items, _ = present_hits(hits, today())
            app.json.response({"items": schema.dump(items)}).get_data()
            latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return {"p50": statistics.median(latencies), "p95": latencies[int(len(latencies) * 0.95) - 1]}


def profile(app, path: str, output: str, *, times: int = 50) -> None:
    """A pyinstrument profile of `times` uncached requests (totals warm) to `output` (text)."""
    from pyinstrument import Profiler

    client = app.test_client()
    client.get(path)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(times):
            client.get(path)
    Path(output).write_text(profiler.output_text(unicode=True, show_all=False))


def postgres_schema(base_url: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base_url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return schema, url.render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (a schema of its own is created, then dropped)")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--cooperatives", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=400, help="per scenario")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--profile", help="write a pyinstrument profile of the uncached page 1 to this file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="souk-bench-"))
    schema = None
    if args.database_url:
        schema, url = postgres_schema(args.database_url)
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
    started = time.perf_counter()
    seed(url, products=args.products, cooperatives=args.cooperatives)
    seeded_in = time.perf_counter() - started
    print(f"Seeded {args.products:,} products across {args.cooperatives:,} cooperatives "
          f"({make_url(url).get_backend_name()}) in {seeded_in:.1f} s", file=sys.stderr)

    env = {"DATABASE_URL": url, "MEDIA_ROOT": str(workdir / "media"), "SEARCH_INDEX_DIR": str(workdir / "index"),
           "APP_ENV": "development"}
    app = create_app({"DATABASE_URL": url, "MEDIA_ROOT": str(workdir / "media"), "RESPONSE_CACHE_SECONDS": 0})
    rng = random.Random(11)
    client = app.test_client()
    listed = client.get("/api/v1/products?per_page=100").json["items"]
    detail_ids = [item["id"] for item in listed]
    deep_page = max(1, int(args.products * 0.8) // 20 // 2)
    deep_cursor = client.get(f"/api/v1/products?page={deep_page - 1}").json["next"]
    price_cursor = client.get(f"/api/v1/products?page={deep_page - 1}&sort=price_asc").json["next"]
    uncached = [
        ("GET /products (page 1)", ["/api/v1/products"]),
        ("GET /products?category=food&region=souss-massa",
         ["/api/v1/products?category=food&region=souss-massa"]),
        ("GET /products?sort=price_asc", ["/api/v1/products?sort=price_asc"]),
        (f"GET /products?page={deep_page} (deep, OFFSET)", [f"/api/v1/products?page={deep_page}"]),
        (f"GET /products?after=… (deep, cursor at page {deep_page})", [f"/api/v1/products?after={deep_cursor}"]),
        ("GET /products?sort=price_asc&after=… (deep, cursor)",
         [f"/api/v1/products?sort=price_asc&after={price_cursor}"]),
        ("GET /products/{id}", [f"/api/v1/products/{rng.choice(detail_ids)}" for _ in range(50)]),
    ]
    cached = [
        ("GET /products (page 1), repeated anonymous", ["/api/v1/products"]),
        ("GET /products/{id}, repeated anonymous", [f"/api/v1/products/{rng.choice(detail_ids)}" for _ in range(50)]),
    ]
    load_before = os.getloadavg()
    rows: list[tuple[str, dict, int | str]] = []
    cached_rows: list[tuple[str, dict, int | str]] = []
    servers = []
    try:
        def measure(port: int, scenarios, into, *, cache_on: bool) -> None:
            app.config["RESPONSE_CACHE_SECONDS"] = 300 if cache_on else 0
            for name, paths in scenarios:
                load(port, paths[:4] if not cache_on else paths, requests=max(args.concurrency * 2, len(paths)),
                     concurrency=args.concurrency)  # warm up (and, cached, fill every worker's cache)
                figures = load(port, paths, requests=args.requests, concurrency=args.concurrency)
                into.append((name, figures, queries_per_request(app, paths[0])))

        for environment, scenarios, into, cache_on in ((dict(env, RESPONSE_CACHE_SECONDS="0"), uncached, rows, False),
                                                       (env, cached, cached_rows, True)):
            process, port = start_gunicorn("wsgi:app", environment)
            servers.append(process)
            try:
                measure(port, scenarios, into, cache_on=cache_on)
            finally:
                process.terminate()
                process.wait(timeout=30)
        process, bare_port = start_gunicorn("bench.catalog:bare_app()", env)
        servers.append(process)
        load(bare_port, ["/bare"], requests=args.concurrency * 2, concurrency=args.concurrency)
        ceiling = load(bare_port, ["/bare"], requests=args.requests, concurrency=args.concurrency)
        process.terminate()
        process.wait(timeout=30)
        app.config["RESPONSE_CACHE_SECONDS"] = 0
        changed = [(name, after_a_change(app, path)) for name, path in (
            ("GET /products (page 1)", "/api/v1/products"),
            ("GET /products?category=food&region=souss-massa", "/api/v1/products?category=food&region=souss-massa"))]
        hits = search_hits(app)
        if args.profile:
            profile(app, "/api/v1/products", args.profile)
    finally:
        for process in servers:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        if schema:
            engine = create_engine(args.database_url)
            with engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()
    load_after = os.getloadavg()

    backend = make_url(url).get_backend_name()
    print(f"\n{args.products:,} products, {args.cooperatives:,} cooperatives, {backend}; gunicorn 2 sync workers; "
          f"{args.concurrency} concurrent clients, {args.requests} requests per row; seeded in {seeded_in:.0f} s; "
          f"load average before {load_before[0]:.2f} / after {load_after[0]:.2f} (1 min)\n")
    print("| request | p50 ms | p95 ms | requests/s | % of bare Flask | SQL queries/request |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, figures, queries in rows + cached_rows + [("bare Flask JSON (ceiling, same run)", ceiling, 0)]:
        share = 100 * figures["rps"] / ceiling["rps"]
        print(f"| {name} | {figures['p50']:.1f} | {figures['p95']:.1f} | {figures['rps']:.0f} | {share:.0f}% "
              f"| {queries} |")
    print("\nIn-process, the request right after a catalog change (the total counted again), 20 times:\n")
    print("| request | p50 ms | max ms |")
    print("|---|---:|---:|")
    for name, figures in changed:
        print(f"| {name} | {figures['p50']:.1f} | {figures['max']:.1f} |")
    print(f"\nIn-process, a page of 20 search hits loaded from their ids and encoded as GET /search's items "
          f"(the cost over the index query), 200 pages: p50 {hits['p50']:.1f} ms, p95 {hits['p95']:.1f} ms")


if __name__ == "__main__":
    main()
