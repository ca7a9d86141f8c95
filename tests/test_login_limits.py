"""Failed sign-ins are counted in the database: the limits hold across workers and protect the account's owner."""
from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import create_app
from marketplace.auth import login_limits
from marketplace.clock import now
from tests.conftest import PASSWORD

WRONG = "not the password"
ATTACKER, OWNER_HOME, CARRIER_NAT = "203.0.113.5", "198.51.100.7", "100.64.0.1"


def register(client, email):
    body = {"email": email, "password": PASSWORD, "full_name": "Salma Ouali", "role": "buyer"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201


def sign_in(client, email, password=PASSWORD, ip=ATTACKER):
    return client.post("/api/v1/auth/tokens", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def assert_limited(response, scope):
    assert response.status_code == 429, response.json
    assert response.json["error"]["code"] == "too_many_attempts"
    assert response.json["error"]["details"]["scope"] == scope
    assert int(response.headers["Retry-After"]) == response.json["error"]["details"]["retry_after"] >= 1


@pytest.fixture
def second_worker(app):
    """Another app instance on the same database, as a second gunicorn worker (or server) would be."""
    other = create_app({key: app.config[key] for key in (
        "TESTING", "DATABASE_URL", "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "SEARCH_INDEX_DIR",
        "ARGON2_TIME_COST", "ARGON2_MEMORY_KIB")})
    yield other.test_client()
    with other.app_context():
        from marketplace.extensions import db
        db.session.remove()
        db.engine.dispose()


def test_the_eleventh_bad_login_from_one_address_is_refused_across_two_workers(client, second_worker):
    register(client, "salma@example.ma")
    register(client, "karim@example.ma")
    workers = [client, second_worker]
    statuses = [sign_in(workers[i % 2], "salma@example.ma", WRONG, ip=CARRIER_NAT).status_code for i in range(10)]
    assert statuses == [401] * 10

    for worker in workers:
        assert_limited(sign_in(worker, "salma@example.ma", WRONG, ip=CARRIER_NAT), "account_and_address")
        # the right password from that address waits too: no more guesses from there this minute
        assert_limited(sign_in(worker, "salma@example.ma", ip=CARRIER_NAT), "account_and_address")
    # another user behind the same carrier address still signs in, and so does the owner from elsewhere
    assert sign_in(second_worker, "karim@example.ma", ip=CARRIER_NAT).status_code == 201
    assert sign_in(client, "salma@example.ma", ip=OWNER_HOME).status_code == 201


def test_an_attacker_cannot_lock_the_owner_out_from_elsewhere(client):
    register(client, "salma@example.ma")
    for _ in range(10):
        assert sign_in(client, "salma@example.ma", WRONG, ip=ATTACKER).status_code == 401
    assert_limited(sign_in(client, "salma@example.ma", WRONG, ip=ATTACKER), "account_and_address")
    assert sign_in(client, "salma@example.ma", ip=OWNER_HOME).status_code == 201


def test_the_limit_of_an_account_and_address_lifts_after_a_minute(client, monkeypatch):
    register(client, "salma@example.ma")
    for _ in range(10):
        assert sign_in(client, "salma@example.ma", WRONG).status_code == 401
    assert_limited(sign_in(client, "salma@example.ma"), "account_and_address")
    later = now() + timedelta(seconds=61)
    monkeypatch.setattr(login_limits, "now", lambda: later)
    assert sign_in(client, "salma@example.ma").status_code == 201


def test_a_success_forgets_the_failures_from_that_address(client):
    register(client, "salma@example.ma")
    for _ in range(9):
        assert sign_in(client, "salma@example.ma", WRONG).status_code == 401
    assert sign_in(client, "salma@example.ma").status_code == 201
    assert [sign_in(client, "salma@example.ma", WRONG).status_code for _ in range(10)] == [401] * 10


def test_one_address_has_a_ceiling_over_all_accounts(app, client):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 25
    for i in range(25):
        assert sign_in(client, f"guess{i}@example.ma", WRONG, ip=CARRIER_NAT).status_code == 401
    assert_limited(sign_in(client, "guess99@example.ma", WRONG, ip=CARRIER_NAT), "address")
    assert sign_in(client, "guess99@example.ma", WRONG, ip=OWNER_HOME).status_code == 401


def test_one_account_from_many_addresses_meets_growing_delays(app, client, monkeypatch):
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = 20
    register(client, "salma@example.ma")
    for i in range(20):
        assert sign_in(client, "salma@example.ma", WRONG, ip=f"192.0.2.{i}").status_code == 401
    start = now()
    clock = {"now": start}
    monkeypatch.setattr(login_limits, "now", lambda: clock["now"])

    def attempt(password=WRONG):
        return sign_in(client, "salma@example.ma", password, ip="192.0.2.200")

    assert_limited(attempt(), "account")  # 20 failures: wait 2^0 = 1 s after the latest
    for delay in (1, 2, 4, 8):
        clock["now"] += timedelta(seconds=delay)
        assert attempt().status_code == 401  # counted: the next wait doubles
        clock["now"] += timedelta(seconds=delay)
        response = attempt()
        assert_limited(response, "account")
        assert response.json["error"]["details"]["retry_after"] == delay  # 2 × delay after the failure
    clock["now"] += timedelta(seconds=16)
    assert attempt(PASSWORD).status_code == 201
