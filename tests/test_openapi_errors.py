"""The OpenAPI document tells the truth about errors: every documented error response is the real
{"error": {code, message, details}} shape, 409 is listed where services refuse with it, and real error
responses of several routes validate against what the document says for their status."""
from __future__ import annotations

import pytest
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator, validate

from tests.cooperatives.conftest import cooperative_body

API = "/api/v1"


@pytest.fixture
def spec(client):
    return client.get(f"{API}/openapi.json").json


def documented_error_schema(spec: dict, path: str, method: str, status: int) -> dict:
    """The schema the document gives for `status` on this operation (its own entry, else `default`)."""
    responses = spec["paths"][path][method]["responses"]
    response = responses.get(str(status), responses["default"])
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return {**response["content"]["application/json"]["schema"], "components": spec["components"]}


def assert_documented(spec: dict, path: str, method: str, response) -> None:
    validate(response.json, documented_error_schema(spec, path, method, response.status_code), cls=OAS30Validator)


def test_every_documented_error_response_is_the_error_envelope(spec):
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status in operation["responses"]:
                if status == "default" or status.startswith(("4", "5")):
                    schema = documented_error_schema(spec, path, method, int(status) if status.isdigit() else 0)
                    assert schema["$ref"] == "#/components/schemas/Error", (method, path, status)
                    checked += 1
    assert checked > 80
    assert spec["components"]["schemas"]["ErrorBody"]["required"] == ["code", "details", "message"]


@pytest.mark.parametrize("method, path", [
    ("post", "/api/v1/auth/register"), ("post", "/api/v1/cooperatives"), ("post", "/api/v1/products"),
    ("post", "/api/v1/products/{product_id}/publish"), ("delete", "/api/v1/products/{product_id}/variants/{variant_id}"),
    ("post", "/api/v1/admin/cooperatives/{cooperative_id}/decision"),
    ("post", "/api/v1/admin/certifications/{certification_id}/decision"),
])
def test_409_is_listed_where_services_refuse_with_it(spec, method, path):
    assert "409" in spec["paths"][path][method]["responses"]


def test_real_error_responses_match_the_document(client, users, spec):
    admin, manager = users.admin(), users.cooperative()
    register = "/api/v1/auth/register"
    body = {"email": manager.email, "password": "long enough password", "full_name": "X", "role": "buyer"}

    responses = [
        ("post", register, client.post(register, json={"email": "not an email"}), 422),
        ("post", register, client.post(register, json=body), 409),
        ("get", "/api/v1/me", client.get(f"{API}/me"), 401),
        ("get", "/api/v1/products/{product_id}", client.get(f"{API}/products/999999"), 404),
        ("put", "/api/v1/admin/exchange-rates",
         client.put(f"{API}/admin/exchange-rates", json={"rates": {"EUR": "-1"}}, headers=admin.headers), 422),
        ("get", "/api/v1/admin/exchange-rates", client.get(f"{API}/admin/exchange-rates", headers=manager.headers),
         403),
    ]
    cooperative = client.post(f"{API}/cooperatives", json=cooperative_body(), headers=manager.headers).json
    decision = f"{API}/admin/cooperatives/{cooperative['id']}/decision"
    assert client.post(decision, json={"decision": "verify"}, headers=admin.headers).status_code == 200
    responses.append(("post", "/api/v1/admin/cooperatives/{cooperative_id}/decision",
                      client.post(decision, json={"decision": "verify"}, headers=admin.headers), 409))
    responses.append(("post", "/api/v1/products",
                      client.post(f"{API}/products", data="{", content_type="application/json",
                                  headers=manager.headers), 400))

    for method, path, response, status in responses:
        assert response.status_code == status, (path, response.json)
        assert_documented(spec, path, method, response)


def test_the_old_smorest_error_shape_would_not_validate(spec):
    with pytest.raises(ValidationError):
        validate({"code": 404, "status": "Not Found", "message": "x"},
                 documented_error_schema(spec, "/api/v1/me", "get", 404), cls=OAS30Validator)
