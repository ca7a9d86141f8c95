"""Notifications by e-mail and SMS: `notify(event, recipient, context)` records the message in the transaction
and a job sends it after the commit (see services). Templates: `templates/<language>/<event>.txt`."""
from __future__ import annotations

from flask import Flask

from marketplace import jobs
from marketplace.extensions import api
from marketplace.notifications import cli, email, routes, services, sms
from marketplace.notifications.services import Recipient, notify

__all__ = ["Recipient", "notify", "register"]


def register(app: Flask) -> None:

    email.init_app(app)
    sms.init_app(app)
    api.register_blueprint(routes.blp)
    app.cli.add_command(cli.notifications)
    jobs.register_task(app, services.deliver)
    jobs.register_periodic(app, services.retry_due, setting="NOTIFICATIONS_RETRY_SCHEDULE")
