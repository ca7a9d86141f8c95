"""Unpaid card orders give their stock back once RESERVATION_MINUTES have passed, and become `expired`.

Expiry happens lazily, when a cart or a checkout finds a variant short while overdue orders hold it, and
from `flask --app wsgi orders expire` for a scheduler. Both lock the orders in id order and re-check their
status under the lock, so running them concurrently, or twice, expires each order once.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from catalog import stock
from marketplace.clock import now
from marketplace.extensions import db
from marketplace.transaction import unit_of_work
from orders import services
from orders.models import Order, OrderLine, OrderStatus


def reservation_window() -> timedelta:
    return timedelta(minutes=int(current_app.config["RESERVATION_MINUTES"]))


def _expire(order_ids: list[int]) -> int:
    expired = 0
    for order_id in sorted(order_ids):
        order = services.lock_order(order_id)
        if order is None or order.status != OrderStatus.PENDING_PAYMENT or order.expires_at > now():
            continue
        services.release_stock(order)
        services.move_order(order, OrderStatus.EXPIRED, actor_id=None,
                            reason="unpaid after the reservation window")
        expired += 1
    return expired


def _overdue():
    return select(Order.id).where(Order.status == OrderStatus.PENDING_PAYMENT, Order.expires_at <= now())


def expire_holding(variant_ids: Iterable[int]) -> int:
    """Expire the overdue orders holding any of the variants, inside the caller's unit of work.

    Locks are taken orders first, then every variant concerned (the caller's and the orders') in one id-ordered
    pass, the order cancellation and webhooks use too, so a checkout that expires orders cannot deadlock.
    """
    variant_ids = set(variant_ids)
    ids = list(db.session.scalars(_overdue().where(
        Order.id.in_(select(OrderLine.order_id).where(OrderLine.variant_id.in_(variant_ids)))).order_by(Order.id)))
    if not ids:
        return 0
    db.session.execute(select(Order.id).where(Order.id.in_(ids)).order_by(Order.id).with_for_update())
    held = db.session.scalars(select(OrderLine.variant_id).where(OrderLine.order_id.in_(ids)))
    stock.lock_variants(variant_ids | set(held))
    return _expire(ids)


def expire_overdue() -> int:
    """Expire every overdue unpaid order; returns how many were expired (0 on a second run)."""
    with unit_of_work():
        return _expire(list(db.session.scalars(_overdue())))
