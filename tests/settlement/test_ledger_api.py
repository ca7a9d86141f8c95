"""GET /api/v1/admin/ledger: the journal as API.md shows it, for admins only."""
from datetime import UTC, datetime

import pytest

from marketplace import clock
from marketplace.transaction import unit_of_work
from orders.settlement.accounts import BANK, BUYER_PAYMENTS, credit, debit, settlement_lines
from orders.settlement.ledger import post_entry, reverse_entry
from orders.settlement.split import Basis, FeeModel, ParcelMoney, Terms, split_parcel

URL = "/api/v1/admin/ledger"


@pytest.fixture
def journal(app, monkeypatch):
    """A card payment on 2 Nov, its parcel settled on 10 Nov, a duplicate payment reversed on 20 Nov."""
    split = split_parcel(ParcelMoney(captured=47997, goods=44997), Terms(fee_model=FeeModel(290, 300)),
                         Basis(contributions={7: 29998, 9: 14999}))

    def at(day):
        monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, day, 9, 30, tzinfo=UTC))

    with app.app_context(), unit_of_work():
        at(2)
        payment = post_entry("payment", source_key="payment:1", reference="SK-0001 paid by card",
                             lines=[debit(BANK, 47997), credit(BUYER_PAYMENTS, 47997)])
        at(10)
        settlement = post_entry("settlement", source_key="settlement:1:1", reference="Run 1 · SK-0001-1",
                                lines=settlement_lines(split, 12))
        at(20)
        duplicate = post_entry("payment", source_key="payment:2", reference="SK-0001 captured twice",
                               lines=[debit(BANK, 47997), credit(BUYER_PAYMENTS, 47997)])
        reversal = reverse_entry(duplicate, source_key="reversal:payment:2", reference="Duplicate capture")
        ids = {"payment": payment.id, "settlement": settlement.id, "duplicate": duplicate.id,
               "reversal": reversal.id}
    monkeypatch.undo()
    return ids


def test_admins_read_every_entry_newest_first_with_balanced_lines_in_mad(client, users, journal):
    response = client.get(URL, headers=users.admin().headers)
    assert response.status_code == 200
    page = response.json
    assert (page["total"], page["page"], page["per_page"]) == (4, 1, 20)
    assert [item["id"] for item in page["items"]] == [journal["reversal"], journal["duplicate"],
                                                      journal["settlement"], journal["payment"]]
    payment = page["items"][-1]
    assert payment == {
        "id": journal["payment"], "at": "2026-11-02T09:30:00+00:00", "kind": "payment",
        "reference": "SK-0001 paid by card", "reverses_id": None,
        "lines": [{"account": "bank", "debit": {"amount": 47997, "currency": "MAD"},
                   "credit": {"amount": 0, "currency": "MAD"}},
                  {"account": "buyer_payments", "debit": {"amount": 0, "currency": "MAD"},
                   "credit": {"amount": 47997, "currency": "MAD"}}]}
    assert page["items"][0]["kind"] == "reversal" and page["items"][0]["reverses_id"] == journal["duplicate"]
    for item in page["items"]:
        assert sum(l["debit"]["amount"] for l in item["lines"]) == sum(l["credit"]["amount"] for l in item["lines"])


def test_the_settlement_entry_shows_where_every_centime_of_the_parcel_went(client, users, journal):
    page = client.get(URL, query_string={"account": "cooperative:12:reserve"}, headers=users.admin().headers).json
    [entry] = page["items"]
    assert entry["kind"] == "settlement" and entry["reference"] == "Run 1 · SK-0001-1"
    assert {l["account"]: l["credit"]["amount"] or -l["debit"]["amount"] for l in entry["lines"]} == {
        "buyer_payments": -47997, "payment_fees": 1692, "platform_commission": 2250,
        "cooperative:12:reserve": 4406, "member:7:payable": 26433, "member:9:payable": 13216}


@pytest.mark.parametrize("query, expected", [
    ({"account": "bank"}, ["reversal", "duplicate", "payment"]),
    ({"account": "member:7:payable"}, ["settlement"]),
    ({"account": "member:8:payable"}, []),
    ({"from": "2026-11-10"}, ["reversal", "duplicate", "settlement"]),
    ({"to": "2026-11-10"}, ["settlement", "payment"]),
    ({"from": "2026-11-03", "to": "2026-11-19"}, ["settlement"]),
    ({"from": "2026-11-20", "to": "2026-11-20"}, ["reversal", "duplicate"]),
    ({"account": "bank", "from": "2026-11-02", "to": "2026-11-02"}, ["payment"]),
])
def test_entries_are_filtered_by_account_and_by_days_inclusive(client, users, journal, query, expected):
    page = client.get(URL, query_string=query, headers=users.admin().headers).json
    assert [item["id"] for item in page["items"]] == [journal[name] for name in expected]
    assert page["total"] == len(expected)


def test_the_journal_is_paged(client, users, journal):
    page = client.get(URL, query_string={"page": 2, "per_page": 3}, headers=users.admin().headers).json
    assert [item["id"] for item in page["items"]] == [journal["payment"]]
    assert (page["total"], page["page"], page["per_page"]) == (4, 2, 3)


def test_anonymous_callers_are_401_and_other_roles_403(client, users, journal):
    anonymous = client.get(URL)
    assert anonymous.status_code == 401 and anonymous.json["error"]["code"] == "authentication_required"
    for account in (users.buyer(), users.cooperative()):
        refused = client.get(URL, headers=account.headers)
        assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize("query, field", [
    ({"from": "2026-13-01"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "2026-11-20", "to": "2026-11-10"}, "from"),
    ({"account": "cash_box"}, "account"),
    ({"account": "member:abc:payable"}, "account"),
    ({"account": "bank_account"}, "account"),
    ({"per_page": 101}, "per_page"),
    ({"page": 0}, "page"),
])
def test_bad_filters_are_422_naming_the_field(client, users, journal, query, field):
    response = client.get(URL, query_string=query, headers=users.admin().headers)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error" and list(error["details"]) == [field]


def test_the_openapi_document_describes_the_ledger(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/admin/ledger"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"account", "from", "to", "page", "per_page"}
    assert "JournalEntryPage" in spec["components"]["schemas"]


def test_a_page_of_entries_costs_the_same_statements_however_many_entries_it_holds(client, users, journal, queries):
    admin = users.admin()
    counts = []
    for per_page in (1, 4):
        queries.reset()
        assert len(client.get(URL, query_string={"per_page": per_page}, headers=admin.headers).json["items"]) == per_page
        counts.append(queries.count)
    assert counts[0] == counts[1]
