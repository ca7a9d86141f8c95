"""`flask --app wsgi notifications send ID` and `notifications retry` (what the jobs run)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.notifications import services

notifications = AppGroup("notifications", help="Messages by e-mail and SMS.")


@notifications.command("send")
@click.argument("notification_id", type=click.IntRange(min=1))
def send(notification_id: int) -> None:
    """Send one message now if it is due and not sent yet."""
    status = services.deliver(notification_id)
    click.echo(f"Notification {notification_id}: {status or 'nothing to do (sent, not due, or no attempts left)'}.")


@notifications.command("retry")
def retry() -> None:
    """Queue every message whose next attempt is due."""
    click.echo(f"{services.retry_due()} messages queued.")
