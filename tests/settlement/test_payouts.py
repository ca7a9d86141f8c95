"""Payouts, the treasurer's CSV, statements and earnings: over HTTP, reconciled with the ledger."""
from __future__ import annotations

import csv
import threading
import io

import pytest

from tests.conftest import POSTGRES_URL
from tests.settlement.conftest import API, rib

FATIMA = "Fatima Zahra Aït Ali"


@pytest.fixture
def settled(books):
    """A cooperative with accents in its name; a member paid by bank transfer, one in cash; two parcels settled."""
    coop = books.cooperative([{"full_name": FATIMA, "payout_method": "bank_transfer", "payout_account": rib(7)},
                              {"full_name": "Hafsa Oubella"}], name="Coopérative Tiwizi d'Aït Baha")
    fatima, hafsa = coop.members
    response = books.client.patch(f"{API}/cooperatives/{coop.id}", json={"bank_account": rib(3)},
                                  headers=coop.manager.headers)
    assert response.status_code == 200 and response.json["bank_account"] == "•••• " + rib(3)[-4:]
    honey = books.product(coop, amount=14999, lots=[(fatima, 2), (hafsa, 10)])
    for quantity in (3, 1):
        books.deliver(books.order([(honey, quantity)]), coop)
    books.later(8)
    run = books.settle().json
    assert run["parcels_count"] == 2
    return coop, run


