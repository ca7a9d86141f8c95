"""Search benchmark: seed a realistic catalogue, build the index with `flask search reindex`, measure GET /search.

    .venv/bin/python bench/search.py                                   # 100,000 products, Whoosh, fresh SQLite
    .venv/bin/python bench/search.py --backend postgres --postgres-url postgresql+psycopg://postgres@127.0.0.1/test
    .venv/bin/python bench/search.py --backend both --postgres-url ...

Rows come from bench/catalog.py's bulk seeder (cooperatives, certifications, members, variants, images, lots:
some cooperatives suspended or uncertified, some certificates expired, 10% drafts), then the products get the
names, descriptions and categories of bench/corpus.py (French/English, ~5% Arabic). The index is built by the
real `flask --app wsgi search reindex` (a subprocess, timed). gunicorn (2 sync workers, loopback, a free port)
serves the app twice: with the anonymous response cache off (`RESPONSE_CACHE_SECONDS=0`: every search is
computed) and on (the production setting; the bench repeats its queries, so most are answered from it); a bounded load generator (threads, http.client, a fixed number of requests per case) measures
p50/p95 and requests/s. The same queries are then run against the backend object in-process (no HTTP, no
database read of the hits) and against SQLite FTS5 over the same text (the floor). Prints one Markdown table.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder would come first on sys.path and shadow the `catalog` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.catalog import analyze, load, seed, start_gunicorn  # noqa: E402
from bench.corpus import ONE_WORD, PREFIXES, TWO_WORDS, TYPOS, corpus  # noqa: E402
from bench.search_engine import Fts5  # noqa: E402
from catalog.models import Category, Product  # noqa: E402
from catalog.search.backend import SearchBackend, make_backend  # noqa: E402
from catalog.search.documents import SearchQuery  # noqa: E402
from catalog.search import models as _search_tables  # noqa: E402,F401  (seed() creates them with the rest)

CATEGORIES = ["argan-oil", "honey", "spices-saffron", "rugs-weaving", "pottery", "dates-dried-fruit"]
# case name → (HTTP path, list of query parameter dicts cycled through)
CASES: dict[str, tuple[str, list[dict[str, object]]]] = {
    "one word": ("/search", [{"q": w} for w in ONE_WORD]),
    "two words": ("/search", [{"q": w} for w in TWO_WORDS]),
    "word + category": ("/search", [{"q": w, "category": CATEGORIES[i % len(CATEGORIES)]}
                                    for i, w in enumerate(ONE_WORD)]),
    "word + category + region + in stock": ("/search", [
        {"q": w, "category": CATEGORIES[i % len(CATEGORIES)], "region": "souss-massa", "in_stock": "true"}
        for i, w in enumerate(ONE_WORD)]),
    "typo (did you mean)": ("/search", [{"q": w} for w in TYPOS]),
    "word, price sort": ("/search", [{"q": w, "sort": "price_asc"} for w in ONE_WORD]),
    "suggest (3-letter prefix)": ("/search/suggest", [{"q": p} for p in PREFIXES]),
}
FTS5_CASE = {"one word": "one word", "two words": "two words", "word + category": "word + category filter",
             "word + category + region + in stock": "word + 3 facets (always computed)",
             "typo (did you mean)": "typo (fuzzy fallback)", "word, price sort": "word, price sort",
             "suggest (3-letter prefix)": "suggest (3-letter prefix)"}


# --- data --------------------------------------------------------------------------------------------------------

def seed_catalogue(url: str, *, products: int, cooperatives: int) -> None:
    """bench/catalog.py's rows, then realistic texts and categories from bench/corpus.py (same seed as FTS5)."""
    seed(url, products=products, cooperatives=cooperatives)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        category_ids = dict(conn.execute(sa.select(Category.slug, Category.id)).all())
        statement = sa.update(Product.__table__).where(Product.__table__.c.id == sa.bindparam("pid")).values(
            name=sa.bindparam("name"), description=sa.bindparam("description"),
            category_id=sa.bindparam("category_id"))
        batch: list[dict[str, object]] = []
        for doc in corpus(products, cooperatives=cooperatives):
            batch.append({"pid": doc.product_id, "name": doc.names, "description": doc.descriptions,
                          "category_id": category_ids[doc.category_slug]})
            if len(batch) == 10_000:
                conn.execute(statement, batch)
                batch = []
        if batch:
            conn.execute(statement, batch)
        analyze(conn)
    engine.dispose()


