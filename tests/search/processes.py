"""Run one worker function in two spawned processes that start together, and fail the test on any error."""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable


def run_in_two_processes(target: Callable, args_for: Callable[[int, object, object], tuple]) -> None:
    """`args_for(worker, barrier, errors)` gives each process its arguments; workers put failures on `errors`."""
    context = multiprocessing.get_context("spawn")
    barrier, errors = context.Barrier(2), context.Queue()
    workers = [context.Process(target=target, args=args_for(worker, barrier, errors)) for worker in (1, 2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=300)
    assert [process.exitcode for process in workers] == [0, 0]
    assert errors.empty(), errors.get()
