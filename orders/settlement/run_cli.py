"""`flask --app wsgi settlement run --up-to DATE` and `flask --app wsgi ledger backfill`."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from tqdm import tqdm

from marketplace.errors import AppError
from marketplace.extensions import db
from marketplace.transaction import unit_of_work
from orders.settlement import postings, runs
from orders.settlement.cli import ledger
from orders.settlement.run_models import SettlementRun

settlement = AppGroup("settlement", help="Settle delivered parcels and pay the cooperatives.")


@settlement.command("run")
@click.option("--up-to", "up_to", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="settle parcels delivered on or before this day minus RETURN_WINDOW_DAYS")
def run(up_to) -> None:
    """Settle every eligible parcel not yet settled, in one run, with a progress bar."""
    day = up_to.date()
    try:
        runs.validate_up_to(day)
        with tqdm(total=runs.eligible_count(day), unit="parcel", desc="Settling") as bar:
            run_id = runs.run_settlement(day, actor_id=None, progress=bar.update)
    except AppError as error:
        raise click.ClickException(f"{error.code}: {error}") from None
    settled = db.session.get(SettlementRun, run_id)
    click.echo(f"Run {run_id}: {settled.parcels_count} parcels settled, {settled.payable / 100:.2f} MAD payable.")


@settlement.command("scheduled")
def scheduled() -> None:
    """What the SETTLEMENT_SCHEDULE job runs: settle up to today, only when some parcel is eligible."""
    run_id = runs.scheduled_run()
    click.echo(f"Run {run_id} settled." if run_id else "Nothing to settle.")


@ledger.command("backfill")
def backfill() -> None:
    """Post the payments, cash collections and refunds of orders made before the ledger (safe to run again)."""
    with unit_of_work():
        counts = postings.backfill()
    click.echo(f"Posted {counts['payments']} card payments, {counts['cash']} cash collections and "
               f"{counts['refunds']} refunds.")
