from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.auth.models import ApiToken, User
from marketplace.dbtypes import utcnow
from marketplace.extensions import db
from tests.conftest import PASSWORD


def register(client, **overrides):
    body = {"email": "salma@example.ma", "password": PASSWORD, "full_name": "Salma Ouali", "role": "buyer"}
    return client.post("/api/v1/auth/register", json={**body, **overrides})


def sign_in(client, email="salma@example.ma", password=PASSWORD, ip="10.1.1.1"):
    return client.post("/api/v1/auth/tokens", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_a_buyer_registers_signs_in_and_sees_themselves(client):
    created = register(client)
    assert created.status_code == 201
    assert created.json["role"] == "buyer" and "password" not in created.json

    token = sign_in(client)
    assert token.status_code == 201
    assert token.json["user"]["email"] == "salma@example.ma"

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json['token']}"})
    assert me.status_code == 200
    assert me.json["id"] == created.json["id"] and me.json["cooperative_ids"] == []


def test_emails_are_case_insensitive_and_unique(client):
    assert register(client).status_code == 201
    again = register(client, email="SALMA@example.ma")
    assert again.status_code == 409
    assert again.json["error"]["code"] == "email_taken"


@pytest.mark.parametrize("field, value", [
    ("role", "admin"), ("role", "superuser"), ("email", "not-an-email"), ("password", "short"),
    ("full_name", ""), ("email", 42), ("password", None),
])
def test_registration_refuses_bad_fields_and_stores_nothing(app, client, field, value):
    response = register(client, **{field: value})
    assert response.status_code == 422
    assert field in response.json["error"]["details"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


def test_registration_refuses_unknown_fields(client):
    response = register(client, is_admin=True)
    assert response.status_code == 422
    assert "is_admin" in response.json["error"]["details"]


def test_passwords_and_tokens_are_stored_only_as_hashes(app, client):
    register(client)
    token = sign_in(client).json["token"]
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.password_hash.startswith("$argon2") and PASSWORD not in user.password_hash
        stored = db.session.scalar(select(ApiToken.token_hash))
        assert stored != token and token not in stored and len(stored) == 64


def test_wrong_password_and_unknown_email_both_get_401(client):
    register(client)
    for email, password in [("salma@example.ma", "wrong password!"), ("nobody@example.ma", PASSWORD)]:
        response = sign_in(client, email, password)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "invalid_credentials"


def test_a_revoked_token_gets_401(client):
    register(client)
    headers = {"Authorization": f"Bearer {sign_in(client).json['token']}"}
    assert client.delete("/api/v1/auth/tokens/current", headers=headers).status_code == 204
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_token"


def test_an_expired_token_gets_401(app, client):
    register(client)
    headers = {"Authorization": f"Bearer {sign_in(client).json['token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.app_context():
        db.session.scalar(select(ApiToken)).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


@pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "Bearer not-a-token", "Token x y"])
def test_me_needs_a_valid_bearer_token(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert set(response.json["error"]) == {"code", "message", "details"}


def test_successful_logins_do_not_count_towards_the_limit(client):
    register(client)
    assert all(sign_in(client).status_code == 201 for _ in range(12))


def test_a_buyer_cannot_read_the_admin_audit_log(client, users):
    buyer = users.buyer()
    response = client.get("/api/v1/admin/audit-log", headers=buyer.headers)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
