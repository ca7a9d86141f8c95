"""Gap-free numbers: `<series>-<year>-<sequence>`, the series being a cooperative's id or `P` (the platform).

The counter row of a (series, year) is created if missing (`ON CONFLICT DO NOTHING`) and incremented in SQL with
`UPDATE … SET last_number = last_number + 1 RETURNING last_number`, inside the transaction of the event that
issues the invoice. The update holds the row's lock until that transaction ends (PostgreSQL; SQLite has one
writer at a time), so a concurrent issuer waits and then reads the incremented value; a transaction that rolls
back gives its number back with it. No gap, no duplicate, and `(series, year, sequence)` is unique besides.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.extensions import db
from orders.invoices.models import InvoiceSequence

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class Number:
    series: str
    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{self.series}-{self.year}-{self.sequence:06d}"


def next_number(series: str, year: int) -> Number:
    """Take the next number of the series for the year, in the caller's transaction."""
    return next_numbers(series, year, 1)[0]


def next_numbers(series: str, year: int, count: int) -> list[Number]:
    """Take the next `count` numbers of the series for the year at once (one update of the counter, however
    many: PostgreSQL slows down on a row updated many times in one transaction), in the caller's transaction."""
    if count < 1:
        raise ValueError("take at least one number")
    insert = _INSERTS[db.session.get_bind().dialect.name]
    db.session.execute(insert(InvoiceSequence).values(series=series, year=year, last_number=0)
                       .on_conflict_do_nothing(index_elements=["series", "year"]))
    last = db.session.execute(
        update(InvoiceSequence).where(InvoiceSequence.series == series, InvoiceSequence.year == year)
        .values(last_number=InvoiceSequence.last_number + count).returning(InvoiceSequence.last_number)).scalar_one()
    return [Number(series, year, sequence) for sequence in range(last - count + 1, last + 1)]
