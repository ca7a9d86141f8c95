"""product_changed is sent after each commit that changes what buyers may find; the certification hook."""
import io
from contextlib import contextmanager
from datetime import date

from catalog.signals import product_changed
from cooperatives.demo import tiny_pdf
from tests.catalog.conftest import API, variant_body


@contextmanager
def recorded():
    calls: list[list[int]] = []

    def receiver(sender, product_ids):
        calls.append(product_ids)

    product_changed.connect(receiver)
    try:
        yield calls
    finally:
        product_changed.disconnect(receiver)


def test_each_catalog_write_announces_the_product_once(shop, manager, coop, client):
    member = shop.member(coop)
    with recorded() as calls:
        product = shop.product(manager, coop, category="pottery")
        pid = product["id"]
        variant_id = product["variants"][0]["id"]
        image = shop.image(manager, pid).json
        shop.image(manager, pid)
        shop.publish(manager, pid)
        client.patch(f"{API}/products/{pid}", json={"name": {"fr": "Plat de Safi"}}, headers=manager.headers)
        client.patch(f"{API}/products/{pid}/variants/{variant_id}", json={"price": {"amount": 9900, "currency": "MAD"}},
                     headers=manager.headers)
        client.post(f"{API}/products/{pid}/variants", json=variant_body(), headers=manager.headers)
        shop.lot(manager, product, member)
        client.delete(f"{API}/products/{pid}/images/{image['id']}", headers=manager.headers)
        client.post(f"{API}/products/{pid}/unpublish", headers=manager.headers)
    assert calls == [[pid]] * 10


def test_a_refused_write_announces_nothing(shop, manager, coop, client):
    product = shop.product(manager, coop)
    with recorded() as calls:
        assert shop.publish(manager, product["id"]).status_code == 409
        assert client.patch(f"{API}/products/{product['id']}", json={"category": "nope"},
                            headers=manager.headers).status_code == 422
        assert shop.image(manager, product["id"], b"not an image").status_code == 415
    assert calls == []


def test_cooperative_and_certification_decisions_announce_the_cooperatives_products(shop, manager, coop, users,
                                                                                       client):
    admin = users.admin()
    first = shop.published(manager, coop, category="jewelry", certify=False)
    second = shop.product(manager, coop, category="honey")
    submitted = shop.certification(coop, status="submitted")
    with recorded() as calls:
        client.post(f"{API}/admin/certifications/{submitted}/decision", json={"decision": "verify"},
                    headers=admin.headers)
        client.post(f"{API}/admin/cooperatives/{coop}/decision", json={"decision": "suspend", "reason": "Audit"},
                    headers=admin.headers)
    assert calls == [sorted([first["id"], second["id"]])] * 2


def submit(client, manager, coop: int, product_ids: str):
    return client.post(f"{API}/cooperatives/{coop}/certifications", headers=manager.headers,
                       content_type="multipart/form-data",
                       data={"kind": "onssa_authorization", "number": "ONSSA.A.2025.77", "issuer": "ONSSA Souss",
                             "issued_on": date(2025, 1, 1).isoformat(), "product_ids": product_ids,
                             "document": (io.BytesIO(tiny_pdf("ONSSA")), "authorisation.pdf")})


def test_a_certification_cannot_cover_another_cooperatives_products(shop, manager, coop, users, client):
    stranger = users.cooperative()
    theirs = shop.product(stranger, shop.cooperative(stranger))
    mine = shop.product(manager, coop)
    response = submit(client, manager, coop, f"{mine['id']},{theirs['id']}")
    assert response.status_code == 422 and "product_ids" in response.json["error"]["details"]
    assert submit(client, manager, coop, str(mine["id"])).status_code == 201
