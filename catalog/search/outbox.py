"""Index changes that could not be applied when they happened, kept for `flask search sync`."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.dbtypes import UTCDateTime, utcnow
from marketplace.extensions import db
from marketplace.transaction import unit_of_work


class PendingSearchUpdate(db.Model):
    """A product whose index entry is behind the database. No foreign key: a deleted product must still leave."""

    __tablename__ = "search_pending_updates"

    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def queue_updates(product_ids: Iterable[int]) -> None:
    """Remember products to re-index later; already-queued ones stay queued once."""
    ids = set(product_ids)
    try:
        with unit_of_work():
            queued = set(db.session.scalars(select(PendingSearchUpdate.product_id)
                                            .where(PendingSearchUpdate.product_id.in_(ids))))
            db.session.add_all(PendingSearchUpdate(product_id=product_id) for product_id in sorted(ids - queued))
    except IntegrityError:  # another worker queued the same product meanwhile: it is queued either way
        pass


def pending_updates(limit: int) -> list[int]:
    return list(db.session.scalars(select(PendingSearchUpdate.product_id)
                                   .order_by(PendingSearchUpdate.queued_at, PendingSearchUpdate.product_id)
                                   .limit(limit)))


def forget_updates(product_ids: Iterable[int]) -> None:
    with unit_of_work():
        db.session.execute(delete(PendingSearchUpdate).where(PendingSearchUpdate.product_id.in_(list(product_ids))))


def count_pending() -> int:
    return db.session.query(PendingSearchUpdate).count()
