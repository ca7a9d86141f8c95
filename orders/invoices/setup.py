"""Wire invoices into an app: blueprint, command, the rendering job, and the events they follow."""
from __future__ import annotations

from flask import Flask

from marketplace import jobs
from marketplace.extensions import api
from orders.invoices import cli, documents, routes, subscriptions


def register(app: Flask) -> None:
    api.register_blueprint(routes.blp)
    app.cli.add_command(cli.invoices)
    subscriptions.connect()
    jobs.register_task(app, documents.stored_pdf)
