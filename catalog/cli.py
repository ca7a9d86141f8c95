"""`flask --app wsgi stock alerts`: what the low-stock job runs."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from catalog.low_stock import send_low_stock_alerts

stock = AppGroup("stock", help="Follow the cooperatives' stock.")


@stock.command("alerts")
def alerts() -> None:
    """Tell managers which published variants fell to LOW_STOCK_THRESHOLD units or fewer (once per shortage)."""
    click.echo(f"{send_low_stock_alerts()} variants announced as low on stock.")
