"""Keyset pagination of GET /products: `after=<cursor>` continues a listing after a given product.

A cursor is the sort key and id of the last product a page showed, signed with SECRET_KEY so that clients
treat it as opaque and a forged or mangled one is a 422, never a database error. Keyset pages cost the same
at any depth (no OFFSET) and, while products are added or removed, never repeat or skip a product that stays
listed: each page starts strictly after the previous one's last (sort key, id) in the listing's total order.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from marshmallow import ValidationError, fields
from sqlalchemy import ColumnElement, and_, or_

from catalog.models import Product

SORT_KEYS = ("newest", "price_asc", "price_desc")
_SALT = "catalog.products.after"


@dataclass(frozen=True)
class Cursor:
    sort: str
    value: datetime | int | None  # created_at for newest, price_min for the price sorts (None sorts last)
    id: int


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def encode(sort: str, product: Any) -> str:
    """The cursor of the listing position just after `product` (anything with its created_at, price_min, id)."""
    value = product.created_at.isoformat() if sort == "newest" else product.price_min
    return _serializer().dumps([sort, value, product.id])


def decode(token: str) -> Cursor:
    """The cursor a token stands for; ValueError when it is not one this server issued."""
    try:
        sort, value, product_id = _serializer().loads(token)
    except (BadData, TypeError, ValueError) as error:
        raise ValueError("not a cursor") from error
    if sort not in SORT_KEYS or type(product_id) is not int or product_id < 1:
        raise ValueError("not a cursor")
    if sort == "newest":
        value = datetime.fromisoformat(value) if isinstance(value, str) else None
        if value is None or value.tzinfo is None:
            raise ValueError("not a cursor")
        value = value.astimezone(UTC)
    elif value is not None and type(value) is not int:
        raise ValueError("not a cursor")
    return Cursor(sort, value, product_id)


class CursorField(fields.String):
    """A query argument holding a cursor from a previous page's `next`."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> Cursor:
        token = super()._deserialize(value, attr, data, **kwargs)
        try:
            return decode(token)
        except ValueError:
            raise ValidationError("Not a cursor of this listing: pass a `next` value as it was given.") from None


def after_clause(cursor: Cursor, *, unpriced: bool) -> ColumnElement[bool]:
    """SQL: the products that come after the cursor in its sort (see catalog.services.SORTS).

    `unpriced`: the listing may hold products without a price (drafts without variants, for their managers),
    which sort last. A sellable product always has one; without them the condition is a plain range of the
    (status, price_min) index instead of a scan up to the cursor.
    """
    if cursor.sort == "newest":
        # "<=" first: a range the (status, created_at) index serves; the OR only breaks ties on the same instant
        return and_(Product.created_at <= cursor.value,
                    or_(Product.created_at < cursor.value, Product.id < cursor.id))
    ascending = cursor.sort == "price_asc"
    newer_id = Product.id > cursor.id if ascending else Product.id < cursor.id
    if cursor.value is None:  # among the products without a price, which come last
        return and_(Product.price_min.is_(None), newer_id)
    beyond = Product.price_min >= cursor.value if ascending else Product.price_min <= cursor.value
    further = Product.price_min > cursor.value if ascending else Product.price_min < cursor.value
    after = and_(beyond, or_(further, newer_id))
    return or_(after, Product.price_min.is_(None)) if unpriced else after
