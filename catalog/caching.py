"""Caching of the public catalog reads, always keyed by the catalog version and the day (see catalog.version).

- `cached_total`: the exact count of a listing, per filter set (language-independent), so a page costs its
  rows only; it is counted again once the version or the day changes. `counted` and `keep_counted` do the
  same for what a search counts (its total, facets and did-you-mean), computed together with a page.
- `public_response`: a view decorator for public GETs. Anonymous requests get an `ETag` (version + day + path
  and query + language), `304` when `If-None-Match` names it, `Cache-Control: public, max-age=HTTP_MAX_AGE`,
  and their body is kept in the Flask-Caching store for `RESPONSE_CACHE_SECONDS`. A request carrying
  `Authorization` is answered fresh with `Cache-Control: private, no-store` and never touches the store.

A cache that fails (Redis gone) is logged and bypassed: the request is answered from the database.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from flask import current_app, make_response, request
from flask_smorest import Blueprint

from catalog.version import current_version
from marketplace.clock import today
from marketplace.extensions import cache
from marketplace.i18n import preferred_language

log = logging.getLogger(__name__)
VARY = ("Accept-Language", "Authorization")


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]


def _get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:
        log.exception("reading the cache failed")
        return None


def _set(key: str, value: Any, timeout: int) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:
        log.exception("writing the cache failed")


def _counted_key(kind: str, filters: dict[str, Any], day: date) -> str:
    return f"{kind}:" + _digest(current_version(), day, sorted(filters.items()))


def counted(kind: str, filters: dict[str, Any], day: date) -> Any:
    """What was kept as `kind` for the same filters at the same catalog version on the same day, or None."""
    return _get(_counted_key(kind, filters, day))


def keep_counted(kind: str, filters: dict[str, Any], day: date, value: Any) -> None:
    _set(_counted_key(kind, filters, day), value, current_app.config["CACHE_DEFAULT_TIMEOUT"])


def cached_total(filters: dict[str, Any], day: date, count: Callable[[], int]) -> int:
    """`count()`, or the total counted for the same filters at the same catalog version on the same day."""
    total = counted("total", filters, day)
    if total is None:
        total = count()
        keep_counted("total", filters, day, total)
    return total


def _response_key() -> str:
    query = sorted(request.args.items(multi=True))
    return _digest(current_version(), today(), request.path, query, preferred_language() or "")


def public_response(view: Callable) -> Callable:
    """Decorate a public GET view (under `@blp.route`, above `@blp.arguments`): see the module docstring."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if "Authorization" in request.headers:
            response = make_response(view(*args, **kwargs))
            response.headers["Cache-Control"] = "private, no-store"
        else:
            key = _response_key()
            if request.if_none_match.contains_weak(key):
                response = current_app.response_class(status=304)
            else:
                response = _stored_or_fresh(key, view, args, kwargs)
            if response.status_code in (200, 304):
                response.set_etag(key)
                response.headers["Cache-Control"] = f"public, max-age={current_app.config['HTTP_MAX_AGE']}"
        response.vary.update(VARY)
        return response

    return Blueprint.doc(responses={"304": {
        "description": "Not Modified: the ETag sent in If-None-Match is still current (anonymous requests)"}})(wrapper)


def _stored_or_fresh(key: str, view: Callable, args: tuple, kwargs: dict):
    seconds = current_app.config["RESPONSE_CACHE_SECONDS"]
    stored = _get("page:" + key) if seconds > 0 else None
    if stored is not None:
        body, mimetype = stored
        return current_app.response_class(body, status=200, mimetype=mimetype)
    response = make_response(view(*args, **kwargs))
    if seconds > 0 and response.status_code == 200:
        _set("page:" + key, (response.get_data(), response.mimetype), seconds)
    return response
