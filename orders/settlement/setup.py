"""Wire settlement into an app: the ledger's blueprint and command."""
from __future__ import annotations

from flask import Flask

from marketplace.extensions import api
from orders.settlement import cli, routes


def register(app: Flask) -> None:
    api.register_blueprint(routes.blp)
    app.cli.add_command(cli.ledger)
