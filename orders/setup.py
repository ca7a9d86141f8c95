"""Wire the orders package into an app: blueprint, commands, Stripe event handlers, lot trace, notifications,
jobs, demo, invoices."""
from __future__ import annotations

from flask import Flask

from catalog.signals import lot_trace_providers
from marketplace import jobs
from marketplace.extensions import api
from orders import cli, demo, expiry, notifications, routes, trace
from orders.invoices import setup as invoices_setup
from orders import payment_events  # noqa: F401  (importing it registers the Stripe event handlers)


def register(app: Flask) -> None:
    api.register_blueprint(routes.blp)
    invoices_setup.register(app)
    app.cli.add_command(cli.orders)
    app.extensions.setdefault("demo_loaders", []).append(demo.load)
    if trace.order_lines_of not in lot_trace_providers:
        lot_trace_providers.append(trace.order_lines_of)
    notifications.connect()
    jobs.register_periodic(app, expiry.expire_overdue, setting="EXPIRE_ORDERS_SCHEDULE")
