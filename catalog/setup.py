"""Wire the catalog into an app: blueprint, subscriptions to the cooperatives package, the catalog version's
session hooks, demo loader."""
from __future__ import annotations

from flask import Flask

from catalog import demo, routes, subscriptions, version
from marketplace.extensions import api


def register(app: Flask) -> None:
    api.register_blueprint(routes.blp)
    subscriptions.subscribe()
    version.watch()
    app.extensions.setdefault("demo_loaders", []).append(demo.load)
