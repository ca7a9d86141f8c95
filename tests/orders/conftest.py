"""Order fixtures (Stripe offline comes from tests/orders/stripe_server.py, a plugin of the suite): a `market`
of verified cooperatives with sellable, stocked products (built with the catalog's `shop`), exchange and
shipping rates set by an admin, and buyers who fill carts and check out over HTTP."""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from catalog.models import StockLot
from marketplace.extensions import db

from tests.catalog.conftest import shop  # noqa: F401  (the catalog's builder fixture)

API = "/api/v1"
RATES = {"EUR": "0.0921", "USD": "0.0998", "XOF": "60.41", "XAF": "60.41"}
SHIPPING = [{"zone": "MA", "base": 3500, "per_kg": 1000}, {"zone": "africa", "base": 15000, "per_kg": 8000},
            {"zone": "world", "base": 22000, "per_kg": 12000}]
ADDRESSES = {
    "MA": {"full_name": "Amina Tazi", "line1": "12 rue Oued Sebou", "city": "Rabat", "postal_code": "10000",
           "country": "MA", "phone": "+212 6 12 34 56 78"},
    "SN": {"full_name": "Moussa Diop", "line1": "Rue 10, Médina", "city": "Dakar", "postal_code": "10200",
           "country": "SN", "phone": "+221 77 123 45 67"},
    "CI": {"full_name": "Awa Koné", "line1": "Boulevard Latrille", "city": "Abidjan", "country": "CI",
           "phone": "+225 07 07 12 34 56"},
    "GA": {"full_name": "Jean Mba", "line1": "Quartier Louis", "city": "Libreville", "country": "GA",
           "phone": "+241 06 61 23 45"},
    "FR": {"full_name": "Claire Martin", "line1": "3 rue de Rivoli", "city": "Paris", "postal_code": "75001",
           "country": "FR", "phone": "+33 6 12 34 56 78"},
}
_skus = itertools.count(1)


@dataclass
class Seller:
    manager: object
    cooperative_id: int
    member_id: int


@dataclass
class Stocked:
    product: dict
    variant_id: int
    seller: Seller
    lot_codes: list[str]


class Market:
    def __init__(self, app, client, users, shop):
        self.app, self.client, self.users, self.shop = app, client, users, shop

    def admin_headers(self) -> dict:
        return self.users.shared_admin().headers

    def set_rates(self) -> None:
        response = self.client.put(f"{API}/admin/exchange-rates", json={"rates": RATES}, headers=self.admin_headers())
        assert response.status_code == 200, response.json
        body = {"rates": [{"zone": r["zone"], "base": {"amount": r["base"], "currency": "MAD"},
                           "per_kg": {"amount": r["per_kg"], "currency": "MAD"}} for r in SHIPPING]}
        response = self.client.put(f"{API}/admin/shipping-rates", json=body, headers=self.admin_headers())
        assert response.status_code == 200, response.json

    def seller(self) -> Seller:
        manager = self.users.cooperative()
        cooperative_id = self.shop.cooperative(manager)
        return Seller(manager, cooperative_id, self.shop.member(cooperative_id))

    def stocked(self, seller: Seller | None = None, *, quantity: int = 10, amount: int = 12000,
                weight_grams: int = 500, category: str = "honey", lots: list[tuple[int, date]] | None = None
                ) -> Stocked:
        """A published, sellable product with one variant and its stock in one lot (or the `lots` given as
        (quantity, best_before) pairs)."""
        seller = seller or self.seller()
        variant = {"sku": f"ORD-{next(_skus)}-{uuid.uuid4().hex[:4]}", "label": "500 g",
                   "weight_grams": weight_grams, "price": {"amount": amount, "currency": "MAD"}}
        product = self.shop.published(seller.manager, seller.cooperative_id, category=category, variants=[variant])
        codes = []
        for units, best_before in lots or [(quantity, None)]:
            code = f"LOT-{uuid.uuid4().hex[:10]}"
            response = self.shop.lot(seller.manager, product, seller.member_id, quantity=units, code=code,
                                     best_before=best_before)
            assert response.status_code == 201, response.json
            codes.append(code)
        return Stocked(product, product["variants"][0]["id"], seller, codes)

    def add(self, buyer, variant_id: int, quantity: int = 1):
        return self.client.post(f"{API}/cart/items", json={"variant_id": variant_id, "quantity": quantity},
                                headers=buyer.headers)

    def cart(self, buyer, currency: str = "MAD"):
        return self.client.get(f"{API}/cart", query_string={"currency": currency}, headers=buyer.headers)

    def checkout(self, buyer, *, country: str = "MA", currency: str = "MAD", method: str = "cash_on_delivery",
                 key: str | None = None, **overrides):
        body = {"shipping_address": ADDRESSES[country], "currency": currency, "payment_method": method, **overrides}
        headers = {**buyer.headers, "Idempotency-Key": key or uuid.uuid4().hex}
        return self.client.post(f"{API}/checkout", json=body, headers=headers)

    def order(self, account, order_id: int):
        return self.client.get(f"{API}/orders/{order_id}", headers=account.headers)

    def lot_remaining(self, code: str) -> int:
        with self.app.app_context():
            return db.session.scalar(select(StockLot.quantity_remaining).where(StockLot.lot_code == code))


@pytest.fixture
def market(app, client, users, shop) -> Market:
    market = Market(app, client, users, shop)
    market.set_rates()
    return market
