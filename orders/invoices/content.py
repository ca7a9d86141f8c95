"""What an invoice or credit note shows, computed once when it is issued and stored as its `content`.

Prices are VAT-inclusive. For each VAT rate the gross total is split into base and VAT with `allocate`
(weights 10 000 : rate), and that VAT is shared among the rate's lines with `allocate` too, so lines, totals by
rate and the grand total agree to the minor unit. Shipping is re-invoiced at cost as a disbursement (débours),
outside VAT, as the order's own totals treat it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app

from cooperatives.models import Cooperative
from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.money import BASE_CURRENCY, Money, allocate, convert
from orders.models import CoopOrder, Order, OrderLine


@dataclass(frozen=True)
class Line:
    description: dict[str, str]  # translated text
    label: str
    quantity: int
    unit_price: int
    vat_rate_bps: int

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity


def vat_breakdown(lines: list[Line]) -> tuple[list[dict], list[dict]]:
    """The lines with their VAT amount, and the totals by rate `{rate_bps, base, vat, total}`, exactly."""
    by_rate: dict[int, list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        by_rate[line.vat_rate_bps].append(index)
    line_vat = [0] * len(lines)
    totals = []
    for rate in sorted(by_rate):
        indexes = by_rate[rate]
        gross = sum(lines[i].total for i in indexes)
        base, vat = allocate(gross, [10_000, rate]) if gross else (0, 0)
        weights = [lines[i].total for i in indexes]
        for i, amount in zip(indexes, allocate(vat, weights) if any(weights) else [0] * len(indexes)):
            line_vat[i] = amount
        totals.append({"rate_bps": rate, "base": base, "vat": vat, "total": gross})
    rows = [{"description": line.description, "label": line.label, "quantity": line.quantity,
             "unit_price": line.unit_price, "vat_rate_bps": line.vat_rate_bps, "vat": line_vat[i],
             "total": line.total} for i, line in enumerate(lines)]
    return rows, totals


def _amounts(lines: list[Line], shipping: int, currency: str, exchange_rate: str) -> dict:
    rows, by_rate = vat_breakdown(lines)
    items = sum(line.total for line in lines)
    total = items + shipping
    rates = {} if currency == BASE_CURRENCY else {currency: Decimal(exchange_rate)}
    vat = sum(rate["vat"] for rate in by_rate)
    return {"lines": rows, "vat_totals": by_rate, "items_total": items, "vat_total": vat,
            "base_total": items - vat, "shipping": shipping, "total": total, "currency": currency,
            "exchange_rate": exchange_rate,
            "total_mad": convert(Money(total, currency), BASE_CURRENCY, rates).amount,
            "vat_total_mad": convert(Money(vat, currency), BASE_CURRENCY, rates).amount}


def seller_of(cooperative: Cooperative) -> dict:
    region = cooperative.region.replace("-", " ").title().replace(" ", "-")
    return {"name": cooperative.name, "address": [cooperative.province, f"{region}, Maroc"],
            "ice": cooperative.ice, "registration_number": cooperative.registration_number,
            "email": cooperative.contact_email, "phone": cooperative.phone}


def platform() -> dict:
    config = current_app.config
    return {"name": config["PLATFORM_LEGAL_NAME"], "address": [config["PLATFORM_ADDRESS"]],
            "ice": config["PLATFORM_ICE"], "registration_number": None, "email": None, "phone": None}


def buyer_of(order: Order, buyer: User) -> dict:
    address = order.shipping_address
    lines = [address.get("line1"), address.get("line2"),
             " ".join(part for part in (address.get("postal_code"), address.get("city")) if part),
             address.get("country")]
    return {"name": address.get("full_name") or buyer.full_name, "address": [line for line in lines if line],
            "ice": address.get("buyer_ice"), "email": buyer.email, "phone": address.get("phone")}


def _order_facts(order: Order, parcel: CoopOrder) -> dict:
    return {"order": {"id": order.id, "number": order.number, "placed_on": order.created_at.date().isoformat(),
                      "payment_method": order.payment_method}, "coop_order_id": parcel.id}


def _line(line: OrderLine, quantity: int) -> Line:
    return Line(description=dict(line.product_name), label=line.label, quantity=quantity,
                unit_price=line.unit_price, vat_rate_bps=line.vat_rate_bps)


def parcel_invoice(parcel: CoopOrder, buyer: User) -> dict | None:
    """What the cooperative sold in the parcel: its lines less units already refunded, and its shipping unless
    refunded; None when nothing is left to invoice."""
    order = parcel.order
    lines = [_line(line, line.quantity - line.refunded_quantity) for line in parcel.lines
             if line.quantity > line.refunded_quantity]
    shipping = 0 if parcel.shipping_refunded else parcel.shipping_amount
    if not lines and not shipping:
        return None
    return {"seller": seller_of(db.session.get(Cooperative, parcel.cooperative_id)), "buyer": buyer_of(order, buyer),
            **_order_facts(order, parcel), **_amounts(lines, shipping, order.currency, order.exchange_rate)}


def credit_note(parcel: CoopOrder, buyer: User, refunded: list[tuple[OrderLine, int]], shipping: int,
                reason: str, refers_to: dict) -> dict:
    """What a refund gives back on one parcel: the units refunded and the shipping, at the invoiced prices."""
    order = parcel.order
    lines = [_line(line, quantity) for line, quantity in refunded]
    return {"seller": seller_of(db.session.get(Cooperative, parcel.cooperative_id)), "buyer": buyer_of(order, buyer),
            **_order_facts(order, parcel), "reason": reason, "refers_to": refers_to,
            **_amounts(lines, shipping, order.currency, order.exchange_rate)}


def commission_invoice(cooperative: Cooperative, *, run_id: int, up_to: str, parcels: int, commission: int) -> dict:
    """The platform's commission on a settlement run's parcels, VAT included at PLATFORM_VAT_BPS."""
    line = Line(description={"fr": f"Commission de la plateforme — règlement n° {run_id} jusqu'au {up_to} "
                                   f"({parcels} colis)",
                             "ar": f"عمولة المنصة — التسوية رقم {run_id} إلى غاية {up_to} ({parcels} طرود)",
                             "en": f"Platform commission — settlement {run_id} up to {up_to} ({parcels} parcels)"},
                label="", quantity=1, unit_price=commission,
                vat_rate_bps=int(current_app.config["PLATFORM_VAT_BPS"]))
    return {"seller": platform(), "buyer": {**seller_of(cooperative), "name": cooperative.name},
            "settlement": {"run_id": run_id, "up_to": up_to, "parcels_count": parcels},
            **_amounts([line], 0, BASE_CURRENCY, "1")}
