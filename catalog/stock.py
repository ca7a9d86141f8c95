"""Stock: what a variant has available, and the atomic operations orders use to reserve and draw it.

available = Σ quantity_remaining over unexpired lots − reserved, never below zero. Every change is a
conditional UPDATE evaluated by the database (no read-then-write), so concurrent requests can never take
more than there is, on SQLite (writes serialised) and PostgreSQL (the row lock re-checks the condition).
These functions run inside the caller's transaction and never commit: on an error the caller rolls back.
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import ColumnElement, func, select, update

from catalog.errors import OutOfStock
from catalog.models import ProductVariant, StockLot
from catalog.sellability import today
from marketplace.extensions import db


def lots_remaining(day: date) -> ColumnElement[int]:
    """SQL: units left in the variant's lots still good on `day` (correlated to ProductVariant)."""
    return func.coalesce(
        select(func.sum(StockLot.quantity_remaining))
        .where(StockLot.variant_id == ProductVariant.id, StockLot.best_before >= day)
        .scalar_subquery(), 0)


def available_clause(day: date) -> ColumnElement[int]:
    """SQL: units of the variant a buyer may still order on `day` (may be negative when lots expired)."""
    return lots_remaining(day) - ProductVariant.reserved


def available_by_variant(variants: Collection[ProductVariant], day: date) -> dict[int, int]:
    """Units available on `day` for each variant, in one query."""
    ids = [variant.id for variant in variants]
    if not ids:
        return {}
    remaining = dict(db.session.execute(
        select(StockLot.variant_id, func.sum(StockLot.quantity_remaining))
        .where(StockLot.variant_id.in_(ids), StockLot.best_before >= day)
        .group_by(StockLot.variant_id)).all())
    return {variant.id: max(0, (remaining.get(variant.id) or 0) - variant.reserved) for variant in variants}


def _out_of_stock(variant_id: int, quantity: int) -> OutOfStock:
    return OutOfStock(message="Not enough stock for this variant.",
                      details={"variants": [{"variant_id": variant_id, "requested": quantity}]})


def reserve_stock(variant_id: int, quantity: int, *, day: date | None = None) -> None:
    """Hold `quantity` units for an order, or raise 409 `out_of_stock` and hold nothing."""
    day = day or today()
    result = db.session.execute(
        update(ProductVariant)
        .where(ProductVariant.id == variant_id, available_clause(day) >= quantity)
        .values(reserved=ProductVariant.reserved + quantity)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise _out_of_stock(variant_id, quantity)


def release_stock(variant_id: int, quantity: int) -> None:
    """Give back `quantity` held units (an order cancelled, expired, or drawn from its lots)."""
    result = db.session.execute(
        update(ProductVariant)
        .where(ProductVariant.id == variant_id, ProductVariant.reserved >= quantity)
        .values(reserved=ProductVariant.reserved - quantity)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ValueError(f"variant {variant_id} holds fewer than {quantity} reserved units")


def draw_from_lots(variant_id: int, quantity: int, *, day: date | None = None) -> list[tuple[StockLot, int]]:
    """Take `quantity` units from the variant's unexpired lots, first-expiring first; 409 `out_of_stock` if short.

    Each lot is decremented by a conditional UPDATE; when a concurrent draw got there first, the lot is read
    again and what is left of it is taken instead. The (lot, units) pairs feed order lines' lot codes.
    """
    day = day or today()
    drawn: list[tuple[StockLot, int]] = []
    needed = quantity
    lots = db.session.scalars(
        select(StockLot)
        .where(StockLot.variant_id == variant_id, StockLot.best_before >= day, StockLot.quantity_remaining > 0)
        .order_by(StockLot.best_before, StockLot.id)).all()
    for lot in lots:
        left = lot.quantity_remaining
        while needed and left:
            take = min(needed, left)
            result = db.session.execute(
                update(StockLot)
                .where(StockLot.id == lot.id, StockLot.quantity_remaining >= take)
                .values(quantity_remaining=StockLot.quantity_remaining - take)
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:
                drawn.append((lot, take))
                needed -= take
                left -= take
            else:
                left = db.session.scalar(select(StockLot.quantity_remaining).where(StockLot.id == lot.id))
        if not needed:
            break
    if needed:
        raise _out_of_stock(variant_id, quantity)
    for lot, _ in drawn:
        db.session.expire(lot, ["quantity_remaining"])
    return drawn
