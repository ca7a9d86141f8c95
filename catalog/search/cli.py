"""`flask --app wsgi search reindex | sync | check`."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from tqdm import tqdm

from catalog import version
from catalog.search import indexing, outbox

search = AppGroup("search", help="The search index (derived from the database).")


@search.command("reindex")
def reindex() -> None:
    """Rebuild the index from the database into a fresh one that replaces the old atomically."""
    total = indexing.count_published()
    with tqdm(total=total, unit="product", desc="Indexing") as bar:
        written = indexing.reindex(progress=lambda done: bar.update(done - bar.n))
        bar.update(total - bar.n)
    version.bump()  # cached searches answered from the old index
    click.echo(f"Indexed {written} sellable products of {total} published.")


@search.command("sync")
def sync() -> None:
    """Apply index changes that were queued while the index could not be written."""
    click.echo(f"{outbox.count_pending()} products queued.")
    click.echo(f"Brought {indexing.apply_pending()} products up to date.")
    version.bump()


@search.command("check")
def check() -> None:
    """Report products missing from, stale in, or wrongly present in the index; exit 1 if any."""
    report = indexing.check_index()
    for label, ids in (("missing", report.missing), ("stale", report.stale), ("extra", report.extra)):
        shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
        click.echo(f"{label}: {len(ids)}" + (f" ({shown})" if ids else ""))
    if not report.healthy:
        raise SystemExit(1)
