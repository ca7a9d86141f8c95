"""Who is calling: bearer-token authentication, role checks and the object-level check helper.

A resource that exists but is not the caller's is a 404 (existence is not leaked); a role that may never
do the action is a 403.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import g, request
from flask_smorest import Blueprint

from marketplace.auth.models import ApiToken, User
from marketplace.auth.services import resolve_token
from marketplace.errors import Forbidden, MarketplaceError, NotFound, Unauthorized

T = TypeVar("T")


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(MarketplaceError.INVALID_TOKEN, "Use 'Authorization: Bearer <token>'.")
    return token.strip()


def current_token() -> ApiToken | None:
    """The caller's token row; a token that is given but invalid, revoked or expired is a 401."""
    if "api_token" not in g:
        token = _bearer_token()
        row = resolve_token(token) if token else None
        if token and row is None:
            raise Unauthorized(MarketplaceError.INVALID_TOKEN, "The token is invalid, revoked or expired.")
        g.api_token = row
    return g.api_token


def current_user() -> User | None:
    token = current_token()
    return token.user if token else None


def require_user(*roles: str) -> User:
    user = current_user()
    if user is None:
        raise Unauthorized(MarketplaceError.AUTHENTICATION_REQUIRED, "Sign in: send 'Authorization: Bearer <token>'.")
    if roles and user.role not in roles:
        raise Forbidden(MarketplaceError.FORBIDDEN, f"This action is for: {', '.join(roles)}.")
    return user


def auth_required(*roles: str) -> Callable:
    """Decorate a view: the caller must be signed in, with one of `roles` when given."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            require_user(*roles)
            return view(*args, **kwargs)

        return Blueprint.doc(security=[{"bearerAuth": []}])(wrapper)

    return decorator


def found(obj: T | None, *, visible: bool = True, what: str = "resource") -> T:
    """Return `obj`, or raise 404 when it does not exist or the caller may not see it."""
    if obj is None or not visible:
        raise NotFound(MarketplaceError.NOT_FOUND, f"No such {what}.")
    return obj
