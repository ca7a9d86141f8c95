"""Failed sign-ins, counted in the database so that every worker and every server sees the same counts.

Three rules, checked before the password is (so a blocked guess tells nothing):

- one account from one address: `LOGIN_FAILURES_PER_ACCOUNT_ADDRESS` failures in a minute → 429 for that
  account from that address until the oldest of them is a minute old;
- one address, any accounts: `LOGIN_FAILURES_PER_ADDRESS` failures in a minute → 429 from that address (high,
  because carriers put many mobile users behind one address);
- one account, any addresses: past `LOGIN_FAILURES_PER_ACCOUNT` failures in an hour, each further attempt must
  wait 2^(failures − ceiling) seconds (at most 15 minutes) after the latest failure.

A successful sign-in forgets that account's failures from that address. Rows older than the longest window are
deleted as new failures are recorded.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Index, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.auth.models import User
from marketplace.auth.services import authenticate, normalize_email
from marketplace.clock import now
from marketplace.dbtypes import UTCDateTime
from marketplace.errors import AppError, Unauthorized, error_response
from marketplace.extensions import db
from marketplace.transaction import unit_of_work

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
MAX_DELAY = timedelta(minutes=15)


class LoginFailure(db.Model):
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_account_at", "account", "at"),
                      Index("ix_login_failures_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class TooManyAttempts(AppError):
    status, default_code = 429, "too_many_attempts"

    def __init__(self, retry_after: timedelta, scope: str):
        seconds = max(1, math.ceil(retry_after.total_seconds()))
        super().__init__(message=f"Too many failed sign-ins; try again in {seconds} s.",
                         details={"retry_after": seconds, "scope": scope})
        self.retry_after = seconds


def too_many_attempts_response(error: TooManyAttempts):
    response = error_response(error.status, error.code, error.message, error.details)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _failures(*conditions, since: datetime) -> tuple[int, datetime | None, datetime | None]:
    """How many failures match, and the oldest and latest of them, since `since`."""
    count, oldest, latest = db.session.execute(
        select(func.count(), func.min(LoginFailure.at), func.max(LoginFailure.at))
        .where(LoginFailure.at > since, *conditions)).one()
    return count, _aware(oldest), _aware(latest)


def _aware(value: datetime | None) -> datetime | None:
    return UTCDateTime().process_result_value(value, None) if value is not None else None


def ensure_may_try(account: str, address: str) -> None:
    """Raise 429 when one of the three rules holds this account or this address back right now."""
    config, moment = current_app.config, now()
    count, oldest, _ = _failures(LoginFailure.account == account, LoginFailure.address == address,
                                 since=moment - MINUTE)
    if count >= config["LOGIN_FAILURES_PER_ACCOUNT_ADDRESS"]:
        raise TooManyAttempts(oldest + MINUTE - moment, "account_and_address")
    count, oldest, _ = _failures(LoginFailure.address == address, since=moment - MINUTE)
    if count >= config["LOGIN_FAILURES_PER_ADDRESS"]:
        raise TooManyAttempts(oldest + MINUTE - moment, "address")
    count, _, latest = _failures(LoginFailure.account == account, since=moment - HOUR)
    ceiling = config["LOGIN_FAILURES_PER_ACCOUNT"]
    if count >= ceiling:
        delay = min(timedelta(seconds=2 ** min(count - ceiling, 20)), MAX_DELAY)
        if latest + delay > moment:
            raise TooManyAttempts(latest + delay - moment, "account")


def sign_in(*, email: str, password: str, address: str) -> User:
    """Check the limits, then the password; count a failure, or forget this address's failures on success."""
    account = normalize_email(email)
    ensure_may_try(account, address)
    try:
        user = authenticate(email=email, password=password)
    except Unauthorized:
        record_failure(account, address)
        raise
    forget_failures(account, address)
    return user


def record_failure(account: str, address: str) -> None:
    """Count a failed sign-in (in its own transaction: the request itself answers 401)."""
    moment = now()
    with unit_of_work():
        db.session.add(LoginFailure(account=account, address=address, at=moment))
        db.session.execute(delete(LoginFailure).where(LoginFailure.at < moment - HOUR))


def forget_failures(account: str, address: str) -> None:
    """A successful sign-in clears that account's failures from that address."""
    with unit_of_work():
        db.session.execute(delete(LoginFailure).where(LoginFailure.account == account,
                                                      LoginFailure.address == address))
