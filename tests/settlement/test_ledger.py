"""The ledger on a real database: balanced, posted once per source, append-only, corrected by reversal."""
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from marketplace import clock
from marketplace.extensions import db
from marketplace.transaction import unit_of_work
from orders.settlement.accounts import (BANK, BUYER_PAYMENTS, PAYMENT_FEES, PLATFORM_COMMISSION, REFUNDS, Line,
                                        cooperative_payable, credit, debit, deduction_lines, member_payable,
                                        refund_after_settlement_lines, settlement_lines)
from orders.settlement.errors import AlreadyReversed, SourceAlreadyPosted, UnbalancedEntry
from orders.settlement.ledger import account_balance, post_entry, reverse_entry, unbalanced_entries
from orders.settlement.models import JournalEntry, JournalLine, LedgerIsAppendOnly
from orders.settlement.split import (Basis, FeeModel, ParcelMoney, Terms, apply_deductions, commission_on_refund,
                                     deduction_for_refund, split_parcel)
from tests.conftest import POSTGRES_URL

PAYMENT = [debit(BANK, 47997), credit(BUYER_PAYMENTS, 47997)]


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.rollback()


def post_payment(key="payment:1", lines=PAYMENT, reference="Order SK-0001 paid by card"):
    with unit_of_work():
        return post_entry("payment", source_key=key, reference=reference, lines=lines).id


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_posted_entry_keeps_its_lines_in_order_and_moves_balances(ctx):
    entry_id = post_payment()
    entry = db.session.get(JournalEntry, entry_id)
    assert (entry.kind, entry.source_key, entry.reference) == ("payment", "payment:1", "Order SK-0001 paid by card")
    assert [(line.position, line.account, line.debit, line.credit) for line in entry.lines] == [
        (1, "bank", 47997, 0), (2, "buyer_payments", 0, 47997)]
    assert entry.at.tzinfo is not None
    assert (account_balance(BANK), account_balance(BUYER_PAYMENTS), account_balance(PAYMENT_FEES)) == (47997, -47997, 0)


def test_an_unbalanced_or_empty_entry_is_refused_and_nothing_is_written(ctx):
    for lines in ([debit(BANK, 100), credit(BUYER_PAYMENTS, 99)], [], [debit(BANK, 1)], [("bank", 1, 0)]):
        with pytest.raises(UnbalancedEntry), unit_of_work():
            post_entry("payment", source_key="payment:2", reference="r", lines=lines)
    for key, reference in (("", "r"), ("payment:2", ""), ("p" * 161, "r"), ("payment:2", "r" * 201)):
        with pytest.raises(ValueError), unit_of_work():
            post_entry("payment", source_key=key, reference=reference, lines=PAYMENT)
    with pytest.raises(ValueError), unit_of_work():
        post_entry("gift", source_key="gift:1", reference="r", lines=PAYMENT)
    with pytest.raises(ValueError), unit_of_work():
        post_entry("reversal", source_key="reversal:1", reference="r", lines=PAYMENT)
    assert count(JournalEntry) == 0 and count(JournalLine) == 0


@pytest.mark.parametrize("line", [
    dict(account="bank", debit=1, credit=1), dict(account="bank"), dict(account="bank", debit=-5, credit=0),
    dict(account="bank", debit=1.5), dict(account="cash_box", debit=1), dict(account="member:0:payable", credit=1),
    dict(account="cooperative:12:savings", credit=1),
])
def test_a_line_has_a_known_account_and_exactly_one_positive_side(line):
    with pytest.raises(ValueError):
        Line(**line)


def test_the_same_source_key_posts_once_and_returns_the_entry_already_there(ctx):
    first = post_payment()
    again = post_payment()
    assert again == first
    assert count(JournalEntry) == 1 and count(JournalLine) == 2
    assert account_balance(BANK) == 47997


def test_the_same_source_key_with_another_body_is_a_conflict_and_changes_nothing(ctx):
    first = post_payment()
    with pytest.raises(SourceAlreadyPosted) as refused, unit_of_work():
        post_entry("payment", source_key="payment:1", reference="Order SK-0001 paid by card",
                   lines=[debit(BANK, 50000), credit(BUYER_PAYMENTS, 50000)])
    assert (refused.value.status, refused.value.code) == (409, "source_already_posted")
    assert refused.value.details == {"source_key": "payment:1", "entry_id": first}
    assert count(JournalEntry) == 1 and account_balance(BANK) == 47997


