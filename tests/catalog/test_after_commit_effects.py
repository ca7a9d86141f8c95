"""An admin decision is committed once; what its subscribers do afterwards can fail without turning the answer
into a 500 (which a client would retry into a 409 `invalid_transition`). Index failures are queued for
`flask search sync`; files are deleted only once the row is gone, and files stored by a failed use case go."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from catalog import services
from catalog.search import indexing, outbox
from cooperatives.signals import certification_status_changed
from tests.catalog.conftest import API, jpeg


@pytest.fixture
def broken_subscriber():
    """A receiver of certification_status_changed with a bug (not SearchUnavailable)."""
    calls: list[int] = []

    def receiver(certification, **_state):
        calls.append(certification.id)
        raise RuntimeError("subscriber bug")

    certification_status_changed.connect(receiver)
    yield calls
    certification_status_changed.disconnect(receiver)


def audit_states(client, admin, entity_type: str, entity_id: int) -> list[str]:
    response = client.get(f"{API}/admin/audit-log", headers=admin.headers,
                          query_string={"entity_type": entity_type, "entity_id": entity_id})
    return [entry["to_state"] for entry in response.json["items"]]


def test_a_subscriber_that_raises_after_a_certification_decision_leaves_the_committed_200(
        shop, manager, coop, users, client, broken_subscriber):
    admin = users.admin()
    submitted = shop.certification(coop, status="submitted")

    response = client.post(f"{API}/admin/certifications/{submitted}/decision", json={"decision": "verify"},
                           headers=admin.headers)

    assert broken_subscriber == [submitted]
    assert response.status_code == 200, response.json
    assert response.json["status"] == "verified"
    assert audit_states(client, admin, "certifications", submitted) == ["verified"]
    queue = client.get(f"{API}/admin/certifications", query_string={"status": "verified"}, headers=admin.headers)
    assert submitted in [item["id"] for item in queue.json["items"]]


def test_an_index_error_after_a_suspension_answers_200_and_queues_the_products_for_search_sync(
        app, shop, manager, coop, users, client, monkeypatch):
    admin = users.admin()
    product = shop.published(manager, coop, category="jewelry", certify=False)

    def corrupt_index(_backend, _ids):
        raise OSError("index segment unreadable")

    with monkeypatch.context() as patch:
        patch.setattr(indexing, "_write", corrupt_index)
        response = client.post(f"{API}/admin/cooperatives/{coop}/decision",
                               json={"decision": "suspend", "reason": "Audit"}, headers=admin.headers)

    assert response.status_code == 200, response.json
    assert response.json["status"] == "suspended"
    assert audit_states(client, admin, "cooperatives", coop) == ["suspended"]
    with app.app_context():
        assert outbox.pending_updates(10) == [product["id"]]
        assert indexing.check_index().extra == [product["id"]]  # the index still offers the suspended product
        assert indexing.apply_pending() == 1
        assert indexing.check_index().healthy and outbox.count_pending() == 0


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_a_deleted_images_files_go_after_the_commit_even_when_the_index_then_fails(
        app, shop, manager, coop, client, monkeypatch):
    media = Path(app.config["MEDIA_ROOT"])
    product = shop.product(manager, coop, category="pottery")
    image = shop.image(manager, product["id"]).json
    assert files_under(media)

    def late_failure(_product_ids):
        raise RuntimeError("index bug")

    monkeypatch.setattr(indexing, "sync_products", late_failure)
    deleted = client.delete(f"{API}/products/{product['id']}/images/{image['id']}", headers=manager.headers)

    assert deleted.status_code == 204
    assert files_under(media) == []
    with app.app_context():
        assert outbox.pending_updates(10) == [product["id"]]


def test_an_upload_whose_use_case_fails_after_storing_the_files_leaves_no_file(
        app, shop, manager, coop, client, monkeypatch):
    media = Path(app.config["MEDIA_ROOT"])
    product = shop.product(manager, coop, category="pottery")

    def broken(_product_ids):
        raise RuntimeError("bug after the files were written")

    monkeypatch.setattr(services, "notify_products_changed", broken)
    response = client.post(f"{API}/products/{product['id']}/images", headers=manager.headers,
                           data={"file": (io.BytesIO(jpeg()), "photo.jpg")}, content_type="multipart/form-data")

    assert response.status_code == 500
    assert files_under(media) == []
    assert client.get(f"{API}/products/{product['id']}", headers=manager.headers).json["images"] == []
