"""Background jobs: one Huey instance per app, configured from it.

    JOBS_URL=sqlite:///instance/jobs.db   (default) SqliteHuey: one machine, no server
    JOBS_URL=redis://host:6379/0          RedisHuey: several machines share the queue
    JOBS_IMMEDIATE=1                      tasks run in-process as they are enqueued (the test suite)

Packages register their jobs from their `setup.register(app)`: `register_task(app, function)` for work that is
enqueued, `register_periodic(app, function, setting="…_SCHEDULE")` for work on a cron schedule read from the
configuration (an empty schedule turns it off). Each job is a plain, idempotent service function that is also a
CLI command; its task runs it inside an application context.

Jobs are enqueued after the commit only: `enqueue_after_commit(function, *args)` registers the enqueue on the
current unit of work, so a use case that rolls back enqueues nothing, and a job never runs before the rows it
reads are committed. The consumer (`huey_consumer wsgi.huey`) runs the periodic schedule; extra consumers are
started with `-n` so the schedule runs in exactly one.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.storage import SqliteStorage
from huey.api import Huey, TaskWrapper

from marketplace.config import ConfigurationError
from marketplace.transaction import after_commit

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


@dataclass
class _Registration:
    function: Callable[..., Any]
    schedule_setting: str | None = None


@dataclass
class Jobs:
    """The app's queue and the tasks registered on it (rebuilt together by `init_app`)."""

    huey: Huey
    registrations: list[_Registration] = field(default_factory=list)
    tasks: dict[Callable[..., Any], TaskWrapper] = field(default_factory=dict)


def cron(expression: str) -> Callable | None:
    """A 5-field cron expression (minute hour day month weekday, UTC) as a Huey schedule; "" is None (off)."""
    if not expression.strip():
        return None
    fields = expression.split()
    if len(fields) != 5:
        raise ConfigurationError(f"a schedule is 5 cron fields (minute hour day month weekday), got {expression!r}")
    try:
        return crontab(*fields)
    except ValueError as error:
        raise ConfigurationError(f"invalid schedule {expression!r}: {error}") from None


class QueueStorage(SqliteStorage):
    """Huey's SQLite queue in WAL mode with synchronous=NORMAL: enqueuing does not wait for the disk (a request
    would otherwise block on an fsync per job). A power cut can lose the last jobs, never corrupt the file, and
    every job is derived again from PostgreSQL: a message left queued is sent by the retry sweep, an invoice PDF
    is rendered on its first request."""

    def _create_connection(self):
        connection = super()._create_connection()
        connection.execute("pragma synchronous=1")
        return connection


def build_huey(config) -> Huey:
    """The Huey for this configuration: in memory and immediate, Redis, or SQLite."""
    name, url = config["JOBS_NAME"], config["JOBS_URL"]
    if config["JOBS_IMMEDIATE"]:
        return MemoryHuey(name, immediate=True, results=False)
    if url.startswith(REDIS_SCHEMES):
        return RedisHuey(name, url=url, results=False)
    if url.startswith("sqlite:///"):
        return SqliteHuey(name, filename=url.removeprefix("sqlite:///"), results=False, storage_class=QueueStorage)
    raise ConfigurationError(f"JOBS_URL must be sqlite:///<file> or redis://…, got {url!r}")


def init_app(app: Flask) -> None:
    """(Re)build the app's queue from its configuration, keeping the jobs already registered."""
    for name, value in app.config.items():
        if name.endswith("_SCHEDULE"):
            cron(value)  # a typo in a schedule stops the boot, not the consumer at midnight
    previous = app.extensions.get("jobs")
    jobs = Jobs(build_huey(app.config))
    app.extensions["jobs"] = jobs
    for registration in previous.registrations if previous else ():
        _register(app, jobs, registration)


def _in_app_context(app: Flask, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def run(*args, **kwargs):
        with app.app_context():
            return function(*args, **kwargs)

    return run


def _register(app: Flask, jobs: Jobs, registration: _Registration) -> None:
    function = registration.function
    name = function.__qualname__  # Huey prefixes the module
    body = _in_app_context(app, function)
    if registration.schedule_setting is None:
        jobs.tasks[function] = jobs.huey.task(name=name)(body)
    else:
        setting = registration.schedule_setting

        def due(moment) -> bool:  # read at each tick: the schedule is the app's current setting
            schedule = cron(app.config[setting])
            return schedule is not None and schedule(moment)

        jobs.tasks[function] = jobs.huey.periodic_task(due, name=name)(body)
    jobs.registrations.append(registration)


def register_task(app: Flask, function: Callable[..., Any]) -> None:
    """Make `function` a job that `enqueue_after_commit` can queue (once per app; a second call is a no-op)."""
    jobs: Jobs = app.extensions["jobs"]
    if function not in jobs.tasks:
        _register(app, jobs, _Registration(function))


def register_periodic(app: Flask, function: Callable[..., Any], *, setting: str) -> None:
    """Run `function()` on the cron schedule held by the configuration `setting` (empty: never)."""
    jobs: Jobs = app.extensions["jobs"]
    if function not in jobs.tasks:
        _register(app, jobs, _Registration(function, setting))


def enqueue(function: Callable[..., Any], *args: Any) -> None:
    """Queue a registered job now (immediate mode runs it here). Use `enqueue_after_commit` inside a use case."""
    current_app.extensions["jobs"].tasks[function](*args)


def enqueue_after_commit(function: Callable[..., Any], *args: Any) -> None:
    """Queue a registered job once the current unit of work has committed; nothing if it rolls back. If the
    queue cannot be reached then, the error is logged (the committed use case stands)."""
    after_commit(enqueue, function, *args)


def huey_of(app: Flask) -> Huey:
    return app.extensions["jobs"].huey
