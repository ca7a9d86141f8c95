"""Wire settlement into an app: the ledger's and the runs' blueprints and commands, and the postings of the
order side's money events."""
from __future__ import annotations

from flask import Flask

from marketplace import jobs
from marketplace.extensions import api
from orders.settlement import cli, postings, routes, run_cli, run_routes, runs


def register(app: Flask) -> None:
    api.register_blueprint(routes.blp)
    api.register_blueprint(run_routes.blp)
    app.cli.add_command(cli.ledger)
    app.cli.add_command(run_cli.settlement)
    postings.connect()
    jobs.register_periodic(app, runs.scheduled_run, setting="SETTLEMENT_SCHEDULE")
