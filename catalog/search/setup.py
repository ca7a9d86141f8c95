"""Wire search into an app: routes, CLI, and the subscription that keeps the index in step."""
from __future__ import annotations

from flask import Flask

from catalog.search import cli, indexing, routes
from catalog.signals import product_changed
from marketplace.extensions import api


def register(app: Flask) -> None:
    api.register_blueprint(routes.blp)
    app.cli.add_command(cli.search)
    product_changed.connect(indexing.on_product_changed)
    app.extensions.setdefault("demo_loaders", []).append(indexing.reindex)
