"""Raw search engine benchmark (no HTTP): Whoosh backend, SQLite FTS5 floor, optionally the PostgreSQL backend.

    .venv/bin/python bench/search_engine.py --products 100000 [--postgres postgresql+psycopg://...]
"""
from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.catalog import analyze  # noqa: E402
from bench.corpus import ONE_WORD, PREFIXES, TWO_WORDS, TYPOS, corpus  # noqa: E402
from catalog.search.analysis import correct_query, normalize  # noqa: E402
from catalog.search.backend import SearchBackend, make_backend  # noqa: E402
from catalog.search.documents import SearchQuery  # noqa: E402

CATEGORIES = ["argan-oil", "honey", "spices-saffron", "rugs-weaving", "pottery", "dates-dried-fruit"]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def measure(run: Callable[[str, str], object], words: list[str], n: int, rng: random.Random) -> tuple[float, float]:
    samples = []
    for i in range(n):
        word = words[i % len(words)]
        category = rng.choice(CATEGORIES)
        started = time.perf_counter()
        run(word, category)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def backend_cases(backend: SearchBackend) -> dict[str, tuple[Callable[[str, str], object], list[str]]]:
    today = datetime.now(UTC).date()

    def search(**kw: object) -> Callable[[str, str], object]:
        def run(word: str, category: str) -> object:
            args = {key: (category if value == "@category" else word if value == "@q" else value)
                    for key, value in kw.items()}
            return backend.search(SearchQuery(today=today, **args))
        return run

    return {
        "one word": (search(q="@q"), ONE_WORD),
        "two words": (search(q="@q"), TWO_WORDS),
        "word + category filter": (search(q="@q", category="@category"), ONE_WORD),
        "word + 3 facets (always computed)": (search(q="@q", region="souss-massa"), ONE_WORD),
        "typo (fuzzy fallback)": (search(q="@q"), TYPOS),
        "word, price sort": (search(q="@q", sort="price_asc"), ONE_WORD),
        "empty query, newest, in stock": (search(in_stock=True), ["-"]),
        "suggest (3-letter prefix)": (lambda word, category: backend.suggest(word), PREFIXES),
    }


