"""gunicorn hooks for the checkout bench: each worker counts the SQL statements of every request and appends the
count of each successful checkout to `$BENCH_STATEMENTS_DIR/<pid>.txt`, so statements per checkout are measured
in the server under load, not only in a quiet test client."""
import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

_count = [0]


def _counted(*_args) -> None:
    _count[0] += 1


def post_fork(server, worker) -> None:
    event.listen(Engine, "before_cursor_execute", _counted)


def pre_request(worker, req) -> None:
    _count[0] = 0


def post_request(worker, req, environ, resp) -> None:
    if req.method == "POST" and req.path == "/api/v1/checkout" and str(resp.status).startswith("201"):
        with open(Path(os.environ["BENCH_STATEMENTS_DIR"]) / f"{os.getpid()}.txt", "a") as counts:
            counts.write(f"{_count[0]}\n")
