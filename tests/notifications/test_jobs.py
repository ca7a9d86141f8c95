"""The job queue: enqueued only after the commit, through the SQLite queue (the default) or Redis, and the
periodic schedule read from the configuration."""
from __future__ import annotations

import uuid
from datetime import datetime

import pytest
import redis
from sqlalchemy import func, select

from marketplace import jobs
from marketplace.auth.models import User
from marketplace.config import ConfigurationError
from marketplace.extensions import db
from marketplace.money import Money
from marketplace.notifications import notify
from marketplace.notifications.models import Notification
from marketplace.transaction import unit_of_work


def redis_available() -> bool:
    try:
        return redis.Redis("127.0.0.1", 6379, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        return False


@pytest.fixture(params=["sqlite", "redis"])
def queue(request, app, app_config, tmp_path):
    """A real queue for this test (the app fixture puts the in-process one back afterwards); tasks are taken
    from it and run here, as the consumer would."""
    if request.param == "redis":
        if not redis_available():
            pytest.skip("needs Redis at 127.0.0.1:6379")
        url = "redis://127.0.0.1:6379/0"
    else:
        url = f"sqlite:///{tmp_path / 'jobs.db'}"
    app_config(JOBS_IMMEDIATE=False, JOBS_URL=url, JOBS_NAME=f"test-{uuid.uuid4().hex[:12]}")
    jobs.init_app(app)
    huey = jobs.huey_of(app)
    yield huey
    huey.flush()


def run_queued(huey) -> int:
    """Run every queued task in this process, as `huey_consumer` would; how many ran."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def test_a_message_waits_in_the_queue_until_a_consumer_sends_it(client, coop_factory, messages, queue, request):
    cooperative, manager = coop_factory.create()

    coop_factory.decide(cooperative["id"], "reject", "ICE illisible")

    [queued] = messages.listed(recipient=manager.email)
    assert (queued["status"], queued["attempts"]) == ("queued", 0) and messages.emails_to(manager.email) == []
    assert type(queue.storage).__name__ == {"sqlite": "QueueStorage", "redis": "RedisStorage"}[
        request.node.callspec.params["queue"]]
    assert run_queued(queue) == 1
    [sent] = messages.listed(recipient=manager.email)
    assert (sent["status"], sent["attempts"]) == ("sent", 1)
    assert "ICE illisible" in messages.emails_to(manager.email)[0].body


def test_the_sqlite_queue_is_written_ahead_and_does_not_wait_for_the_disk_on_each_job(app, app_config, tmp_path):
    app_config(JOBS_IMMEDIATE=False, JOBS_URL=f"sqlite:///{tmp_path / 'jobs.db'}")
    jobs.init_app(app)
    with jobs.huey_of(app).storage.db() as connection:
        assert connection.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert connection.execute("pragma synchronous").fetchone()[0] == 1  # NORMAL


def test_a_rolled_back_use_case_records_and_enqueues_nothing(app, users, queue):
    buyer = users.buyer()
    with app.app_context():
        user = db.session.get(User, buyer.id)
        with pytest.raises(RuntimeError, match="the use case failed"):
            with unit_of_work():
                notify("payment_received", user, {"number": "SC-0000001", "amount": _money()})
                raise RuntimeError("the use case failed")
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
        assert queue.pending_count() == 0

        with unit_of_work():
            notify("payment_received", user, {"number": "SC-0000001", "amount": _money()})
            assert queue.pending_count() == 0  # not before the commit
        assert queue.pending_count() == 1


def test_in_process_jobs_run_after_the_commit_not_before(app, users, messages):
    buyer = users.buyer()
    with app.app_context():
        user = db.session.get(User, buyer.id)
        with unit_of_work():
            notify("payment_received", user, {"number": "SC-0000002", "amount": _money()})
            assert messages.emails_to(buyer.email) == []
        assert [m.subject for m in messages.emails_to(buyer.email)] == ["Paiement reçu : commande SC-0000002"]


def _money() -> Money:
    return Money(123450, "MAD")


def _periodic_names(huey, moment: datetime) -> set[str]:
    return {task.name.rsplit(".", 1)[-1] for task in huey.read_periodic(moment)}


def test_the_periodic_schedule_comes_from_the_configuration_and_settlement_is_off_by_default(app, app_config):
    huey = jobs.huey_of(app)
    at_eight = datetime(2026, 11, 24, 8, 0)

    assert _periodic_names(huey, at_eight) == {"expire_overdue", "retry_due", "send_certification_reminders"}
    assert _periodic_names(huey, datetime(2026, 11, 24, 7, 0)) == {"expire_overdue", "retry_due",
                                                                   "send_low_stock_alerts"}
    app_config(SETTLEMENT_SCHEDULE="0 8 * * 1")  # Mondays at 08:00
    assert "scheduled_run" in _periodic_names(huey, datetime(2026, 11, 23, 8, 0))
    assert "scheduled_run" not in _periodic_names(huey, at_eight)


@pytest.mark.parametrize("schedule", ["every day", "61 * * * *", "* * *"])
def test_a_malformed_schedule_stops_the_boot(schedule):
    with pytest.raises(ConfigurationError):
        jobs.cron(schedule)


def test_the_scheduled_jobs_are_commands_too(app):
    runner = app.test_cli_runner()
    outputs = {tuple(args): runner.invoke(args=args).output for args in (
        ["orders", "expire"], ["certifications", "remind"], ["stock", "alerts"], ["settlement", "scheduled"],
        ["notifications", "retry"])}
    assert outputs == {("orders", "expire"): "0 orders expired.\n",
                       ("certifications", "remind"): "0 reminders sent.\n",
                       ("stock", "alerts"): "0 variants announced as low on stock.\n",
                       ("settlement", "scheduled"): "Nothing to settle.\n",
                       ("notifications", "retry"): "0 messages queued.\n"}
