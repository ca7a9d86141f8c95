"""Money as an integer count of minor units plus an ISO currency, and the one exact splitting helper."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from babel.numbers import format_currency

DECIMALS: dict[str, int] = {"MAD": 2, "EUR": 2, "USD": 2, "XOF": 0, "XAF": 0}
CURRENCIES = tuple(DECIMALS)
BASE_CURRENCY = "MAD"
# Regional locales: plain `ar` would group and point like English.
READER_LOCALES = {"fr": "fr_MA", "ar": "ar_MA", "en": "en"}


class CurrencyMismatch(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self):
        if type(self.amount) is not int:
            raise TypeError(f"Money amounts are integer minor units, not {type(self.amount).__name__}")
        if self.currency not in DECIMALS:
            raise ValueError(f"Unsupported currency {self.currency!r}")

    @classmethod
    def zero(cls, currency: str = BASE_CURRENCY) -> Money:
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, value: Decimal | str | int, currency: str) -> Money:
        """`Money.from_decimal("120.50", "MAD")` → 12050 centimes; refuses more decimals than the currency has."""
        scaled = Decimal(value).scaleb(DECIMALS[currency])
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more decimals than {currency} allows")
        return cls(int(scaled), currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-DECIMALS[self.currency])

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not add up")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, quantity: int) -> Money:
        if type(quantity) is not int:
            raise TypeError("Money is multiplied by whole quantities only")
        return Money(self.amount * quantity, self.currency)

    def format(self, language: str = "fr") -> str:
        """For people to read, in the reader's locale through Babel: `1 234,50 MAD` (fr), `1.234,50 د.م.` (ar)."""
        return format_currency(self.to_decimal(), self.currency, locale=READER_LOCALES.get(language, "fr_MA"))

    def as_dict(self) -> dict:
        return {"amount": self.amount, "currency": self.currency}


def allocate(amount: int, weights: Sequence[int | Fraction | Decimal]) -> list[int]:
    """Split `amount` in proportion to `weights` into integer parts that sum exactly to `amount`.

    Largest remainder: every part gets the floor of its exact share, then the units left over go to the
    largest fractional remainders, ties to the earlier weight, so the result is deterministic.
    A negative amount is split like its absolute value, with the signs flipped.
    """
    if type(amount) is not int:
        raise TypeError("allocate splits integer minor units")
    if all(type(w) is int for w in weights):
        return _allocate_ints(amount, weights)
    shares = [Fraction(w) for w in weights]
    if not shares:
        raise ValueError("allocate needs at least one weight")
    if any(w < 0 for w in shares):
        raise ValueError("weights must not be negative")
    total = sum(shares)
    if total == 0:
        raise ValueError("weights must not all be zero")
    sign, whole = (-1, -amount) if amount < 0 else (1, amount)
    exact = [whole * w / total for w in shares]
    parts = [math.floor(e) for e in exact]
    left = whole - sum(parts)
    by_remainder = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return [sign * p for p in parts]


def convert(money: Money, currency: str, rates: Mapping[str, Decimal]) -> Money:
    """Convert with `rates` = units of each currency that one MAD buys; rounds half up to the minor unit."""
    rate_from = Decimal(1) if money.currency == BASE_CURRENCY else rates[money.currency]
    rate_to = Decimal(1) if currency == BASE_CURRENCY else rates[currency]
    value = money.to_decimal() / rate_from * rate_to
    minor = value.scaleb(DECIMALS[currency]).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Money(int(minor), currency)


def _allocate_ints(amount: int, weights: Sequence[int]) -> list[int]:
    """`allocate` for integer weights in integer arithmetic (the common case, and much faster than fractions):
    each exact share is `whole * w / total`, so floors and remainders compare as `divmod(whole * w, total)`."""
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    total = sum(weights)
    if total == 0:
        raise ValueError("weights must not all be zero")
    sign, whole = (-1, -amount) if amount < 0 else (1, amount)
    splits = [divmod(whole * w, total) for w in weights]
    parts = [floor for floor, _ in splits]
    left = whole - sum(parts)
    if left:
        for i in sorted(range(len(parts)), key=lambda i: (-splits[i][1], i))[:left]:
            parts[i] += 1
    return [sign * p for p in parts] if sign < 0 else parts
