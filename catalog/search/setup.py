"""Wire search into an app: routes, CLI, and the subscription that keeps the index in step."""
from __future__ import annotations

from flask import Flask

from catalog import version
from catalog.search import cli, indexing, routes
from catalog.signals import product_changed
from marketplace.extensions import api


def _index_then_bump(sender, **kwargs) -> None:
    """Searches answered between the commit and the index update may miss the change: cached under the version
    of that commit, they are made unreachable once the index has caught up."""
    indexing.on_product_changed(sender, **kwargs)
    version.bump()


def _reindex_then_bump() -> int:
    written = indexing.reindex()
    version.bump()
    return written


def register(app: Flask) -> None:
    api.register_blueprint(routes.blp)
    app.cli.add_command(cli.search)
    product_changed.connect(_index_then_bump)
    app.extensions.setdefault("demo_loaders", []).append(_reindex_then_bump)
