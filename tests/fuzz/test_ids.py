"""No id, however large, reaches the database as a value it cannot hold: 404 in a path, 422 in a body or query."""
from __future__ import annotations

import io

import pytest
from werkzeug.routing import IntegerConverter

from marketplace.ids import MAX_ID, IdConverter
from tests.catalog.conftest import API

HUGE = (2**63, 2**64, 10**20, 10**40)


def assert_error(response, status: int, code: str):
    assert response.status_code == status, (response.request.path, response.status_code, response.get_data(True))
    body = response.json
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code


def id_routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every route with an integer segment."""
    routes = []
    for rule in app.url_map.iter_rules():
        if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values()):
            routes += [(method, rule.rule) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def fill(rule: str, value: int) -> str:
    import re
    return re.sub(r"<int:[a-z_]+>", str(value), rule)


def test_every_integer_path_segment_is_an_id(app):
    routes = id_routes(app)
    assert len(routes) >= 20
    for rule in app.url_map.iter_rules():
        for converter in rule._converters.values():
            if isinstance(converter, IntegerConverter):
                assert type(converter) is IdConverter, rule.rule
                assert (converter.min, converter.max) == (1, MAX_ID)


@pytest.mark.parametrize("who", ["anonymous", "admin", "manager"])
def test_huge_path_ids_are_404_on_every_route(app, client, world, who):
    headers = {} if who == "anonymous" else getattr(world, who).headers
    for method, rule in id_routes(app):
        for value in HUGE:
            response = client.open(fill(rule, value), method=method, headers=headers, json={})
            assert_error(response, 404, "not_found")


def test_the_largest_id_is_an_ordinary_missing_resource(app, client, world):
    for method, rule in id_routes(app):
        response = client.open(fill(rule, MAX_ID), method=method, headers=world.admin.headers, json={})
        assert response.status_code < 500, (method, rule, response.json)
        assert response.json is None or set(response.json) == {"error"}, (method, rule)


def test_a_real_id_with_a_huge_neighbour_is_404(client, world):
    product_id = world.product["id"]
    response = client.patch(f"{API}/products/{product_id}/variants/{10**20}", json={"label": "1 kg"},
                            headers=world.manager.headers)
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("value", [2**63, 10**20, 0, -1])
def test_huge_body_and_query_ids_are_422(client, world, value):
    manager, admin = world.manager.headers, world.admin.headers
    product, variant_id = world.product, world.product["variants"][0]["id"]
    cases = [
        ("POST", f"{API}/cooperatives/{world.cooperative_id}/union", {"json": {"union_id": value}}, manager,
         "union_id"),
        ("POST", f"{API}/products", {"json": {"cooperative_id": value, "category": "honey", "name": {"fr": "Miel"},
                                              "description": {"fr": "Miel."}}}, manager, "cooperative_id"),
        ("POST", f"{API}/products/{product['id']}/variants/{variant_id}/lots",
         {"json": {"lot_code": "L-1", "quantity": 1, "member_id": value, "produced_on": "2025-01-01",
                   "best_before": "2027-01-01"}}, manager, "member_id"),
        ("GET", f"{API}/products", {"query_string": {"cooperative_id": str(value)}}, {}, "cooperative_id"),
        ("GET", f"{API}/search", {"query_string": {"q": "miel", "cooperative_id": str(value)}}, {}, "cooperative_id"),
        ("GET", f"{API}/admin/audit-log", {"query_string": {"entity_id": str(value)}}, admin, "entity_id"),
        ("POST", f"{API}/cooperatives/{world.cooperative_id}/certifications",
         {"data": {"kind": "organic", "number": "ORG-2024-1", "issuer": "Ecocert", "issued_on": "2024-01-01",
                   "product_ids": f"{product['id']},{value}",
                   "document": (io.BytesIO(b"%PDF-1.4\n"), "c.pdf", "application/pdf")},
          "content_type": "multipart/form-data"}, manager, "product_ids"),
    ]
    for method, url, kwargs, headers, field in cases:
        response = client.open(url, method=method, headers=headers, **kwargs)
        assert_error(response, 422, "validation_error")
        assert field in response.json["error"]["details"], (url, response.json)
