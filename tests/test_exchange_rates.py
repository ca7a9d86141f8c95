import pytest


def test_an_admin_sets_rates_and_anyone_reads_them(client, users):
    admin = users.admin()
    body = {"rates": {"EUR": "0.0921", "USD": "0.0998", "XOF": "60.41", "XAF": "60.41"}}
    response = client.put("/api/v1/admin/exchange-rates", json=body, headers=admin.headers)
    assert response.status_code == 200
    assert response.json == body
    assert client.get("/api/v1/exchange-rates").json == body
    assert client.get("/api/v1/admin/exchange-rates", headers=admin.headers).json == body


def test_rates_not_named_keep_their_value(client, users):
    admin = users.admin()
    client.put("/api/v1/admin/exchange-rates", json={"rates": {"EUR": "0.0921"}}, headers=admin.headers)
    client.put("/api/v1/admin/exchange-rates", json={"rates": {"USD": "0.1"}}, headers=admin.headers)
    assert client.get("/api/v1/exchange-rates").json["rates"] == {"EUR": "0.0921", "USD": "0.1"}


@pytest.mark.parametrize("rates", [
    {"EUR": "abc"}, {"EUR": "-1"}, {"EUR": "0"}, {"GBP": "1.2"}, {"MAD": "1"}, {"EUR": "NaN"},
    {"EUR": "Infinity"}, {"EUR": "1e9"}, {"EUR": 0.0921}, {}, {"EUR": "0.123456789"},
])
def test_bad_rates_are_refused_and_change_nothing(client, users, rates):
    admin = users.admin()
    client.put("/api/v1/admin/exchange-rates", json={"rates": {"EUR": "0.0921"}}, headers=admin.headers)
    response = client.put("/api/v1/admin/exchange-rates", json={"rates": rates}, headers=admin.headers)
    assert response.status_code == 422
    assert "rates" in response.json["error"]["details"]
    assert client.get("/api/v1/exchange-rates").json["rates"] == {"EUR": "0.0921"}


@pytest.mark.parametrize("role", ["buyer", "cooperative"])
def test_only_admins_set_rates(client, users, role):
    account = users.new(role)
    response = client.put("/api/v1/admin/exchange-rates", json={"rates": {"EUR": "1"}}, headers=account.headers)
    assert response.status_code == 403
    assert client.put("/api/v1/admin/exchange-rates", json={"rates": {"EUR": "1"}}).status_code == 401