class Fts5:
    """SQLite FTS5 over the same corpus (unicode61 remove_diacritics 2): a floor, not a product."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.executescript("""
            CREATE VIRTUAL TABLE docs USING fts5(name, body, tokenize='unicode61 remove_diacritics 2',
                                                 prefix='2 3');
            CREATE TABLE meta(rowid INTEGER PRIMARY KEY, category TEXT, region TEXT, kinds TEXT, price INTEGER,
                              created INTEGER, sellable INTEGER);
            CREATE INDEX meta_category ON meta(category);
            CREATE VIRTUAL TABLE vocab USING fts5vocab(docs, row);""")

    def build(self, size: int) -> None:
        for doc in corpus(size):
            self.db.execute("INSERT INTO docs(rowid, name, body) VALUES (?, ?, ?)", (
                doc.product_id, " ".join(doc.names.values()),
                " ".join([*doc.descriptions.values(), *doc.category_names.values(), doc.cooperative_name,
                          " ".join(doc.certification_kinds)])))
            self.db.execute("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?)", (
                doc.product_id, doc.category_slug, doc.region, " ".join(doc.certification_kinds), doc.price_min,
                int(doc.created_at.timestamp()), doc.sellable_until.toordinal() if doc.sellable_until else 10**7))
        self.db.commit()
        self.words = {term: n for term, n in self.db.execute("SELECT term, doc FROM vocab")}

    def match(self, q: str) -> str:
        return " ".join(f'"{w}"' for w in normalize(q).split())

    def search(self, q: str, *, category: str | None = None, facets: bool = False, order: str = "rank") -> list:
        today = datetime.now(UTC).date().toordinal()
        where = "docs MATCH ? AND m.sellable >= ?" + (" AND m.category = ?" if category else "")
        params = [self.match(q), today, *([category] if category else [])]
        base = f"FROM docs JOIN meta m ON m.rowid = docs.rowid WHERE {where}"
        self.db.execute(f"SELECT count(*) {base}", params).fetchone()
        if facets:
            for column in ("category", "region", "kinds"):
                self.db.execute(f"SELECT m.{column}, count(*) {base} GROUP BY m.{column}", params).fetchall()
        sort = "bm25(docs, 4.0, 1.0)" if order == "rank" else "m.price"
        return self.db.execute(f"SELECT docs.rowid {base} ORDER BY {sort} LIMIT 20", params).fetchall()

    def typo(self, q: str) -> list:
        hits = self.search(q)
        if hits:
            return hits
        fixed = correct_query(q, is_known=self.words.__contains__,
                              candidates=lambda w, k: [(t, n) for t, n in self.words.items()
                                                       if abs(len(t) - len(w)) <= k and t[:1] == w[:1]],
                              display=str)
        return self.search(fixed) if fixed else hits

    def suggest(self, prefix: str) -> list:
        return self.db.execute("SELECT DISTINCT name FROM docs WHERE docs MATCH ? LIMIT 10",
                               (f'name : "{normalize(prefix)}"*',)).fetchall()

    def cases(self) -> dict[str, tuple[Callable[[str, str], object], list[str]]]:
        return {
            "one word": (lambda w, c: self.search(w), ONE_WORD),
            "two words": (lambda w, c: self.search(w), TWO_WORDS),
            "word + category filter": (lambda w, c: self.search(w, category=c), ONE_WORD),
            "word + 3 facets (always computed)": (lambda w, c: self.search(w, facets=True), ONE_WORD),
            "typo (fuzzy fallback)": (lambda w, c: self.typo(w), TYPOS),
            "word, price sort": (lambda w, c: self.search(w, order="price"), ONE_WORD),
            "suggest (3-letter prefix)": (lambda w, c: self.suggest(w), PREFIXES),
        }


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--postgres", help="SQLAlchemy URL of a database for the PostgreSQL backend")
    parser.add_argument("--skip-fts5", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="search-bench-"))
    results: dict[str, dict[str, tuple[float, float]]] = {}
    builds: list[str] = []
    try:
        whoosh = make_backend("whoosh", index_dir=work / "whoosh")
        started = time.perf_counter()
        whoosh.rebuild(corpus(args.products), total=args.products)
        builds.append(f"Whoosh build {time.perf_counter() - started:.1f} s, "
                      f"{dir_size(work / 'whoosh') / 1e6:.0f} MB")
        whoosh.search(SearchQuery(q="argan"))  # the first search opens the searcher and loads columns
        engines: dict[str, dict[str, tuple[Callable[[str, str], object], list[str]]]] = {
            "Whoosh": backend_cases(whoosh)}
        if not args.skip_fts5:
            fts = Fts5(work / "fts5.db")
            started = time.perf_counter()
            fts.build(args.products)
            builds.append(f"FTS5 build {time.perf_counter() - started:.1f} s, "
                          f"{(work / 'fts5.db').stat().st_size / 1e6:.0f} MB")
            engines["SQLite FTS5 (floor)"] = fts.cases()
        if args.postgres:
            engines["PostgreSQL"] = backend_cases(postgres_backend(args.postgres, args.products, builds))
        for engine, cases in engines.items():
            rng = random.Random(1)
            for name, (run, words) in cases.items():
                for word in words[:3]:
                    run(word, CATEGORIES[0])
                results.setdefault(name, {})[engine] = measure(run, words, args.queries, rng)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{args.products:,} products, {args.queries} queries per case, top 20, exact totals; p50 / p95 ms\n")
    for line in builds:
        print(f"- {line}")
    names = list(next(iter(results.values())).keys()) if results else []
    engines_seen = sorted({e for r in results.values() for e in r}, key=lambda e: ["Whoosh", "PostgreSQL"].index(e)
                          if e in ("Whoosh", "PostgreSQL") else 2)
    print("\n| case | " + " | ".join(engines_seen) + " |")
    print("|---|" + "---|" * len(engines_seen))
    for case, per_engine in results.items():
        cells = [f"{per_engine[e][0]:.1f} / {per_engine[e][1]:.1f}" if e in per_engine else "—" for e in engines_seen]
        print(f"| {case} | " + " | ".join(cells) + " |")
    del names


def postgres_backend(url: str, size: int, builds: list[str]) -> SearchBackend:
    import sqlalchemy as sa

    from catalog.search.models import SEARCH_TABLES, create_postgres_extensions

    schema = "search_bench"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        create_postgres_extensions(conn)
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema},public"})
    with engine.begin() as conn:
        for table in SEARCH_TABLES:
            table.create(conn)
    backend = make_backend("postgres", engine=engine)
    started = time.perf_counter()
    backend.rebuild(corpus(size), total=size)
    with engine.begin() as conn:
        analyze(conn)
        megabytes = conn.execute(sa.text(
            "SELECT sum(pg_total_relation_size(c.oid)) / 1e6 FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = :s AND c.relkind = 'r'"), {"s": schema}).scalar()
    builds.append(f"PostgreSQL build {time.perf_counter() - started:.1f} s, {megabytes:.0f} MB")
    return backend


if __name__ == "__main__":
    main()
