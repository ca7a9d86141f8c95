"""Wire the catalog into an app: blueprint, subscriptions to the cooperatives package, jobs, the catalog
version's session hooks, demo loader."""
from __future__ import annotations

from flask import Flask

from catalog import cli, demo, low_stock, notifications, routes, subscriptions, version
from marketplace import jobs
from marketplace.extensions import api


def register(app: Flask) -> None:
    api.register_blueprint(routes.blp)
    subscriptions.subscribe()
    notifications.connect()
    app.cli.add_command(cli.stock)
    jobs.register_periodic(app, low_stock.send_low_stock_alerts, setting="LOW_STOCK_SCHEDULE")
    version.watch()
    app.extensions.setdefault("demo_loaders", []).append(demo.load)
