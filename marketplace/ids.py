"""Ids in URLs, bodies and query strings: whole numbers the database can hold, or no such resource.

Python integers have no upper bound but database integers do; an id beyond that range used to reach the
driver and fail there (a 500). Paths use `IdConverter`, registered for every `<int:…>` segment of the app,
so an out-of-range id matches no route (404); bodies and query strings use the `Id` field (422).
"""
from __future__ import annotations

from marshmallow import fields, validate
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

# The largest value of a signed 64-bit integer: SQLite's INTEGER and PostgreSQL's BIGINT.
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """`<int:name>` limited to 1..MAX_ID; any other number is a 404 whatever the method.

    Out-of-range values raise NotFound rather than the converter's ValidationError: on the latter werkzeug tries
    the routes of other methods on the same path and may answer 405.
    """

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


class Id(fields.Integer):
    """An id in a body or query string: an integer from 1 to MAX_ID (422 otherwise).

    Strict (no "12" for 12) by default, as JSON bodies are; query strings pass strict=False.
    """

    def __init__(self, *, strict: bool = True, **kwargs) -> None:
        super().__init__(strict=strict, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def register(app) -> None:
    """Make every `<int:…>` path segment an id; call before any blueprint is registered."""
    app.url_map.converters["int"] = IdConverter
