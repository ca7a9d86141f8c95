"""Exchange rates set by administrators: units of each currency that one MAD buys."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validates
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.auth.models import Role
from marketplace.auth.permissions import auth_required, require_user
from marketplace.dbtypes import UTCDateTime, utcnow
from marketplace.errors import Conflict, MarketplaceError
from marketplace.extensions import db
from marketplace.money import BASE_CURRENCY, CURRENCIES
from marketplace.transaction import unit_of_work

FOREIGN_CURRENCIES = tuple(c for c in CURRENCIES if c != BASE_CURRENCY)


class ExchangeRate(db.Model):
    __tablename__ = "exchange_rates"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    # A decimal string keeps the rate exact on SQLite too.
    per_mad: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class MissingExchangeRate(Conflict):
    default_code = MarketplaceError.EXCHANGE_RATE_MISSING


def current_rates() -> dict[str, Decimal]:
    return {row.currency: Decimal(row.per_mad) for row in db.session.scalars(select(ExchangeRate))}


def rate_for(currency: str) -> Decimal:
    """The rate for one currency (1 for MAD); 409 when an administrator has not set it."""
    if currency == BASE_CURRENCY:
        return Decimal(1)
    row = db.session.get(ExchangeRate, currency)
    if row is None:
        raise MissingExchangeRate("exchange_rate_missing", f"No exchange rate is set for {currency}.",
                                  {"currency": currency})
    return Decimal(row.per_mad)


def set_rates(rates: dict[str, Decimal], *, actor_id: int | None) -> dict[str, Decimal]:
    """Set the named rates; currencies not named keep theirs."""
    with unit_of_work():
        for currency, rate in rates.items():
            row = db.session.get(ExchangeRate, currency) or ExchangeRate(currency=currency)
            row.per_mad, row.updated_by_id = str(rate), actor_id
            db.session.add(row)
    return current_rates()


class RatesSchema(Schema):
    rates = fields.Dict(keys=fields.String(), values=fields.String(), required=True)

    @validates("rates")
    def valid_rates(self, rates: dict, **kwargs):
        errors = {}
        for currency, text in rates.items():
            if currency not in FOREIGN_CURRENCIES:
                errors[currency] = [f"Not a supported currency; use one of {', '.join(FOREIGN_CURRENCIES)}."]
                continue
            try:
                rate = Decimal(text)
            except InvalidOperation:
                errors[currency] = ["Give the rate as a decimal string, e.g. \"0.0921\"."]
                continue
            if not rate.is_finite() or rate <= 0 or rate >= 1_000_000 or rate.as_tuple().exponent < -8:
                errors[currency] = ["A rate is positive, below 1,000,000, with at most 8 decimals."]
        if not rates:
            errors["_schema"] = ["Give at least one rate."]
        if errors:
            raise ValidationError(errors)


blp = Blueprint("exchange_rates", __name__, url_prefix="/api/v1", description="Exchange rates")


def _as_body(rates: dict[str, Decimal]) -> dict:
    return {"rates": {currency: str(rate) for currency, rate in sorted(rates.items())}}


@blp.route("/exchange-rates", methods=["GET"])
@blp.response(200, RatesSchema)
def public_rates():
    """Units of each currency that one MAD buys."""
    return _as_body(current_rates())


@blp.route("/admin/exchange-rates", methods=["GET"])
@auth_required(Role.ADMIN)
@blp.response(200, RatesSchema)
def admin_rates():
    """The rates in force."""
    return _as_body(current_rates())


@blp.route("/admin/exchange-rates", methods=["PUT"])
@auth_required(Role.ADMIN)
@blp.arguments(RatesSchema)
@blp.response(200, RatesSchema)
def put_rates(body):
    """Set exchange rates (decimal strings); currencies not named keep their rate."""
    rates = {currency: Decimal(text) for currency, text in body["rates"].items()}
    return _as_body(set_rates(rates, actor_id=require_user().id))
