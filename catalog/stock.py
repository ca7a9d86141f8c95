"""Stock: what a variant has available, and the atomic operations orders use to reserve and draw it.

available = Σ quantity_remaining over unexpired lots − reserved, never below zero. Every change is a
conditional UPDATE evaluated by the database (no read-then-write), so concurrent requests can never take
more than there is, on SQLite (writes serialised) and PostgreSQL (the row lock re-checks the condition).
These functions run inside the caller's transaction and never commit: on an error the caller rolls back.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from datetime import date

from sqlalchemy import ColumnElement, func, select, update

from catalog.errors import OutOfStock
from catalog.models import ProductVariant, StockLot
from marketplace.clock import today
from marketplace.extensions import db

Line = tuple[int, int]  # (variant_id, quantity)


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


def release_stock(variant_id: int, quantity: int) -> None:
    """Give back `quantity` held units (an order cancelled, expired, or drawn from its lots)."""
    result = db.session.execute(
        update(ProductVariant)
        .where(ProductVariant.id == variant_id, ProductVariant.reserved >= quantity)
        .values(reserved=ProductVariant.reserved - quantity)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ValueError(f"variant {variant_id} holds fewer than {quantity} reserved units")


def _usable_lots(variant_ids: Collection[int], day: date) -> list[StockLot]:
    """The variants' lots still good on `day` with units left, first-expiring first."""
    return list(db.session.scalars(
        select(StockLot)
        .where(StockLot.variant_id.in_(variant_ids), StockLot.best_before >= day, StockLot.quantity_remaining > 0)
        .order_by(StockLot.best_before, StockLot.id)))


def _take(lots: list[StockLot], variant_id: int, quantity: int) -> list[tuple[StockLot, int]]:
    """Take `quantity` units from `lots` in their order; 409 `out_of_stock` (nothing taken) if short.

    Each lot is decremented by a conditional UPDATE; when a concurrent draw got there first, the lot is read
    again and what is left of it is taken instead.
    """
    drawn: list[tuple[StockLot, int]] = []
    needed = quantity
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
        # Undo the partial draw, so that a shortfall reported from this transaction counts these units as available.
        restock_lots([(lot.id, units) for lot, units in drawn])
        raise _out_of_stock(variant_id, quantity)
    for lot, _ in drawn:
        db.session.expire(lot, ["quantity_remaining"])
    return drawn


def draw_from_lots(variant_id: int, quantity: int, *, day: date | None = None) -> list[tuple[StockLot, int]]:
    """Take `quantity` units from the variant's unexpired lots, first-expiring first; 409 `out_of_stock` if short.
    The (lot, units) pairs feed order lines' lot codes."""
    return _take(_usable_lots([variant_id], day or today()), variant_id, quantity)


# --- several lines at once (a cart, an order) -----------------------------------------------------------------
# Rows are always touched in variant-id order, so two buyers taking the same variants in opposite orders queue
# behind each other's row locks instead of deadlocking (PostgreSQL), and every short variant is reported at once.

def merged_lines(lines: Iterable[Line]) -> list[Line]:
    """The quantities per variant, summed and sorted by variant id; a quantity below 1 is a programming error."""
    totals: Counter[int] = Counter()
    for variant_id, quantity in lines:
        if quantity < 1:
            raise ValueError(f"quantity {quantity} for variant {variant_id}")
        totals[variant_id] += quantity
    return sorted(totals.items())


def _shortfall(short: list[Line], day: date) -> OutOfStock:
    variants = db.session.scalars(select(ProductVariant).where(ProductVariant.id.in_([v for v, _ in short]))).all()
    available = available_by_variant(variants, day)
    return OutOfStock(
        message="Not enough stock for " + ("this variant." if len(short) == 1 else f"{len(short)} variants."),
        details={"variants": [{"variant_id": variant_id, "requested": quantity,
                               "available": available.get(variant_id, 0)} for variant_id, quantity in short]})


def reserve_lines(lines: Iterable[Line], *, day: date | None = None) -> None:
    """Hold every line's units or, when any variant is short, raise one 409 `out_of_stock` naming all of them.

    Runs in the caller's unit of work: after the error it must roll back (holds taken before it are undone).
    """
    day = day or today()
    short = []
    for variant_id, quantity in merged_lines(lines):
        result = db.session.execute(
            update(ProductVariant)
            .where(ProductVariant.id == variant_id, available_clause(day) >= quantity)
            .values(reserved=ProductVariant.reserved + quantity)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            short.append((variant_id, quantity))
    if short:
        raise _shortfall(short, day)


def release_lines(lines: Iterable[Line]) -> None:
    """Give back held units of several variants (an unpaid order cancelled or expired)."""
    for variant_id, quantity in merged_lines(lines):
        release_stock(variant_id, quantity)


def lock_variants(variant_ids: Iterable[int]) -> None:
    """Take the variants' row locks in id order (PostgreSQL; SQLite serialises writers anyway)."""
    ids = sorted(set(variant_ids))
    if ids:
        db.session.execute(select(ProductVariant.id).where(ProductVariant.id.in_(ids))
                           .order_by(ProductVariant.id).with_for_update())


def draw_lines(lines: Iterable[Line], *, day: date | None = None) -> dict[int, list[tuple[StockLot, int]]]:
    """Take every line's units from its variant's lots, first-expiring first, or raise one 409 naming every short
    variant. Returns, per variant id, the (lot, units) drawn: what each order line records as its lots."""
    day = day or today()
    merged = merged_lines(lines)
    lock_variants(variant_id for variant_id, _ in merged)
    lots: dict[int, list[StockLot]] = {variant_id: [] for variant_id, _ in merged}
    for lot in _usable_lots(lots, day):
        lots[lot.variant_id].append(lot)
    drawn: dict[int, list[tuple[StockLot, int]]] = {}
    short = []
    for variant_id, quantity in merged:
        try:
            drawn[variant_id] = _take(lots[variant_id], variant_id, quantity)
        except OutOfStock:
            short.append((variant_id, quantity))
    if short:
        raise _shortfall(short, day)
    return drawn


def restock_lots(allocations: Iterable[tuple[int, int]]) -> None:
    """Put units back into the lots they were drawn from: (lot_id, units) pairs, applied in lot-id order."""
    totals: Counter[int] = Counter()
    for lot_id, units in allocations:
        totals[lot_id] += units
    for lot_id, units in sorted(totals.items()):
        result = db.session.execute(
            update(StockLot).where(StockLot.id == lot_id, StockLot.quantity_remaining + units <= StockLot.quantity)
            .values(quantity_remaining=StockLot.quantity_remaining + units)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise ValueError(f"lot {lot_id} cannot take back {units} units")
