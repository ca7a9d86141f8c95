"""The catalog version: one row that changes, in the same transaction, with anything a buyer may see.

Every cache of the read path (listing totals, ETags, the response cache) is keyed by this version and by the
day (`clock.today()`: a certificate or a lot passing its date changes what is sellable without any write), so
a cached answer is never served once a change that affects it has committed, on any worker or server.

No use case bumps it by hand: session hooks notice every write to the tables below — ORM flushes and bulk
`UPDATE`s alike (stock reservations, draws and releases from checkout, restocks) — and the version row is
written just before the commit. Writing it last keeps the row lock (PostgreSQL) for the commit only, and it
becomes visible together with the change it stands for.
"""
from __future__ import annotations

import uuid
from functools import cache

from flask import g, has_request_context
from sqlalchemy import Select, String, event, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from marketplace.extensions import db
from marketplace.transaction import unit_of_work

# What a buyer sees of a product, or whether it can be sold, comes from these tables.
WATCHED_TABLES = frozenset({"products", "product_variants", "stock_lots", "product_images", "categories",
                            "cooperatives", "certifications", "certification_products"})
_CHANGED = "catalog_changed"
ROW_ID = 1


class CatalogVersion(db.Model):
    """A single row; `version` is a random token replaced at every change (so a restored or emptied database
    never brings back a token that caches still hold)."""

    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[str] = mapped_column(String(32))


@cache
def _read_version() -> Select:
    return select(CatalogVersion.version).where(CatalogVersion.id == ROW_ID)  # built once: read by every request


def current_version() -> str:
    """The committed version, read once per request (the first read, so what follows is at least as new)."""
    if has_request_context() and "catalog_version" in g:
        return g.catalog_version
    version = db.session.connection().scalar(_read_version()) or ""
    if has_request_context():
        g.catalog_version = version
    return version


def bump() -> None:
    """Change the version now, in a transaction of its own (e.g. once the search index caught up)."""
    with unit_of_work():
        db.session.info[_CHANGED] = True


def _write_new_version(session: Session) -> None:
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(CatalogVersion).values(id=ROW_ID, version=uuid.uuid4().hex)
    session.execute(statement.on_conflict_do_update(index_elements=[CatalogVersion.id],
                                                    set_={"version": statement.excluded.version}))


def _after_flush(session: Session, _context) -> None:
    for instance in (*session.new, *session.dirty, *session.deleted):
        if getattr(instance, "__tablename__", None) in WATCHED_TABLES:
            session.info[_CHANGED] = True
            return


def _do_orm_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        if getattr(state.statement.table, "name", None) in WATCHED_TABLES:
            state.session.info[_CHANGED] = True


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer commit writes the version, so its row lock is taken last
    session.flush()
    if session.info.pop(_CHANGED, False):
        _write_new_version(session)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)


_HOOKS = (("after_flush", _after_flush), ("do_orm_execute", _do_orm_execute),
          ("before_commit", _before_commit), ("after_transaction_end", _after_transaction_end))


def watch() -> None:
    """Install the session hooks (every session of the process; installing twice is harmless)."""
    for name, hook in _HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
