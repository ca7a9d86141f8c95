"""`flask --app wsgi certifications expiring --days 30`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from cooperatives.certifications import expiring_certifications
from cooperatives.reminders import send_certification_reminders

certifications = AppGroup("certifications", help="Follow cooperatives' certifications.")


@certifications.command("expiring")
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=0, max=3650),
              help="how far ahead to look")
def expiring(days: int) -> None:
    """List verified certifications that expire within DAYS, soonest first."""
    rows = expiring_certifications(within_days=days)
    if not rows:
        click.echo(f"No certification expires within {days} days.")
    for certification in rows:
        click.echo(f"{certification.expires_on.isoformat()}  {certification.cooperative.name}  "
                   f"{certification.kind}  {certification.number}")


@certifications.command("remind")
def remind() -> None:
    """Send the expiry reminders due today (30 and 7 days before, and the day a certificate lapses); idempotent."""
    click.echo(f"{send_certification_reminders()} reminders sent.")
