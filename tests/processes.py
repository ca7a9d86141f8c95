"""Run one worker function in several spawned processes that start together, and fail the test on any error."""
from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any


def run_in_processes(target: Callable, args_for: Callable[[int, object, object], tuple], count: int = 2) -> None:
    """`args_for(worker, barrier, errors)` gives each process (numbered from 1) its arguments; workers put
    failures on `errors`."""
    context = multiprocessing.get_context("spawn")
    barrier, errors = context.Barrier(count), context.Queue()
    workers = [context.Process(target=target, args=args_for(worker, barrier, errors))
               for worker in range(1, count + 1)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=300)
    assert [process.exitcode for process in workers] == [0] * count
    assert errors.empty(), errors.get()


def post_in_own_app(config: dict[str, Any], days_ahead: int, posts: list[tuple[str, dict]], barrier: Any,
                    errors: Any, answers: Any) -> None:
    """In an app of its own (this process's), wait for the other workers, then send each POST (path, keyword
    arguments of the test client's `post`) and put `(status, json)` on `answers`. `days_ahead` moves this
    process's clock as the parent test moved its own."""
    try:
        from marketplace import clock, create_app
        from marketplace.extensions import db

        if days_ahead:
            real_now = clock.now
            clock.now = lambda: real_now() + timedelta(days=days_ahead)
        app = create_app(config)
        client = app.test_client()
        barrier.wait()
        for path, request in posts:
            response = client.post(path, **request)
            answers.put((response.status_code, response.get_json()))
        with app.app_context():
            db.engine.dispose()
    except Exception:  # reported to the parent, which asserts on it
        errors.put(traceback.format_exc())