def test_a_posting_that_loses_the_race_on_its_source_key_returns_the_winners_entry(app, ctx):
    """Named point: another transaction commits the same event just before our insert reaches the database."""
    engine = db.engine
    fired = []

    def competitor_posts_first(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO journal_entries") and not fired:
            fired.append(True)
            with engine.begin() as other:
                entry_id = other.execute(insert(JournalEntry).values(
                    kind="payment", source_key="payment:1", reference="Order SK-0001 paid by card",
                    at=clock.now()).returning(JournalEntry.id)).scalar_one()
                other.execute(insert(JournalLine), [
                    dict(entry_id=entry_id, position=1, account="bank", debit=47997, credit=0),
                    dict(entry_id=entry_id, position=2, account="buyer_payments", debit=0, credit=47997)])
                fired.append(entry_id)

    event.listen(engine, "before_cursor_execute", competitor_posts_first)
    try:
        ours = post_payment()
    finally:
        event.remove(engine, "before_cursor_execute", competitor_posts_first)
    assert fired == [True, ours]
    assert count(JournalEntry) == 1 and account_balance(BANK) == 47997


def test_a_reversal_mirrors_the_entry_and_restores_every_balance(ctx):
    split = split_parcel(ParcelMoney(captured=47997, goods=44997), Terms(fee_model=FeeModel(290, 300)),
                         Basis(contributions={7: 29998, 9: 14999}))
    with unit_of_work():
        settled = post_entry("settlement", source_key="settlement:1:5", reference="Run 1, parcel SK-0001-1",
                             lines=settlement_lines(split, 12))
    assert account_balance(member_payable(7)) == -26433 and account_balance("cooperative:12:reserve") == -4406
    with unit_of_work():
        reversal = reverse_entry(settled, source_key="reversal:settlement:1:5", reference="Parcel settled twice")
    assert (reversal.kind, reversal.reverses_id) == ("reversal", settled.id)
    assert [(l.account, l.debit, l.credit) for l in reversal.lines] == [
        (l.account, l.credit, l.debit) for l in settled.lines]
    for account in (BUYER_PAYMENTS, PAYMENT_FEES, PLATFORM_COMMISSION, member_payable(7), member_payable(9),
                    "cooperative:12:reserve"):
        assert account_balance(account) == 0
    assert count(JournalEntry) == 2  # the original stays: the ledger is append-only


def test_an_entry_is_reversed_once(ctx):
    original = db.session.get(JournalEntry, post_payment())
    with unit_of_work():
        first = reverse_entry(original, source_key="reversal:payment:1", reference="duplicate capture")
    with unit_of_work():
        assert reverse_entry(original, source_key="reversal:payment:1", reference="duplicate capture").id == first.id
    with pytest.raises(AlreadyReversed, match="already reversed"), unit_of_work():
        reverse_entry(original, source_key="reversal:payment:1:again", reference="duplicate capture")
    assert count(JournalEntry) == 2 and account_balance(BANK) == 0


def test_posted_lines_and_entries_cannot_be_changed_or_deleted(ctx):
    entry = db.session.get(JournalEntry, post_payment())
    attempts = [
        lambda: setattr(entry.lines[0], "debit", 1),
        lambda: setattr(entry, "reference", "rewritten"),
        lambda: db.session.delete(entry.lines[1]),
        lambda: db.session.execute(update(JournalLine).values(debit=1)),
    ]
    for attempt in attempts:
        with pytest.raises(LedgerIsAppendOnly), unit_of_work():
            attempt()
        db.session.expire_all()
    assert [(l.debit, l.credit) for l in db.session.get(JournalEntry, entry.id).lines] == [(47997, 0), (0, 47997)]


def test_a_refund_after_settlement_is_owed_by_the_cooperative_and_deducted_in_its_next_run(ctx):
    """Parcel 1 settles; a jar is refunded afterwards; parcel 2's run takes the refund back, carrying the rest."""
    first = split_parcel(ParcelMoney(captured=47997, goods=44997), Terms(fee_model=FeeModel(290, 300)),
                         Basis(contributions={7: 29998, 9: 14999}))
    with unit_of_work():
        post_entry("payment", source_key="payment:1", reference="SK-1", lines=[debit(BANK, 47997),
                                                                             credit(BUYER_PAYMENTS, 47997)])
        post_entry("settlement", source_key="settlement:1:1", reference="run 1", lines=settlement_lines(first, 12))
    with unit_of_work():  # the buyer sends one jar back after the run: the bank pays, the cooperative owes
        post_entry("refund", source_key="refund:1", reference="SK-1 jar returned",
                   lines=[debit(REFUNDS, 14999), credit(BANK, 14999)])
        returned = commission_on_refund(14999, 500, commission_taken=first.commission)
        post_entry("refund", source_key="refund:1:after-settlement", reference="SK-1 jar returned after run 1",
                   lines=refund_after_settlement_lines(14999, returned, 12))
    owed = deduction_for_refund(14999, returned)
    assert (returned, owed, account_balance(cooperative_payable(12))) == (750, 14249, 14249)

    second = split_parcel(ParcelMoney(captured=10000, goods=10000, payment_method="cash_on_delivery"),
                          Terms(), Basis(contributions={7: 1, 9: 1}))
    deduction = apply_deductions(second.reserve, second.members, account_balance(cooperative_payable(12)))
    with unit_of_work():
        post_entry("payment", source_key="payment:2", reference="SK-2 cash collected",
                   lines=[debit(BANK, 10000), credit(BUYER_PAYMENTS, 10000)])
        post_entry("settlement", source_key="settlement:2:2", reference="run 2", lines=settlement_lines(second, 12))
        post_entry("settlement", source_key="settlement:2:deductions:12", reference="run 2 deductions",
                   lines=deduction_lines(deduction, 12))

    assert (second.reserve, second.members) == (950, {7: 4275, 9: 4275})
    assert deduction.from_reserve == 950 and deduction.from_members == {7: 4275, 9: 4275}
    assert account_balance(cooperative_payable(12)) == deduction.carried == 14249 - 950 - 8550
    assert account_balance("cooperative:12:reserve") == -4406  # run 1's reserve; run 2's went to the refund
    assert (account_balance(member_payable(7)), account_balance(member_payable(9))) == (-26433, -13216)
    assert account_balance(REFUNDS) == 0 and account_balance(BUYER_PAYMENTS) == 0
    assert account_balance(PLATFORM_COMMISSION) == -(2250 - 750 + 500)
    total = db.session.scalar(select(func.sum(JournalLine.debit) - func.sum(JournalLine.credit)))
    assert total == 0 and unbalanced_entries() == []


def test_the_database_refuses_a_line_with_two_sides_or_none(ctx):
    entry_id = post_payment()
    for debit_, credit_ in ((0, 0), (5, 5), (-5, 0)):
        with pytest.raises(IntegrityError):
            db.session.execute(insert(JournalLine).values(entry_id=entry_id, position=9, account="bank",
                                                          debit=debit_, credit=credit_))
        db.session.rollback()


def test_balances_can_be_read_as_of_an_instant(ctx, monkeypatch):
    day = datetime(2026, 11, 2, 10, tzinfo=UTC)
    for n, key in enumerate(("payment:1", "payment:2")):
        monkeypatch.setattr(clock, "now", lambda n=n: day + timedelta(days=n))
        post_payment(key)
    assert account_balance(BANK, up_to=day) == 47997
    assert account_balance(BANK, up_to=day - timedelta(seconds=1)) == 0
    assert account_balance(BANK) == 2 * 47997


def test_every_entry_in_the_table_balances_and_the_check_finds_one_that_does_not(ctx):
    post_payment("payment:1")
    split = split_parcel(ParcelMoney(captured=47997, goods=44997, refunded_goods=14999),
                         Terms(fee_model=FeeModel(290, 300)), Basis(contributions={7: 14999, 9: 14999}))
    with unit_of_work():
        post_entry("settlement", source_key="settlement:1:1", reference="run 1", lines=settlement_lines(split, 3))
    assert unbalanced_entries() == []
    rows = db.session.execute(text(
        "SELECT entry_id, SUM(debit) - SUM(credit) FROM journal_lines GROUP BY entry_id")).all()
    assert len(rows) == 2 and all(difference == 0 for _, difference in rows)

    with db.engine.begin() as raw:  # bypass the service, as a broken import script would
        broken = raw.execute(insert(JournalEntry).values(kind="payment", source_key="payment:bad", reference="x",
                                                         at=clock.now()).returning(JournalEntry.id)).scalar_one()
        raw.execute(insert(JournalLine).values(entry_id=broken, position=1, account="bank", debit=1, credit=0))
    assert unbalanced_entries() == [broken]


# --- real concurrency --------------------------------------------------------------------------------------------

def post_together(app, count: int, bodies) -> list:
    """Post from `count` threads released at once; each result is an entry id or the exception raised."""
    barrier, results, lock = threading.Barrier(count), [], threading.Lock()

    def worker(lines):
        with app.app_context():
            barrier.wait()
            try:
                outcome = post_payment(lines=lines)
            except SourceAlreadyPosted as error:
                outcome = error
            finally:
                db.session.remove()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(bodies(n),)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.skipif(not POSTGRES_URL, reason="real concurrent writers need PostgreSQL: set TEST_DATABASE_URL")
def test_threads_posting_the_same_event_at_once_post_it_once(app):
    results = post_together(app, 8, lambda n: PAYMENT)
    assert len(results) == 8 and len(set(results)) == 1 and isinstance(results[0], int)
    with app.app_context():
        assert count(JournalEntry) == 1 and count(JournalLine) == 2
        assert account_balance(BANK) == 47997


@pytest.mark.skipif(not POSTGRES_URL, reason="real concurrent writers need PostgreSQL: set TEST_DATABASE_URL")
def test_threads_posting_different_bodies_under_one_key_leave_exactly_one_and_the_rest_conflict(app):
    results = post_together(app, 6, lambda n: [debit(BANK, 100 + n), credit(BUYER_PAYMENTS, 100 + n)])
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1 and sum(isinstance(r, SourceAlreadyPosted) for r in results) == 5
    with app.app_context():
        assert count(JournalEntry) == 1 and count(JournalLine) == 2
        assert 100 <= account_balance(BANK) <= 105


@pytest.mark.skipif(not POSTGRES_URL, reason="the append-only trigger is PostgreSQL's")
def test_postgresql_refuses_a_raw_update_or_delete_of_posted_lines(ctx):
    post_payment()
    for statement in ("UPDATE journal_lines SET debit = 1 WHERE debit > 0", "DELETE FROM journal_lines",
                      "UPDATE journal_entries SET reference = 'rewritten'", "DELETE FROM journal_entries"):
        with pytest.raises(IntegrityError, match="append-only"), db.engine.begin() as raw:
            raw.execute(text(statement))
    assert account_balance(BANK) == 47997 and count(JournalEntry) == 1


def test_posting_an_entry_costs_two_statements_however_many_lines(ctx, queries):
    split = split_parcel(ParcelMoney(captured=47997, goods=44997), Terms(fee_model=FeeModel(290, 300)),
                         Basis(contributions=dict.fromkeys(range(1, 21), 100)))
    lines = settlement_lines(split, 3)
    queries.reset()
    entry = post_entry("settlement", source_key="settlement:1:1", reference="run 1", lines=lines)
    assert queries.count == 2
    assert len(entry.lines) == 24 and [l.position for l in entry.lines] == list(range(1, 25))  # 20 members
    db.session.commit()


def test_the_ledger_check_command_passes_a_balanced_ledger_and_fails_on_a_broken_entry(app, ctx):
    post_payment()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0 and "Every journal entry balances (1 checked)." in result.output
    with db.engine.begin() as raw:
        broken = raw.execute(insert(JournalEntry).values(kind="payment", source_key="payment:bad", reference="x",
                                                         at=clock.now()).returning(JournalEntry.id)).scalar_one()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 1 and f"1 of 2 entries do not balance: {broken}" in result.output