def csv_rows(books, run_id: int) -> tuple[bytes, list[dict]]:
    response = books.client.get(f"{API}/admin/settlements/{run_id}/payouts.csv", headers=books.admin.headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "charset=utf-8" in response.headers["Content-Type"]
    return response.data, list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def test_the_csv_has_a_bom_semicolons_accents_and_the_full_rib_while_json_masks_it(books, settled):
    coop, run = settled
    fatima, hafsa = coop.members
    raw, rows = csv_rows(books, run["id"])

    assert raw.startswith("\ufeff".encode()) and raw.splitlines()[0].decode("utf-8-sig") == \
        "payout_id;cooperative;ice;payee;member;method;account;amount_mad;reference"
    by_member = {row["member"]: row for row in rows}
    assert set(by_member) == {FATIMA, "Hafsa Oubella", ""}  # "" is the cooperative's reserve
    row = by_member[FATIMA]
    payout = next(p for p in run["payouts"] if p["member_id"] == fatima)
    assert row["cooperative"] == "Coopérative Tiwizi d'Aït Baha" and len(row["ice"]) == 15
    assert (row["payee"], row["method"], row["account"]) == ("member", "bank_transfer", rib(7))
    cents = payout["amount"]["amount"]
    assert row["amount_mad"] == f"{cents // 100}.{cents % 100:02d}" and int(row["payout_id"]) == payout["id"]
    assert payout["account"] == "•••• " + rib(7)[-4:] and rib(7) not in str(run)
    assert by_member["Hafsa Oubella"]["method"] == "cash" and by_member["Hafsa Oubella"]["account"] == ""
    reserve = next(p for p in run["payouts"] if p["payee"] == "cooperative_reserve")
    assert (by_member[""]["payee"], by_member[""]["method"], by_member[""]["account"]) == \
        ("cooperative_reserve", "bank_transfer", rib(3))
    assert reserve["account"] == "•••• " + rib(3)[-4:] and rib(3) not in str(run)
    total = sum(round(float(r["amount_mad"]) * 100) for r in rows)
    assert total == run["totals"]["payable"]["amount"]


def test_a_cooperatives_bank_account_must_be_a_rib_with_a_valid_key(books):
    coop = books.cooperative([{"full_name": "Hafsa Oubella"}])
    wrong_key = rib(3)[:-2] + f"{(int(rib(3)[-2:]) + 1) % 100:02d}"
    for bad in (wrong_key, "12345", "not a rib"):
        response = books.client.patch(f"{API}/cooperatives/{coop.id}", json={"bank_account": bad},
                                      headers=coop.manager.headers)
        assert response.status_code == 422 and "bank_account" in response.json["error"]["details"]
    shown = books.client.get(f"{API}/cooperatives/{coop.id}", headers=coop.manager.headers).json
    assert shown["bank_account"] is None


def test_a_payout_is_marked_paid_once_and_posted_to_the_ledger_once(books, settled, users):
    coop, run = settled
    payout = next(p for p in run["payouts"] if p["member_id"] == coop.members[0])
    account = f"member:{coop.members[0]}:payable"
    assert books.balance(account) == -payout["amount"]["amount"]
    path = f"{API}/admin/payouts/{payout['id']}/paid"

    for body in ({}, {"reference": "  "}, {"reference": "x" * 121}):
        assert books.client.post(path, json=body, headers=books.admin.headers).status_code == 422
    assert books.client.post(path, json={"reference": "VIR-1"}, headers=coop.manager.headers).status_code == 403
    first = books.client.post(path, json={"reference": "VIR-2026-0042"}, headers=books.admin.headers)
    again = books.client.post(path, json={"reference": "VIR-2026-0043"}, headers=books.admin.headers)

    assert first.status_code == 200
    assert (first.json["status"], first.json["reference"]) == ("paid", "VIR-2026-0042") and first.json["paid_at"]
    assert again.status_code == 409 and again.json["error"]["code"] == "payout_already_paid"
    assert books.balance(account) == 0
    assert len([line for line in books.ledger_lines("bank") if line["credit"]["amount"]
                == payout["amount"]["amount"]]) == 1
    shown = books.client.get(f"{API}/admin/settlements/{run['id']}", headers=books.admin.headers).json
    assert next(p for p in shown["payouts"] if p["id"] == payout["id"])["reference"] == "VIR-2026-0042"
    _, rows = csv_rows(books, run["id"])
    assert {row["reference"] for row in rows if row["payout_id"] == str(payout["id"])} == {"VIR-2026-0042"}
    assert books.client.post(f"{API}/admin/payouts/99999/paid", json={"reference": "r"},
                             headers=books.admin.headers).status_code == 404


def test_the_statement_and_members_earnings_equal_the_run_and_the_ledger(books, settled):
    coop, run = settled
    statement = books.client.get(f"{API}/cooperatives/{coop.id}/statements", headers=coop.manager.headers)

    assert statement.status_code == 200
    body = statement.json
    assert body["cooperative_id"] == coop.id
    assert [line["coop_order_id"] for line in body["lines"]] == [p["coop_order_id"] for p in run["parcels"]]
    [row] = run["cooperatives"]
    for name in ("captured", "refunds", "fees", "commission", "reserve", "members"):
        assert body["totals"][name] == row[name] == run["totals"][name]
    assert body["totals"]["paid_out"]["amount"] == 0
    assert body["totals"]["reserve"]["amount"] == -books.balance(f"cooperative:{coop.id}:reserve")
    assert {p["id"] for p in body["payouts"]} == {p["id"] for p in run["payouts"]}
    for detail in row["members_detail"]:
        earnings = books.client.get(f"{API}/cooperatives/{coop.id}/members/{detail['member_id']}/earnings",
                                    headers=books.admin.headers).json
        assert earnings["total"] == detail["amount"]
        assert sum(item["amount"]["amount"] for item in earnings["items"]) == detail["amount"]["amount"]
        assert {item["settlement_id"] for item in earnings["items"]} == {run["id"]}
        assert earnings["total"]["amount"] == -books.balance(f"member:{detail['member_id']}:payable")
    assert books.client.get(f"{API}/admin/ledger", headers=books.admin.headers).status_code == 200


def test_statements_filter_by_the_days_of_the_runs(books, settled):
    coop, run = settled
    day = run["created_at"][:10]
    path = f"{API}/cooperatives/{coop.id}/statements"
    inside = books.client.get(path, query_string={"from": day, "to": day}, headers=coop.manager.headers).json
    before = books.client.get(path, query_string={"to": "2020-01-01"}, headers=coop.manager.headers).json
    assert len(inside["lines"]) == 2 and inside["from"] == day
    assert before["lines"] == [] and before["totals"]["captured"]["amount"] == 0
    bad = books.client.get(path, query_string={"from": day, "to": "2020-01-01"}, headers=coop.manager.headers)
    assert bad.status_code == 422 and "from" in bad.json["error"]["details"]


def test_only_the_cooperatives_managers_and_admins_see_its_statement_and_earnings(books, settled, users):
    coop, _run = settled
    other = books.cooperative([{}])
    paths = [f"{API}/cooperatives/{coop.id}/statements",
             f"{API}/cooperatives/{coop.id}/members/{coop.members[0]}/earnings"]
    for path in paths:
        assert books.client.get(path).status_code == 401
        assert books.client.get(path, headers=users.buyer().headers).status_code == 403
        assert books.client.get(path, headers=other.manager.headers).status_code == 404
        assert books.client.get(path, headers=books.admin.headers).status_code == 200
    # a member of another cooperative, asked under this one, does not exist here
    assert books.client.get(f"{API}/cooperatives/{coop.id}/members/{other.members[0]}/earnings",
                            headers=coop.manager.headers).status_code == 404
    assert books.client.get(f"{API}/cooperatives/999999/statements",
                            headers=books.admin.headers).status_code == 404
    assert books.client.get(f"{API}/admin/settlements/999999/payouts.csv",
                            headers=books.admin.headers).status_code == 404


@pytest.mark.skipif(not POSTGRES_URL, reason="a real race needs PostgreSQL: set TEST_DATABASE_URL")
def test_two_treasurers_marking_the_same_payout_paid_at_once_pay_it_once(books, settled):
    coop, run = settled
    payout = next(p for p in run["payouts"] if p["member_id"] == coop.members[0])
    start, answers = threading.Barrier(2), [None, None]

    def pay(slot):
        start.wait()
        answers[slot] = books.client.post(f"{API}/admin/payouts/{payout['id']}/paid",
                                          json={"reference": f"VIR-{slot}"}, headers=books.admin.headers)

    threads = [threading.Thread(target=pay, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answer.status_code for answer in answers) == [200, 409]
    assert books.balance(f"member:{coop.members[0]}:payable") == 0  # debited once, not twice
