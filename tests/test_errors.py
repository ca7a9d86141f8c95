import pytest

from marketplace import create_app


def test_malformed_json_is_a_400(client):
    response = client.post("/api/v1/auth/register", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed_json"


def test_an_unknown_route_is_a_404_in_the_error_shape(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json == {"error": {"code": "not_found", "message": "No such resource.", "details": {}}}


def test_a_wrong_method_is_a_405_with_allow(client):
    response = client.put("/api/v1/me")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_validation_errors_are_422_with_messages_per_field(client):
    response = client.post("/api/v1/auth/register", json={"email": "x", "role": "buyer"})
    assert response.status_code == 422
    details = response.json["error"]["details"]
    assert details["email"] and details["password"] and details["full_name"]
    assert "role" not in details


def test_a_json_array_instead_of_an_object_is_a_422(client):
    response = client.post("/api/v1/auth/register", json=[1, 2])
    assert response.status_code == 422


def test_a_body_that_is_neither_json_nor_multipart_is_a_415(client):
    response = client.post("/api/v1/auth/register", data="email=a", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_media_type"


def test_a_body_over_the_limit_is_a_413(app_config, client):
    app_config(MAX_CONTENT_LENGTH=1024)
    response = client.post("/api/v1/auth/register", data="x" * 2048, content_type="application/json")
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


@pytest.fixture
def failing_app(database_url, _tables):
    app = create_app({"DATABASE_URL": database_url})

    @app.get("/api/v1/_boom")
    def boom():
        raise RuntimeError("secret detail: password=hunter2")

    return app


def test_an_unexpected_error_is_a_500_in_the_same_shape_without_a_traceback(failing_app):
    response = failing_app.test_client().get("/api/v1/_boom")
    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_error"
    body = response.get_data(as_text=True)
    assert "hunter2" not in body and "Traceback" not in body


def test_the_openapi_document_describes_the_api(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/auth/tokens" in spec["paths"] and "/api/v1/me" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_swagger_ui_is_served_from_local_assets(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/api/docs/assets/swagger-ui-bundle.js" in page and "//" not in page.split("swagger-ui-bundle.js")[0][-40:]
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000


@pytest.mark.parametrize("path", ["/api/v1/search?q=mi%00el", "/api/v1/search/suggest?q=%00",
                                  "/api/v1/cooperatives?q=a%00b"])
def test_a_nul_character_never_causes_a_500(client, path):
    assert client.get(path).status_code in (200, 422)


def test_a_nul_character_in_a_json_body_never_causes_a_500(client):
    response = client.post("/api/v1/auth/register", json={"email": "a@b.ma", "password": "long enough\x00pw",
                                                          "full_name": "A\x00", "role": "buyer"})
    assert response.status_code in (201, 422)
