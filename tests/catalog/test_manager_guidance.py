"""Managers are told why their product cannot be sold, and a pending cooperative can prepare its catalogue."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from cooperatives.models import Certification
from marketplace.extensions import db
from tests.catalog.conftest import API, variant_body


def revoke_certificates(app, cooperative_id):
    with app.app_context():
        for certification in db.session.scalars(select(Certification).where(
                Certification.cooperative_id == cooperative_id)):
            certification.status = "revoked"
        db.session.commit()


def codes(reasons):
    return [reason["code"] for reason in reasons]


def test_a_revoked_certificate_shows_its_reasons_to_the_manager_only(app, shop, manager, coop, client, users):
    product = shop.published(manager, coop, category="honey")
    assert product["sellability_reasons"] == []
    revoke_certificates(app, coop)

    seen = client.get(f"{API}/products/{product['id']}", headers=manager.headers)

    assert seen.status_code == 200
    assert seen.json["status"] == "published" and seen.json["sellable"] is False
    assert codes(seen.json["sellability_reasons"]) == ["certification_required"]
    assert all(reason["message"] for reason in seen.json["sellability_reasons"])
    admin_view = client.get(f"{API}/products/{product['id']}", headers=users.shared_admin().headers).json
    assert codes(admin_view["sellability_reasons"]) == ["certification_required"]
    assert client.get(f"{API}/products/{product['id']}", headers=users.buyer().headers).status_code == 404


def test_a_sellable_product_seen_by_a_buyer_has_no_reasons_field(shop, manager, coop, client, users):
    product = shop.published(manager, coop, category="pottery", certify=False)
    seen = client.get(f"{API}/products/{product['id']}", headers=users.buyer().headers).json
    assert seen["sellable"] is True and "sellability_reasons" not in seen


def test_publishing_an_already_published_unsellable_product_answers_with_the_reasons(app, shop, manager, coop):
    product = shop.published(manager, coop, category="honey")
    revoke_certificates(app, coop)
    with app.app_context():
        from cooperatives.models import Cooperative
        db.session.get(Cooperative, coop).status = "suspended"
        db.session.commit()

    response = shop.publish(manager, product["id"])

    assert response.status_code == 409
    assert response.json["error"]["code"] == "not_sellable"
    assert codes(response.json["error"]["details"]["reasons"]) == ["cooperative_not_verified",
                                                                  "certification_required"]


def test_a_pending_cooperative_prepares_drafts_variants_images_and_lots_but_cannot_publish(shop, manager, client):
    pending = shop.cooperative(manager, status="pending")
    member_id = shop.member(pending)

    product = shop.product(manager, pending, category="pottery")
    assert product["status"] == "draft"
    variant = client.post(f"{API}/products/{product['id']}/variants", json=variant_body(), headers=manager.headers)
    assert variant.status_code == 201, variant.json
    assert shop.image(manager, product["id"]).status_code == 201
    assert shop.lot(manager, product, member_id).status_code == 201

    refused = shop.publish(manager, product["id"])
    assert refused.status_code == 409 and refused.json["error"]["code"] == "publish_requirements_unmet"
    assert codes(refused.json["error"]["details"]["reasons"]) == ["cooperative_not_verified"]
    seen = client.get(f"{API}/products/{product['id']}", headers=manager.headers).json
    assert codes(seen["sellability_reasons"]) == ["not_published", "cooperative_not_verified"]


@pytest.mark.parametrize("status", ["rejected", "suspended"])
def test_a_rejected_or_suspended_cooperative_cannot_add_products(shop, manager, client, status):
    cooperative = shop.cooperative(manager, status=status)
    response = client.post(f"{API}/products", headers=manager.headers, json={
        "cooperative_id": cooperative, "category": "pottery", "name": {"fr": "Tajine"},
        "description": {"fr": "Tajine de Safi."}})
    assert response.status_code == 409 and response.json["error"]["code"] == "cooperative_not_verified"
