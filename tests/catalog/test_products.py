"""Creating and editing products: who may, and bad input that changes nothing."""
import pytest
from sqlalchemy import func, select

from catalog.models import Product, ProductVariant
from marketplace.audit import AuditEntry
from marketplace.extensions import db
from tests.catalog.conftest import API, variant_body


def product_count(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count(Product.id))),
                db.session.scalar(select(func.count(ProductVariant.id))))


def body(coop: int, **overrides) -> dict:
    return {"cooperative_id": coop, "category": "honey", "name": {"fr": "Miel d'euphorbe", "ar": "عسل الدغموس"},
            "description": {"fr": "Récolté dans le Souss.", "en": "Harvested in the Souss."},
            "origin_region": "souss-massa", "variants": [variant_body("EUPH-250", amount=9500)], **overrides}


def test_a_manager_of_a_verified_cooperative_creates_a_draft_with_the_api_shape(shop, manager, coop, client):
    response = client.post(f"{API}/products", json=body(coop), headers={**manager.headers, "Accept-Language": "ar"})

    assert response.status_code == 201, response.json
    product = response.json
    assert set(product) == {"id", "cooperative", "category", "name", "description", "display_name",
                            "origin_region", "status", "sellable", "sellability_reasons", "variants", "images",
                            "certifications", "created_at", "updated_at"}
    assert product["cooperative"] == {"id": coop, "name": product["cooperative"]["name"], "region": "souss-massa"}
    assert product["category"] == "honey" and product["status"] == "draft" and product["sellable"] is False
    assert product["display_name"] == "عسل الدغموس"
    assert product["variants"] == [{"id": product["variants"][0]["id"], "sku": "EUPH-250", "label": "500 g",
                                    "weight_grams": 500, "price": {"amount": 9500, "currency": "MAD"},
                                    "stock_available": 0}]
    with shop.app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "products"))
    assert (entry.from_state, entry.to_state, entry.actor_id) == (None, "draft", manager.id)


def test_the_origin_region_defaults_to_the_cooperatives_region(shop, manager, client):
    coop = shop.cooperative(manager, region="draa-tafilalet")
    payload = body(coop)
    del payload["origin_region"]
    assert client.post(f"{API}/products", json=payload, headers=manager.headers).json["origin_region"] == \
        "draa-tafilalet"


@pytest.mark.parametrize("status", ["rejected", "suspended"])
def test_a_cooperative_that_is_rejected_or_suspended_cannot_create_products(shop, manager, client, status):
    coop = shop.cooperative(manager, status=status)
    response = client.post(f"{API}/products", json=body(coop), headers=manager.headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "cooperative_not_verified"
    assert product_count(shop.app) == (0, 0)


def test_a_manager_cannot_create_products_for_someone_elses_cooperative(shop, manager, users, client):
    theirs = shop.cooperative(users.cooperative())
    response = client.post(f"{API}/products", json=body(theirs), headers=manager.headers)
    assert response.status_code == 422 and "cooperative_id" in response.json["error"]["details"]


@pytest.mark.parametrize("role", ["buyer", "admin"])
def test_only_cooperative_users_may_create_products(shop, coop, users, client, role):
    response = client.post(f"{API}/products", json=body(coop), headers=users.new(role).headers)
    assert response.status_code == 403
    assert client.post(f"{API}/products", json=body(coop)).status_code == 401


def with_variant(**changes) -> dict:
    return {"variants": [{**variant_body("V-1"), **changes}]}


@pytest.mark.parametrize("overrides, field", [
    ({"cooperative_id": "1"}, "cooperative_id"),
    ({"category": "weapons"}, "category"),
    ({"category": "food"}, "category"),
    ({"name": {"en": "English only"}}, "name"),
    ({"name": "Miel"}, "name"),
    ({"name": {"fr": "x" * 201}}, "name"),
    ({"description": {"fr": "ok", "de": "nein"}}, "description"),
    ({"origin_region": "andalucia"}, "origin_region"),
    ({"status": "published"}, "status"),
    ({"price": 100}, "price"),
    (with_variant(price={"amount": -100, "currency": "MAD"}), "variants"),
    (with_variant(price={"amount": 0, "currency": "MAD"}), "variants"),
    (with_variant(price={"amount": 10**12, "currency": "MAD"}), "variants"),
    (with_variant(price={"amount": 120.5, "currency": "MAD"}), "variants"),
    (with_variant(price={"amount": "12050", "currency": "MAD"}), "variants"),
    (with_variant(price={"amount": True, "currency": "MAD"}), "variants"),
    (with_variant(price={"amount": 12050, "currency": "EUR"}), "variants"),
    (with_variant(price={"amount": 12050}), "variants"),
    (with_variant(weight_grams=0), "variants"),
    (with_variant(weight_grams=12.5), "variants"),
    (with_variant(sku="has space"), "variants"),
    (with_variant(colour="gold"), "variants"),
    ({"variants": [variant_body("TWIN"), variant_body("TWIN")]}, "variants"),
])
def test_bad_product_input_is_a_422_naming_the_field_and_changes_nothing(shop, manager, coop, client, overrides,
                                                                        field):
    response = client.post(f"{API}/products", json=body(coop, **overrides), headers=manager.headers)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]
    assert product_count(shop.app) == (0, 0)


