"""Accounts and tokens: registration, password checks, issuing, resolving and revoking tokens."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select

from marketplace.auth.models import ApiToken, Role, User
from marketplace.clock import now
from marketplace.errors import Conflict, MarketplaceError, Unauthorized
from marketplace.extensions import db
from marketplace.transaction import unit_of_work


@cache
def _hasher_with(time_cost: int, memory_cost: int) -> tuple[PasswordHasher, str]:
    """A hasher and a hash of nothing: verifying against it keeps unknown e-mails as slow as wrong passwords."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
    return hasher, hasher.hash("not-a-password")


def _hasher() -> tuple[PasswordHasher, str]:
    return _hasher_with(current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_KIB"])

# Packages above marketplace add facts to GET /me (e.g. the cooperatives a user manages) through this list.
profile_extenders: list[Callable[[User], dict]] = []


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: User


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def register_user(*, email: str, password: str, full_name: str, role: str, language: str = "fr",
                  phone: str | None = None) -> User:
    """Create a buyer, cooperative or admin account; the e-mail must be new."""
    email = normalize_email(email)
    with unit_of_work():
        if db.session.scalar(select(User.id).where(User.email == email)):
            raise Conflict(MarketplaceError.EMAIL_TAKEN, "An account with this e-mail already exists.",
                           {"email": ["Already registered."]})
        user = User(email=email, password_hash=_hasher()[0].hash(password), full_name=full_name.strip(), role=role,
                    language=language, phone=phone)
        db.session.add(user)
    return user


def create_admin(*, email: str, password: str, full_name: str = "Administrator") -> User:
    """Create an admin, or promote an existing account and reset its password."""
    email = normalize_email(email)
    with unit_of_work():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            return register_user(email=email, password=password, full_name=full_name, role=Role.ADMIN)
        user.role, user.password_hash = Role.ADMIN, _hasher()[0].hash(password)
    return user


def authenticate(*, email: str, password: str) -> User:
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    hasher, dummy_hash = _hasher()
    try:
        hasher.verify(user.password_hash if user else dummy_hash, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.is_active:
        raise Unauthorized(MarketplaceError.INVALID_CREDENTIALS, "Wrong e-mail or password.")
    return user


def issue_token(user: User, *, ttl: timedelta) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    expires_at = now() + ttl
    with unit_of_work():
        db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), expires_at=expires_at))
    return IssuedToken(token=token, expires_at=expires_at, user=user)


def resolve_token(token: str) -> ApiToken | None:
    """The live token row for a bearer token, or None if unknown, revoked or expired."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now() or not row.user.is_active:
        return None
    return row


def revoke_token(token: ApiToken) -> None:
    with unit_of_work():
        token.revoked_at = now()


def update_profile(user: User, *, language: str, **changes: str | None) -> User:
    """Set the user's language (and phone, when given; null removes it)."""
    with unit_of_work():
        user.language = language
        if "phone" in changes:
            user.phone = changes["phone"]
    return user


def profile(user: User) -> dict:
    facts: dict = {"cooperative_ids": []}
    for extend in profile_extenders:
        facts.update(extend(user))
    return facts

