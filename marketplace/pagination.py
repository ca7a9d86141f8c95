"""Page arguments and the list envelope of API.md: {items, total, page, per_page}."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select

from marketplace.extensions import db

MAX_PER_PAGE = 100


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def page_schema(item_schema: type[Schema], name: str, *, cursor: bool = False) -> type[Schema]:
    """A response schema `{items: [item_schema], total, page, per_page}` (+ `next` for keyset pagination)."""
    envelope = {
        "items": fields.List(fields.Nested(item_schema)),
        "total": fields.Integer(),
        "page": fields.Integer(),
        "per_page": fields.Integer(),
    }
    if cursor:
        envelope["next"] = fields.String(allow_none=True, metadata={
            "description": "pass as `after` for the page that follows; null on the last page"})
    return Schema.from_dict(envelope, name=name)


def count_rows(statement: Select) -> int:
    """The exact number of rows a select returns."""
    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))


def paginate(statement: Select, *, page: int, per_page: int) -> dict[str, Any]:
    """Run a select one page at a time, with the exact total."""
    total = count_rows(statement)
    items = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return {"items": items, "total": total, "page": page, "per_page": per_page}
