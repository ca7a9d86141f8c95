"""Wire payments into an app: the webhook blueprint."""
from __future__ import annotations

from flask import Flask

from marketplace.extensions import api
from orders.payments import routes


def register(app: Flask) -> None:
    api.register_blueprint(routes.blp)
