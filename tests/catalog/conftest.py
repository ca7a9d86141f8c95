"""Catalog fixtures: seeded categories and a `shop` helper that builds cooperatives, members, certifications
(as rows, the way an admin-verified state looks) and products (through the API), from tests.factories."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from catalog.categories import ensure_categories
from catalog.sellability import today
from cooperatives.models import cooperative_managers
from marketplace.extensions import db
from tests.factories import (  # noqa: F401  (the package's tests import these from here)
    certification_row,
    cooperative_row,
    jpeg,
    member_row,
    next_number,
    product_body,
    variant_body,
)

API = "/api/v1"
# Renditions of a 640×480 photo take a tenth of a second to encode; image processing itself is tested with
# real sizes in test_product_images.py and test_images.py.
PHOTO = jpeg((64, 48))


class Shop:
    def __init__(self, app, client, users):
        self.app, self.client, self.users = app, client, users

    # --- rows (what the cooperatives package would have created) ---------------------------------------------
    def cooperative(self, manager=None, *, status: str = "verified", region: str = "souss-massa",
                    sector: str = "beekeeping", name: str | None = None) -> int:
        cooperative = cooperative_row(status=status, region=region, sector=sector,
                                      **({"name": name} if name else {}))
        with self.app.app_context():
            db.session.add(cooperative)
            db.session.flush()
            if manager is not None:
                db.session.execute(cooperative_managers.insert().values(cooperative_id=cooperative.id,
                                                                        user_id=manager.id))
            db.session.commit()
            return cooperative.id

    def member(self, cooperative_id: int, *, left_on: date | None = None, full_name: str = "Aicha Oubella") -> int:
        return self._saved(member_row(cooperative_id, left_on=left_on, full_name=full_name))

    def certification(self, cooperative_id: int, *, kind: str = "onssa_authorization", status: str = "verified",
                      expires_on: date | None = None, product_ids: tuple[int, ...] = ()) -> int:
        return self._saved(certification_row(cooperative_id, kind=kind, status=status, expires_on=expires_on,
                                             product_ids=product_ids))

    def _saved(self, row) -> int:
        with self.app.app_context():
            db.session.add(row)
            db.session.commit()
            return row.id

    # --- through the API ------------------------------------------------------------------------------------
    def product(self, manager, cooperative_id: int, *, category: str = "honey", variants: int | list = 1,
                amount: int = 12000, **overrides) -> dict:
        """Create a draft through the API; `variants` is a count of default variants or a list of bodies."""
        body = product_body(cooperative_id, category=category, variants=variants, amount=amount, **overrides)
        response = self.client.post(f"{API}/products", json=body, headers=manager.headers)
        assert response.status_code == 201, response.json
        return response.json

    def image(self, manager, product_id: int, data: bytes | None = None):
        return self.client.post(f"{API}/products/{product_id}/images", headers=manager.headers,
                                data={"file": (io.BytesIO(data or PHOTO), "photo.jpg")},
                                content_type="multipart/form-data")

    def publish(self, manager, product_id: int):
        return self.client.post(f"{API}/products/{product_id}/publish", headers=manager.headers)

    def published(self, manager, cooperative_id: int, *, category: str = "honey", certify: bool = True,
                  **overrides) -> dict:
        """A product that passes every publish check (certifying the cooperative for food when asked)."""
        product = self.product(manager, cooperative_id, category=category, **overrides)
        assert self.image(manager, product["id"]).status_code == 201
        if certify:
            self.certification(cooperative_id, product_ids=(product["id"],))
        response = self.publish(manager, product["id"])
        assert response.status_code == 200, response.json
        return response.json

    def lot(self, manager, product: dict, member_id: int, *, quantity: int = 10, code: str | None = None,
            best_before: date | None = None):
        variant_id = product["variants"][0]["id"]
        return self.client.post(f"{API}/products/{product['id']}/variants/{variant_id}/lots", headers=manager.headers,
                                json={"lot_code": code or f"LOT-{next_number()}", "quantity": quantity,
                                      "member_id": member_id, "produced_on": (today() - timedelta(days=3)).isoformat(),
                                      "best_before": (best_before or today() + timedelta(days=365)).isoformat()})

    def listed_ids(self, headers=None, **query) -> list[int]:
        response = self.client.get(f"{API}/products", query_string={"per_page": 100, **query}, headers=headers or {})
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]


@pytest.fixture
def shop(app, client, users) -> Shop:
    with app.app_context():
        ensure_categories()
    return Shop(app, client, users)


@pytest.fixture
def manager(users):
    return users.cooperative()


@pytest.fixture
def coop(shop, manager) -> int:
    """A verified beekeeping cooperative of Souss-Massa, managed by `manager`."""
    return shop.cooperative(manager)
