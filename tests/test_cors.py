"""Browsers may call the API only from the origins named in CORS_ORIGINS; none by default."""
from __future__ import annotations

import pytest

from marketplace import create_app
from marketplace.cors import allowed_origins

SHOP = "https://souk.ma"


def preflight(client, origin):
    return client.options("/api/v1/products", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})


@pytest.fixture
def cors_client(app):
    configured = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True,
                             "CORS_ORIGINS": f"{SHOP}, https://admin.souk.ma/"})
    return configured.test_client()


def test_no_origin_is_allowed_by_default(client):
    assert "Access-Control-Allow-Origin" not in preflight(client, SHOP).headers
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/categories", headers={"Origin": SHOP}).headers


def test_a_configured_origin_may_call_the_api_with_a_bearer_token(cors_client):
    response = preflight(cors_client, SHOP)
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in response.headers
    listed = cors_client.get("/api/v1/categories", headers={"Origin": "https://admin.souk.ma"})
    assert listed.headers["Access-Control-Allow-Origin"] == "https://admin.souk.ma"


def test_another_origin_gets_no_cors_headers(cors_client):
    assert "Access-Control-Allow-Origin" not in preflight(cors_client, "https://evil.example").headers


def test_the_setting_is_a_comma_separated_list():
    assert allowed_origins("") == []
    assert allowed_origins(" https://a.ma/ ,, https://b.ma") == ["https://a.ma", "https://b.ma"]
