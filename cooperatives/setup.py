"""Wire the cooperatives package into the application (called once from create_app)."""
from __future__ import annotations

from flask import Flask

from cooperatives import cli, demo, notifications, reminders, routes, services
from marketplace import jobs
from marketplace.auth.services import profile_extenders
from marketplace.extensions import api


def register(app: Flask) -> None:
    api.register_blueprint(routes.blp)
    app.cli.add_command(cli.certifications)
    app.extensions.setdefault("demo_loaders", []).append(demo.load_demo_cooperatives)
    if services.profile_facts not in profile_extenders:
        profile_extenders.append(services.profile_facts)
    notifications.connect()
    jobs.register_periodic(app, reminders.send_certification_reminders, setting="CERTIFICATION_REMINDERS_SCHEDULE")
