"""Shipping zones and the rate table: each parcel costs the zone's base plus a rate per started kilogram (MAD)."""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.money import BASE_CURRENCY, Money, convert
from orders import cart
from orders.errors import OrderError
from orders.models import ShippingRate, ShippingZone

AFRICA = frozenset({
    "SN", "CI", "GA", "GW", "CF", "CG", "CM", "ML", "BF", "NE", "BJ", "TG", "GN", "MR", "TN", "DZ", "EG", "NG",
    "GH", "KE", "LY", "SD", "ET", "TZ", "UG", "RW", "CD", "AO", "ZA", "ZM", "ZW", "MZ", "MG", "NA", "BW", "TD",
    "SL", "LR", "GM", "CV", "ST", "GQ", "BI", "DJ", "ER", "SO", "SS", "MW", "LS", "SZ", "KM", "MU", "SC", "EH",
})


def zone_of(country: str) -> ShippingZone:
    """MA is national, the countries of AFRICA are `africa`, every other country `world`."""
    if country == "MA":
        return ShippingZone.MA
    return ShippingZone.AFRICA if country in AFRICA else ShippingZone.WORLD


def rates() -> dict[str, ShippingRate]:
    return {rate.zone: rate for rate in db.session.scalars(select(ShippingRate))}


def rate_table() -> list[ShippingRate]:
    """The rates in zone order MA, africa, world."""
    table = rates()
    return [table[zone] for zone in ShippingZone if zone in table]


def set_rates(new_rates: list[Mapping]) -> list[ShippingRate]:
    """Replace the rates of the zones named; the caller's unit of work commits."""
    for entry in new_rates:
        row = db.session.get(ShippingRate, entry["zone"]) or ShippingRate(zone=entry["zone"])
        row.base_mad, row.per_kg_mad = entry["base"]["amount"], entry["per_kg"]["amount"]
        db.session.add(row)
    db.session.flush()
    return rate_table()


def started_kilograms(weight_grams: int) -> int:
    """1 g to 1000 g is one kilogram, 1001 g two."""
    return max(1, -(-weight_grams // 1000))


def zone_rate(country: str) -> ShippingRate:
    """The rate of `country`'s zone; 409 `shipping_rate_missing` when an administrator has set none."""
    zone = zone_of(country)
    rate = db.session.get(ShippingRate, zone.value)
    if rate is None:
        raise Conflict(OrderError.SHIPPING_RATE_MISSING, f"No shipping rate is set for the zone {zone.value!r}.",
                       {"zone": zone.value})
    return rate


def parcel_cost(weight_grams: int, rate: ShippingRate) -> Money:
    """What one parcel of `weight_grams` costs at `rate`, in MAD."""
    return Money(rate.base_mad + rate.per_kg_mad * started_kilograms(weight_grams), "MAD")


def quote(buyer: User, *, country: str, currency: str) -> dict:
    """Shipping for the buyer's current cart, one parcel per cooperative, in `currency`."""
    priced = cart.get_cart(buyer, currency=currency)
    rates = {currency: priced.exchange_rate} if currency != BASE_CURRENCY else {}
    rate = zone_rate(country) if priced.groups else None
    parcels = [{"cooperative": group.cooperative, "weight_grams": group.weight_grams,
                "shipping": convert(parcel_cost(group.weight_grams, rate), currency, rates)}
               for group in priced.groups]
    return {"country": country, "zone": zone_of(country).value, "currency": currency, "parcels": parcels,
            "total": sum((p["shipping"] for p in parcels), Money.zero(currency))}
