"""Settlement fixtures: cooperatives and members are built through the HTTP API; `books` sells, delivers and
settles parcels over HTTP (the order fixtures' `market`) and moves the clock past the return window. Card
payments and refunds go through the real Stripe library to localstripe on loopback (the order tests' server, one
a session), with `card`."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from marketplace import clock
from tests.cooperatives.conftest import coop_factory  # noqa: F401  (the fixture, re-exported)
from tests.orders.conftest import API, market, shop  # noqa: F401  (fixtures, re-exported)
from tests.orders.stripe_server import post_event, stripe_event

RIB_BANK = "0117800000"  # bank and city codes; a member's RIB adds 12 digits and the key


def rib(n: int) -> str:
    first = f"{RIB_BANK}{n:012d}"
    return first + f"{97 - int(first) * 100 % 97:02d}"


@dataclass
class Coop:
    manager: object
    id: int
    members: list[int]


class Books:
    def __init__(self, market, client, users, monkeypatch):
        self.market, self.client, self.users, self.monkeypatch = market, client, users, monkeypatch
        self.days_ahead, self.real_now = 0, clock.now
        self.stripe = None  # localstripe, once a test asks for `card`

    @property
    def admin(self):
        return self.users.shared_admin()

    def cooperative(self, members: list[dict], *, policy: str = "contribution", **facts) -> Coop:
        """A cooperative (verified unless `status` says otherwise; `name`, `region`, `sector`) with the members
        given (full_name, gender, birth_year, capital_shares, payout…) and its distribution policy."""
        manager = self.users.cooperative()
        cooperative_id = self.market.shop.cooperative(manager, **facts)
        ids = []
        for n, fields in enumerate(members):
            body = {"full_name": f"Membre {n}", "gender": "female", "birth_year": 1980, "joined_on": "2021-03-01",
                    "payout_method": "cash", **fields}
            response = self.client.post(f"{API}/cooperatives/{cooperative_id}/members", json=body,
                                        headers=manager.headers)
            assert response.status_code == 201, response.json
            ids.append(response.json["id"])
        response = self.client.patch(f"{API}/cooperatives/{cooperative_id}", json={"distribution_policy": policy},
                                     headers=manager.headers)
        assert response.status_code == 200, response.json
        return Coop(manager, cooperative_id, ids)

    def product(self, coop: Coop, *, amount: int, lots: list[tuple[int, int]], category: str = "honey",
                keeps_days: int = 100) -> int:
        """A published product of `coop` priced `amount` MAD, stocked by lots [(member id, units)] drawn in that
        order (first expiring first, the first `keeps_days` from today); returns the variant id."""
        variant = {"sku": f"SET-{uuid.uuid4().hex[:8]}", "label": "500 g", "weight_grams": 500,
                   "price": {"amount": amount, "currency": "MAD"}}
        product = self.market.shop.published(coop.manager, coop.id, category=category, variants=[variant])
        for position, (member_id, units) in enumerate(lots):
            response = self.market.shop.lot(coop.manager, product, member_id, quantity=units,
                                            best_before=clock.today() + timedelta(days=keeps_days + position))
            assert response.status_code == 201, response.json
        return product["variants"][0]["id"]

    def order(self, items: list[tuple[int, int]], *, currency: str = "MAD", country: str = "MA",
              method: str = "cash_on_delivery", card: str = "pm_card_visa", charge: dict | None = None) -> dict:
        """A buyer orders [(variant id, quantity)]. A card order's PaymentIntent is made at localstripe by the
        checkout and paid there with `card`, and its `payment_intent.succeeded` (the intent as localstripe holds
        it, with `charge` merged into its latest charge when given) is delivered signed to the webhook.

        A declined `card` (`pm_card_chargeCustomerFail`) still gets a success event: a success the provider's
        records contradict, so it refuses any refund of it."""
        buyer = self.users.buyer()
        for variant_id, quantity in items:
            assert self.market.add(buyer, variant_id, quantity).status_code == 201
        created = self.market.checkout(buyer, country=country, currency=currency, method=method)
        assert created.status_code == 201, created.json
        order = created.json
        if method == "card":
            assert self.stripe is not None, "card orders need the `card` fixture"
            intent_id = order["payment"]["payment_intent_id"]
            self.stripe.pay(intent_id, card)
            intent = self.stripe.client.v1.payment_intents.retrieve(intent_id).to_dict()
            assert (intent["amount"], intent["currency"]) == (order["totals"]["total"]["amount"], currency.lower())
            intent["status"] = "succeeded"
            if charge is not None:
                intent["latest_charge"] = {**(intent.get("latest_charge") or {}), **charge}
            assert post_event(self.client, stripe_event("payment_intent.succeeded", intent)).status_code == 200
        order["buyer"] = buyer
        return order

    def deliver(self, order: dict, coop: Coop) -> int:
        """The cooperative ships and delivers its parcel of the order (cash collected in full); its id."""
        parcel = next(p for p in order["coop_orders"] if p["cooperative_id"] == coop.id)
        response = self.client.post(f"{API}/coop-orders/{parcel['id']}/ship", headers=coop.manager.headers,
                                    json={"carrier": "Amana", "tracking_number": "AM123456789MA"})
        assert response.status_code == 200, response.json
        response = self.client.post(f"{API}/coop-orders/{parcel['id']}/deliver", json={},
                                    headers=coop.manager.headers)
        assert response.status_code == 200, response.json
        return parcel["id"]

    def refund(self, order: dict, account, lines: list[tuple[int, int]], **body):
        body = {"lines": [{"line_id": line_id, "quantity": q} for line_id, q in lines], "reason": "abîmé",
                "restock": False, "include_shipping": False, **body}
        return self.client.post(f"{API}/orders/{order['id']}/refunds", json=body,
                                headers={**account.headers, "Idempotency-Key": uuid.uuid4().hex})

    def later(self, days: int) -> date:
        """Move the settlement clock `days` ahead (past the return window); returns the new today."""
        self.days_ahead += days
        real_now, ahead = self.real_now, timedelta(days=self.days_ahead)
        self.monkeypatch.setattr(clock, "now", lambda: real_now() + ahead)
        return clock.today()

    def settle(self, up_to: date | None = None):
        up_to = up_to or clock.today()
        return self.client.post(f"{API}/admin/settlements", json={"up_to": up_to.isoformat()},
                                headers=self.admin.headers)

    def ledger_lines(self, account: str) -> list[dict]:
        response = self.client.get(f"{API}/admin/ledger", query_string={"account": account, "per_page": 100},
                                   headers=self.admin.headers)
        assert response.status_code == 200, response.json
        return [line for entry in response.json["items"] for line in entry["lines"] if line["account"] == account]

    def balance(self, account: str) -> int:
        return sum(line["debit"]["amount"] - line["credit"]["amount"] for line in self.ledger_lines(account))


@pytest.fixture
def card(app, books, localstripe):
    """Card payments through localstripe. Settlement assumes the configured fee model: the provider is not
    asked for its fee after a capture (tests of that path turn PAYMENT_FEE_FROM_PROVIDER on)."""
    books.stripe = localstripe
    app.config.update(PAYMENT_FEE_FROM_PROVIDER=False)
    return localstripe


@pytest.fixture
def books(market, client, users, monkeypatch) -> Books:
    return Books(market, client, users, monkeypatch)