def test_a_sku_already_used_is_a_409_and_nothing_is_created(shop, manager, coop, client):
    shop.product(manager, coop, variants=[variant_body("ARGAN-250")])
    response = client.post(f"{API}/products", json=body(coop, variants=[variant_body("ARGAN-250")]),
                           headers=manager.headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "duplicate_sku"
    assert product_count(shop.app) == (1, 1)


def test_malformed_json_and_other_media_types_are_refused(manager, coop, client):
    malformed = client.post(f"{API}/products", data="{", content_type="application/json", headers=manager.headers)
    as_text = client.post(f"{API}/products", data="name=miel", content_type="text/plain", headers=manager.headers)
    assert (malformed.status_code, as_text.status_code) == (400, 415)


def test_a_manager_edits_texts_category_and_region(shop, manager, coop, client):
    product = shop.product(manager, coop)
    response = client.patch(f"{API}/products/{product['id']}", headers=manager.headers, json={
        "name": {"fr": "Miel de thym sauvage"}, "category": "amlou", "origin_region": "marrakech-safi"})
    assert response.status_code == 200, response.json
    assert (response.json["name"], response.json["category"], response.json["origin_region"]) == \
        ({"fr": "Miel de thym sauvage"}, "amlou", "marrakech-safi")
    assert response.json["updated_at"] >= product["updated_at"]


@pytest.mark.parametrize("changes", [{"status": "published"}, {"cooperative_id": 2}, {"name": {}},
                                     {"category": "nope"}, {"origin_region": None}])
def test_bad_edits_are_refused_and_change_nothing(shop, manager, coop, client, changes):
    product = shop.product(manager, coop)
    response = client.patch(f"{API}/products/{product['id']}", json=changes, headers=manager.headers)
    assert response.status_code == 422
    after = client.get(f"{API}/products/{product['id']}", headers=manager.headers).json
    assert after == product


@pytest.mark.parametrize("method, path, payload", [
    ("patch", "", {"name": {"fr": "Volé"}}),
    ("post", "/publish", None),
    ("post", "/unpublish", None),
    ("post", "/variants", variant_body("STOLEN-1")),
    ("get", "", None),
])
def test_other_cooperatives_managers_get_404_on_your_product(shop, manager, coop, users, client, method, path,
                                                             payload):
    product = shop.product(manager, coop)
    intruder = users.cooperative()
    shop.cooperative(intruder)
    response = getattr(client, method)(f"{API}/products/{product['id']}{path}", json=payload,
                                       headers=intruder.headers)
    assert response.status_code == 404
    assert client.get(f"{API}/products/{product['id']}", headers=manager.headers).json == product


@pytest.mark.parametrize("role", ["buyer", "admin"])
def test_editing_is_for_cooperative_users_only(shop, manager, coop, users, client, role):
    product = shop.product(manager, coop)
    response = client.patch(f"{API}/products/{product['id']}", json={"name": {"fr": "X"}},
                            headers=users.new(role).headers)
    assert response.status_code == 403


def test_drafts_are_visible_to_their_managers_and_admins_only(shop, manager, coop, users, client):
    product = shop.product(manager, coop)
    path = f"{API}/products/{product['id']}"
    assert client.get(path).status_code == 404
    assert client.get(path, headers=users.buyer().headers).status_code == 404
    assert client.get(path, headers=users.admin().headers).status_code == 200
    assert client.get(path, headers=manager.headers).status_code == 200
    assert client.get(f"{API}/products/999999").status_code == 404


def test_unpublishing_hides_the_product_and_it_can_be_published_again(shop, manager, coop, client):
    product = shop.published(manager, coop, category="pottery", certify=False)
    unpublished = client.post(f"{API}/products/{product['id']}/unpublish", headers=manager.headers)
    assert unpublished.status_code == 200 and unpublished.json["status"] == "unpublished"
    assert product["id"] not in shop.listed_ids()
    assert client.post(f"{API}/products/{product['id']}/unpublish", headers=manager.headers).json["error"][
        "code"] == "invalid_transition"
    assert shop.publish(manager, product["id"]).json["status"] == "published"
    assert shop.publish(manager, product["id"]).json["error"]["code"] == "invalid_transition"
    assert product["id"] in shop.listed_ids()


def test_unpublishing_a_draft_is_an_invalid_transition(shop, manager, coop, client):
    product = shop.product(manager, coop)
    response = client.post(f"{API}/products/{product['id']}/unpublish", headers=manager.headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "invalid_transition"
