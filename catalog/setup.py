"""Wire the catalog into an app: blueprint, subscriptions to the cooperatives package, demo loader."""
from __future__ import annotations

from flask import Flask

from catalog import demo, routes, subscriptions
from marketplace.extensions import api


def register(app: Flask) -> None:
    api.register_blueprint(routes.blp)
    subscriptions.subscribe()
    app.extensions.setdefault("demo_loaders", []).append(demo.load)
