"""`flask --app wsgi orders expire` and `orders complete`, for a scheduler (both idempotent)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from orders import expiry, fulfilment

orders = AppGroup("orders", help="Order housekeeping for a scheduler.")


@orders.command("expire")
def expire() -> None:
    """Release the stock of unpaid card orders older than RESERVATION_MINUTES; they become `expired`."""
    click.echo(f"{expiry.expire_overdue()} orders expired.")


@orders.command("complete")
def complete() -> None:
    """Delivered orders past RETURN_WINDOW_DAYS become `completed`."""
    done = fulfilment.complete_delivered(older_than_days=int(current_app.config["RETURN_WINDOW_DAYS"]))
    click.echo(f"{done} orders completed.")
