"""`flask --app wsgi ledger check`: prove every journal entry balances."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from marketplace.extensions import db
from orders.settlement.ledger import unbalanced_entries
from orders.settlement.models import JournalEntry

ledger = AppGroup("ledger", help="Inspect the double-entry ledger.")


@ledger.command("check")
def check() -> None:
    """Exit 1 listing every entry whose debits and credits differ (or that has no line)."""
    broken = unbalanced_entries()
    total = db.session.scalar(select(func.count()).select_from(JournalEntry))
    if broken:
        click.echo(f"{len(broken)} of {total} entries do not balance: {', '.join(map(str, broken))}", err=True)
        raise SystemExit(1)
    click.echo(f"Every journal entry balances ({total} checked).")
