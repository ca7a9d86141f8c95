"""Error codes live in each package's errors.py as StrEnums; a constraint that catches what no check saw is a 409,
logged with the constraint's name."""
from __future__ import annotations

import logging
from enum import StrEnum

from catalog.errors import CatalogError
from cooperatives import services as cooperative_services
from cooperatives.errors import CooperativeError
from marketplace.errors import MarketplaceError
from tests.cooperatives.conftest import cooperative_body

API = "/api/v1"


def test_every_package_declares_its_codes_once_as_a_str_enum():
    packages = (MarketplaceError, CooperativeError, CatalogError)
    assert all(issubclass(codes, StrEnum) for codes in packages)
    values = [code.value for codes in packages for code in codes]
    assert len(values) == len(set(values)), "a code is declared by two packages"


def test_a_duplicate_no_check_caught_is_a_409_logged_with_its_constraint(client, users, monkeypatch, caplog):
    manager = users.cooperative()
    body = cooperative_body()
    assert client.post(f"{API}/cooperatives", json=body, headers=manager.headers).status_code == 201
    monkeypatch.setattr(cooperative_services, "_ensure_ice_free", lambda ice: None)  # the check a race slips past

    with caplog.at_level(logging.WARNING, logger="marketplace.errors"):
        response = client.post(f"{API}/cooperatives", json={**body, "name": "Autre"}, headers=manager.headers)

    assert response.status_code == 409
    assert response.json["error"]["code"] == MarketplaceError.CONFLICT == "conflict"
    logged = [record.getMessage() for record in caplog.records if record.name == "marketplace.errors"]
    assert len(logged) == 1 and "integrity error on constraint" in logged[0]
    assert "uq_cooperatives_ice" in logged[0] or "cooperatives.ice" in logged[0]  # PostgreSQL names it; SQLite says
    listed = client.get(f"{API}/admin/cooperatives", query_string={"status": "pending"},
                        headers=users.admin().headers).json["items"]
    assert [item["name"] for item in listed] == [body["name"]]
