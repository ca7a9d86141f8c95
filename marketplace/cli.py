"""Command-line tools: `flask --app wsgi users create-admin`, `flask --app wsgi demo load`."""
from __future__ import annotations

from decimal import Decimal

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from marketplace import exchange_rates
from marketplace.auth import services as accounts
from marketplace.auth.models import Role
from marketplace.errors import AppError

users = AppGroup("users", help="Manage accounts.")
demo = AppGroup("demo", help="Demo data for a laptop.")

DEMO_PASSWORD = "souk-demo-2026"
DEMO_USERS = [
    ("admin@souk.test", "Nadia Admin", Role.ADMIN),
    ("fatima@cooperative.test", "Fatima Aït Ouahmane", Role.COOPERATIVE),
    ("youssef@cooperative.test", "Youssef El Idrissi", Role.COOPERATIVE),
    ("khadija@cooperative.test", "Khadija Benali", Role.COOPERATIVE),
    ("amina@buyer.test", "Amina Tazi", Role.BUYER),
    ("moussa@buyer.test", "Moussa Diop", Role.BUYER),
]


@users.command("create-admin")
@click.argument("email")
@click.option("--password", envvar="ADMIN_PASSWORD", help="or set ADMIN_PASSWORD; prompted when absent")
@click.option("--full-name", default="Administrator")
def create_admin(email: str, password: str | None, full_name: str) -> None:
    """Create an administrator (or promote an existing account)."""
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.BadParameter("use at least 10 characters", param_hint="--password")
    user = accounts.create_admin(email=email, password=password, full_name=full_name)
    click.echo(f"Admin {user.email} (id {user.id}) is ready.")


# Indicative rates (units of the currency per 1 MAD) so that a fresh demo prices carts in every currency.
DEMO_RATES = {"EUR": "0.0921", "USD": "0.0998", "XOF": "60.41", "XAF": "60.41"}


def load_demo_rates() -> None:
    """Set the demo exchange rates unless an administrator already set some."""
    if not exchange_rates.current_rates():
        exchange_rates.set_rates({currency: Decimal(rate) for currency, rate in DEMO_RATES.items()}, actor_id=None)


def load_demo_users() -> None:
    for email, full_name, role in DEMO_USERS:
        try:
            accounts.register_user(email=email, password=DEMO_PASSWORD, full_name=full_name, role=role)
        except AppError:
            continue


@demo.command("load")
def load() -> None:
    """Load demo accounts, cooperatives, products and orders (safe to run twice)."""
    for loader in current_app.extensions["demo_loaders"]:
        click.echo(f"{loader.__module__}.{loader.__name__} …")
        loader()
    click.echo(f"Demo accounts use the password {DEMO_PASSWORD!r}: " + ", ".join(e for e, _, _ in DEMO_USERS))


def register_commands(app: Flask) -> None:
    app.extensions.setdefault("demo_loaders", [])[0:0] = [load_demo_users, load_demo_rates]
    app.cli.add_command(users)
    app.cli.add_command(demo)