def postgres_schema(base_url: str) -> tuple[str, str]:
    """A fresh schema; public stays on the search path for the pg_trgm and unaccent extensions."""
    schema = f"bench_search_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(4242)"))
        for extension in ("unaccent", "pg_trgm"):
            conn.execute(sa.text(f"CREATE EXTENSION IF NOT EXISTS {extension} SCHEMA public"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema},public"})
    return schema, url.render_as_string(hide_password=False)


def drop_schema(base_url: str, schema: str) -> None:
    engine = sa.create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def index_size(backend: str, url: str, index_dir: Path) -> float:
    """Megabytes of the Whoosh directory, or of the PostgreSQL search tables with their indexes."""
    if backend == "whoosh":
        return dir_size(index_dir) / 1e6
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(sa.text(
            "SELECT sum(pg_total_relation_size(t::regclass)) FROM unnest(ARRAY['search_documents', "
            "'search_terms', 'search_completions']) AS t")).scalar_one()
    engine.dispose()
    return float(size) / 1e6


def reindex(env: dict[str, str]) -> tuple[float, str]:
    """`flask --app wsgi search reindex` in a subprocess: seconds and its last line of output."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "search", "reindex"], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"reindex failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout.strip().splitlines()[-1]


# --- measuring ---------------------------------------------------------------------------------------------------

def http_paths(path: str, params: list[dict[str, object]]) -> list[str]:
    return [f"/api/v1{path}?{urlencode(p)}" for p in params]


def in_process(run: Callable[[], object], n: int) -> dict[str, float]:
    samples = []
    started = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        run()
        samples.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - started
    samples.sort()
    return {"p50": statistics.median(samples) * 1000, "p95": samples[int(len(samples) * 0.95) - 1] * 1000,
            "rps": n / elapsed}


def backend_runner(backend: SearchBackend, path: str, params: list[dict[str, object]]) -> Callable[[], object]:
    position = [0]

    def run() -> object:
        p = dict(params[position[0] % len(params)])
        position[0] += 1
        if path.endswith("suggest"):
            return backend.suggest(str(p["q"]))
        if "in_stock" in p:
            p["in_stock"] = p["in_stock"] == "true"
        return backend.search(SearchQuery(**p))

    return run


def fts5_runner(fts: Fts5, case: str) -> Callable[[], object]:
    run, words = fts.cases()[FTS5_CASE[case]]
    position = [0]

    def go() -> object:
        word = words[position[0] % len(words)]
        position[0] += 1
        return run(word, CATEGORIES[position[0] % len(CATEGORIES)])

    return go


def bench_backend(name: str, url: str, workdir: Path, args: argparse.Namespace) -> dict[str, object]:
    index_dir = workdir / f"index-{name}"
    env = {"DATABASE_URL": url, "SEARCH_INDEX_DIR": str(index_dir), "SEARCH_BACKEND": name,
           "MEDIA_ROOT": str(workdir / "media"), "APP_ENV": "development"}
    build_seconds, reindex_line = reindex(env)
    size = index_size(name, url, index_dir)
    print(f"[{name}] reindex {build_seconds:.0f} s ({reindex_line}), index {size:.0f} MB", file=sys.stderr)
    http: dict[str, dict[str, dict[str, float]]] = {}
    # The bench repeats its queries: with the anonymous response cache (the production setting) every request
    # after a query's first is answered from it, so each case is also measured with the cache off.
    for mode, extra in (("uncached", {"RESPONSE_CACHE_SECONDS": "0"}), ("response cache", {})):
        http[mode] = {}
        server, port = start_gunicorn("wsgi:app", {**env, **extra})
        try:
            for case, (path, params) in CASES.items():
                paths = http_paths(path, params)
                load(port, paths, requests=args.concurrency * 4, concurrency=args.concurrency)  # warm both workers
                figures = http[mode][case] = load(port, paths, requests=args.requests, concurrency=args.concurrency)
                print(f"[{name}] HTTP {mode} {case}: {figures['p50']:.1f} / {figures['p95']:.1f} ms", file=sys.stderr)
        finally:
            server.terminate()
            server.wait(timeout=30)
    engine = sa.create_engine(url) if name == "postgres" else None
    backend = make_backend(name, index_dir=index_dir, engine=engine)
    direct: dict[str, dict[str, float]] = {}
    for case, (path, params) in CASES.items():
        run = backend_runner(backend, path, params)
        for _ in range(3):
            run()
        direct[case] = in_process(run, args.requests)
    if engine is not None:
        engine.dispose()
    return {"build": build_seconds, "size": size, "reindexed": reindex_line, "http": http, "direct": direct}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("whoosh", "postgres", "both"), default="whoosh")
    parser.add_argument("--postgres-url", help="PostgreSQL URL (needed for the postgres backend; a fresh schema)")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--cooperatives", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=200, help="per case")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--skip-fts5", action="store_true")
    args = parser.parse_args()
    backends = ["whoosh", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and not args.postgres_url:
        parser.error("the postgres backend needs --postgres-url")

    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="souk-search-bench-"))
    results: dict[str, dict[str, object]] = {}
    seeded: dict[str, float] = {}
    schema = None
    try:
        for name in backends:
            if name == "postgres":
                schema, url = postgres_schema(args.postgres_url)
            else:
                url = f"sqlite:///{workdir / 'bench.db'}"
            started = time.perf_counter()
            seed_catalogue(url, products=args.products, cooperatives=args.cooperatives)
            seeded[name] = time.perf_counter() - started
            print(f"[{name}] seeded {args.products:,} products / {args.cooperatives:,} cooperatives "
                  f"({make_url(url).get_backend_name()}) in {seeded[name]:.0f} s", file=sys.stderr)
            results[name] = bench_backend(name, url, workdir, args)
        fts_build = None
        floor: dict[str, dict[str, float]] = {}
        if not args.skip_fts5:
            fts = Fts5(workdir / "fts5.db")
            started = time.perf_counter()
            fts.build(args.products)
            fts_build = time.perf_counter() - started
            for case in CASES:
                run = fts5_runner(fts, case)
                for _ in range(3):
                    run()
                floor[case] = in_process(run, args.requests)
    finally:
        if schema:
            drop_schema(args.postgres_url, schema)
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\n{args.products:,} products, {args.cooperatives:,} cooperatives; gunicorn 2 sync workers, "
          f"{args.concurrency} concurrent clients, {args.requests} requests per case; p50 / p95 ms (req/s)")
    # The machine may be shared: the load average says how much of it the figures had.
    print("load average (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}; at the end: {:.2f} {:.2f} {:.2f}\n"
          .format(*load_before, *os.getloadavg()))
    for name, result in results.items():
        database = "PostgreSQL" if name == "postgres" else "SQLite"
        print(f"- {name} on {database}: seeded in {seeded[name]:.0f} s; `flask search reindex` "
              f"{result['build']:.0f} s ({result['reindexed']}); index {result['size']:.0f} MB")
    if fts_build is not None:
        print(f"- SQLite FTS5 (floor, same texts, no app): built in {fts_build:.1f} s")
    columns = [(f"{name} HTTP, {mode}", results[name]["http"][mode]) for name in results
               for mode in ("uncached", "response cache")]
    columns += [(f"{name} in-process", results[name]["direct"]) for name in results]
    if floor:
        columns.append(("FTS5 in-process (floor)", floor))

    def cell(figures: dict[str, float] | None) -> str:
        return "—" if figures is None else f"{figures['p50']:.1f} / {figures['p95']:.1f} ({figures['rps']:.0f})"

    print("\n| case | " + " | ".join(title for title, _ in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for case in CASES:
        print(f"| {case} | " + " | ".join(cell(figures.get(case)) for _, figures in columns) + " |")


if __name__ == "__main__":
    main()
