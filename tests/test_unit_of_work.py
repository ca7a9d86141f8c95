"""The unit of work: one commit at the outermost block, rollback with compensations, effects after the commit in
a session of their own, an effect's failure logged and handed to its on_failure without failing the caller."""
from __future__ import annotations

from functools import partial

import pytest
from blinker import Namespace
from sqlalchemy import event, select

from marketplace.exchange_rates import ExchangeRate
from marketplace.extensions import db
from marketplace.transaction import after_commit, current_unit_of_work, on_rollback, send_after_commit, unit_of_work


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def commits(ctx):
    """How many times the caller's session committed."""
    counted: list[int] = []
    session = db.session()

    def count(_session):
        counted.append(1)

    event.listen(session, "after_commit", count)
    yield counted
    event.remove(session, "after_commit", count)


def stored_rate(currency: str) -> str | None:
    """The rate as another connection sees it (what is committed)."""
    with db.engine.connect() as connection:
        return connection.scalar(select(ExchangeRate.per_mad).where(ExchangeRate.currency == currency))


def test_a_use_case_commits_once_when_its_block_ends(commits):
    with unit_of_work():
        db.session.add(ExchangeRate(currency="EUR", per_mad="0.0921"))
        db.session.flush()
        assert stored_rate("EUR") is None
    assert commits == [1]
    assert stored_rate("EUR") == "0.0921"


def test_a_nested_block_joins_the_outer_one_and_its_effects_wait_for_the_outer_commit(commits):
    ran: list[str] = []
    with unit_of_work() as outer:
        with unit_of_work() as inner:
            assert inner is outer
            db.session.add(ExchangeRate(currency="USD", per_mad="0.1"))
            after_commit(ran.append, "effect")
        assert commits == [] and ran == []
        assert stored_rate("USD") is None
    assert commits == [1] and ran == ["effect"]


def test_an_error_rolls_back_runs_compensations_and_skips_effects(commits):
    ran: list[str] = []
    with pytest.raises(LookupError):
        with unit_of_work() as uow:
            db.session.add(ExchangeRate(currency="EUR", per_mad="0.0921"))
            uow.after_commit(ran.append, "effect")
            on_rollback(ran.append, "compensation")
            raise LookupError("refused")
    assert ran == ["compensation"] and commits == []
    assert stored_rate("EUR") is None
    assert db.session.scalar(select(ExchangeRate)) is None


def test_a_failing_effect_is_logged_and_handed_to_on_failure_and_later_effects_still_run(ctx, caplog):
    ran: list[object] = []

    def broken():
        raise RuntimeError("index on fire")

    with unit_of_work():
        db.session.add(ExchangeRate(currency="EUR", per_mad="0.0921"))
        after_commit(broken, on_failure=ran.append)
        after_commit(ran.append, "next effect")

    assert isinstance(ran[0], RuntimeError) and str(ran[0]) == "index on fire"
    assert ran[1] == "next effect"
    assert stored_rate("EUR") == "0.0921"
    assert any("broken" in record.getMessage() and record.exc_info for record in caplog.records)


def test_a_failing_on_failure_is_logged_too_and_never_reaches_the_caller(ctx, caplog):
    def broken(*_):
        raise RuntimeError("down")

    with unit_of_work():
        after_commit(broken, on_failure=broken)
    assert sum(1 for record in caplog.records if record.exc_info) == 2


def test_effects_read_committed_data_in_a_session_of_their_own(ctx):
    seen: dict[str, object] = {}
    with unit_of_work():
        rate = ExchangeRate(currency="EUR", per_mad="0.0921")
        db.session.add(rate)
        caller_session = db.session()

        def effect():
            seen["session"] = db.session()
            seen["rate"] = db.session.get(ExchangeRate, "EUR").per_mad
            db.session.rollback()  # whatever an effect does to its session leaves the caller's objects alone

        after_commit(effect)
    assert seen["session"] is not caller_session
    assert seen["rate"] == "0.0921"
    assert rate.per_mad == "0.0921" and rate in db.session


def test_effects_cannot_be_registered_outside_a_unit_of_work(ctx):
    with pytest.raises(RuntimeError, match="no unit of work"):
        current_unit_of_work()
    with pytest.raises(RuntimeError):
        after_commit(print)


def test_each_receiver_of_a_signal_is_its_own_effect_and_gets_a_sender_from_its_own_session(ctx, caplog):
    rate_set = Namespace().signal("rate-set")
    seen: list[object] = []
    failures: list[BaseException] = []

    def broken(sender, **_):
        raise RuntimeError("receiver bug")

    def listener(sender, *, source):
        seen.append((sender.per_mad, source, sender in caller_session))

    rate_set.connect(broken)
    rate_set.connect(listener)
    with unit_of_work():
        db.session.add(ExchangeRate(currency="EUR", per_mad="0.0921"))
        caller_session = db.session()
        send_after_commit(rate_set, partial(db.session.get, ExchangeRate, "EUR"), on_failure=failures.append,
                          source="admin")
        assert seen == []
    assert seen == [("0.0921", "admin", False)]
    assert [str(error) for error in failures] == ["receiver bug"]
    assert any("broken (signal rate-set) failed" in record.getMessage() for record in caplog.records)


def test_keep_loaded_leaves_what_the_use_case_wrote_readable_without_a_query_and_the_next_commit_expires(ctx):
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with unit_of_work(keep_loaded=True):
            kept = ExchangeRate(currency="EUR", per_mad="0.0921")
            db.session.add(kept)
        written = len(statements)
        assert kept.per_mad == "0.0921" and len(statements) == written
        with unit_of_work():
            kept.per_mad = "0.0930"
        written = len(statements)
        assert kept.per_mad == "0.0930" and len(statements) == written + 1
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
