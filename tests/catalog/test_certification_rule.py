"""Publishing, and the food-safety rule: food is sellable only while a valid ONSSA certification covers it."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog import sellability
from catalog.models import Product
from catalog.presentation import load_views
from catalog.sellability import sellable_clause, sellability_reasons
from marketplace.clock import now, today
from marketplace.extensions import db
from tests.catalog.conftest import API


def reason_codes(response) -> list[str]:
    return sorted(reason["code"] for reason in response.json["error"]["details"]["reasons"])


def visible_to_public(shop, product_id: int) -> bool:
    detail = shop.client.get(f"{API}/products/{product_id}")
    listed = product_id in shop.listed_ids()
    assert (detail.status_code == 200) == listed, "the listing and the detail disagree"
    return listed


def test_a_honey_product_is_published_only_with_an_image_and_a_valid_onssa_certification(shop, manager, coop):
    product = shop.product(manager, coop, category="honey")
    assert product["status"] == "draft" and product["sellable"] is False

    refused = shop.publish(manager, product["id"])
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "publish_requirements_unmet"
    assert reason_codes(refused) == ["certification_required", "no_image"]
    assert shop.client.get(f"{API}/products/{product['id']}", headers=manager.headers).json["status"] == "draft"

    assert shop.image(manager, product["id"]).status_code == 201
    assert reason_codes(shop.publish(manager, product["id"])) == ["certification_required"]

    shop.certification(coop, kind="onssa_authorization")
    published = shop.publish(manager, product["id"])
    assert published.status_code == 200, published.json
    assert published.json["status"] == "published" and published.json["sellable"] is True
    assert published.json["certifications"][0]["kind"] == "onssa_authorization"
    assert visible_to_public(shop, product["id"])


def test_every_unmet_requirement_is_listed_at_once(shop, manager):
    pending = shop.cooperative(manager, status="verified")
    product = shop.product(manager, pending, category="honey", variants=0)
    with shop.app.app_context():
        db.session.get(Product, product["id"]).cooperative.status = "suspended"
        db.session.commit()

    refused = shop.publish(manager, product["id"])

    assert reason_codes(refused) == ["certification_required", "cooperative_not_verified", "no_image", "no_variant"]


def test_a_cosmetic_argan_oil_needs_no_onssa_certification(shop, manager, coop):
    product = shop.published(manager, coop, category="argan-cosmetics", certify=False)
    assert product["sellable"] is True


@pytest.mark.parametrize("kind", ["organic", "igp", "label_agricole"])
def test_a_quality_label_is_not_a_food_safety_certification(shop, manager, coop, kind):
    product = shop.product(manager, coop, category="amlou")
    shop.image(manager, product["id"])
    shop.certification(coop, kind=kind)
    assert reason_codes(shop.publish(manager, product["id"])) == ["certification_required"]


@pytest.mark.parametrize("status", ["submitted", "rejected", "revoked"])
def test_a_certification_that_is_not_verified_does_not_count(shop, manager, coop, status):
    product = shop.product(manager, coop, category="honey")
    shop.image(manager, product["id"])
    shop.certification(coop, status=status)
    assert reason_codes(shop.publish(manager, product["id"])) == ["certification_required"]


def test_a_certification_listing_other_products_does_not_cover_this_one(shop, manager, coop):
    covered = shop.published(manager, coop, category="honey")
    other = shop.product(manager, coop, category="honey")
    shop.image(manager, other["id"])
    assert reason_codes(shop.publish(manager, other["id"])) == ["certification_required"]
    assert covered["sellable"] is True


def test_another_cooperatives_certification_does_not_cover_our_products(shop, manager, coop, users):
    stranger = shop.cooperative(users.cooperative())
    shop.certification(stranger)
    product = shop.product(manager, coop, category="honey")
    shop.image(manager, product["id"])
    assert reason_codes(shop.publish(manager, product["id"])) == ["certification_required"]


def test_a_certificate_expiring_today_still_counts_and_one_expired_yesterday_does_not(shop, manager, coop):
    fresh = shop.product(manager, coop, category="honey")
    stale = shop.product(manager, coop, category="honey")
    for product in (fresh, stale):
        shop.image(manager, product["id"])
    shop.certification(coop, expires_on=today(), product_ids=(fresh["id"],))
    shop.certification(coop, expires_on=today() - timedelta(days=1), product_ids=(stale["id"],))

    assert shop.publish(manager, fresh["id"]).status_code == 200
    assert reason_codes(shop.publish(manager, stale["id"])) == ["certification_required"]


def test_the_day_after_its_certificate_expires_a_product_leaves_the_shop_but_not_its_managers_view(
        shop, manager, coop, users, time_machine):
    product = shop.product(manager, coop, category="honey")
    shop.image(manager, product["id"])
    shop.certification(coop, expires_on=today())
    assert shop.publish(manager, product["id"]).status_code == 200
    assert visible_to_public(shop, product["id"])

    time_machine.move_to(now() + timedelta(days=1))

    assert not visible_to_public(shop, product["id"])
    assert shop.client.get(f"{API}/products/{product['id']}", headers=users.buyer().headers).status_code == 404
    seen = shop.client.get(f"{API}/products/{product['id']}", headers=manager.headers).json
    assert seen["status"] == "published" and seen["sellable"] is False
    assert [c["status"] for c in seen["certifications"]] == ["expired"]
    assert product["id"] in shop.listed_ids(manager.headers, include_unsellable="true")
    assert product["id"] in shop.listed_ids(users.admin().headers, include_unsellable="true")


def test_revoking_the_certificate_delists_the_product_and_a_new_verified_one_brings_it_back(
        shop, manager, coop, users):
    admin = users.admin()
    product = shop.product(manager, coop, category="honey")
    shop.image(manager, product["id"])
    first = shop.certification(coop)
    shop.publish(manager, product["id"])
    assert visible_to_public(shop, product["id"])

    revoked = shop.client.post(f"{API}/admin/certifications/{first}/decision", headers=admin.headers,
                               json={"decision": "revoke", "reason": "Inspection failed"})
    assert revoked.status_code == 200, revoked.json
    assert not visible_to_public(shop, product["id"])

    second = shop.certification(coop, status="submitted")
    assert shop.client.post(f"{API}/admin/certifications/{second}/decision", headers=admin.headers,
                            json={"decision": "verify"}).status_code == 200
    assert visible_to_public(shop, product["id"])


def test_suspending_the_cooperative_delists_its_products_and_reinstating_it_brings_them_back(
        shop, manager, coop, users):
    admin = users.admin()
    food = shop.published(manager, coop, category="honey")
    craft = shop.published(manager, coop, category="pottery", certify=False)

    def decide(decision):
        response = shop.client.post(f"{API}/admin/cooperatives/{coop}/decision", headers=admin.headers,
                                    json={"decision": decision, "reason": "Audit"})
        assert response.status_code == 200, response.json

    decide("suspend")
    assert not any(visible_to_public(shop, p["id"]) for p in (food, craft))
    decide("reinstate")
    assert all(visible_to_public(shop, p["id"]) for p in (food, craft))


def test_the_sql_rule_the_python_rule_and_the_read_model_agree_on_every_product(shop, manager, coop, users):
    other_manager = users.cooperative()
    suspended = shop.cooperative(other_manager)
    products = [
        shop.published(manager, coop, category="honey"),
        shop.published(manager, coop, category="jewelry", certify=False),
        shop.product(manager, coop, category="olive-oil"),
        shop.published(other_manager, suspended, category="spices-saffron"),
        shop.published(other_manager, suspended, category="rugs-weaving", certify=False),
    ]
    expiring = shop.product(manager, coop, category="dates-dried-fruit")
    shop.image(manager, expiring["id"])
    shop.certification(coop, expires_on=today(), product_ids=(expiring["id"],))
    shop.publish(manager, expiring["id"])
    with shop.app.app_context():
        db.session.get(Product, products[3]["id"]).cooperative.status = "suspended"
        db.session.commit()

    sellable_on = {}
    for day in (today(), today() + timedelta(days=1)):
        with shop.app.app_context():
            in_sql = set(db.session.scalars(select(Product.id).where(sellable_clause(day))))
            in_python = {p.id for p in db.session.scalars(select(Product)) if not sellability_reasons(p, day)}
            all_ids = db.session.scalars(select(Product.id)).all()
            in_read_model = {view.id for view in load_views(all_ids, day).values() if view.sellable}
        assert in_sql == in_python == in_read_model, day
        sellable_on[day] = in_sql
    honey, jewelry = products[0]["id"], products[1]["id"]
    assert sellable_on == {today(): {honey, jewelry, expiring["id"]}, today() + timedelta(days=1): {honey, jewelry}}


def test_the_cart_check_names_a_missing_certificate_and_otherwise_says_not_sellable(shop, manager, coop):
    honey = shop.product(manager, coop, category="honey")
    shop.image(manager, honey["id"])
    shop.certification(coop, expires_on=today())
    shop.publish(manager, honey["id"])
    draft = shop.product(manager, coop, category="pottery")
    tomorrow = today() + timedelta(days=1)
    with shop.app.app_context():
        product, unpublished = db.session.get(Product, honey["id"]), db.session.get(Product, draft["id"])
        assert sellability.is_sellable(product) and not sellability.is_sellable(product, tomorrow)
        sellability.ensure_sellable(product)
        with pytest.raises(sellability.NotSellable) as expired:
            sellability.ensure_sellable(product, tomorrow)
        with pytest.raises(sellability.NotSellable) as not_published:
            sellability.ensure_sellable(unpublished)
    assert (expired.value.status, expired.value.code) == (409, "certification_required")
    assert not_published.value.code == "not_sellable"
    assert [r["code"] for r in not_published.value.details["reasons"]] == ["not_published"]
