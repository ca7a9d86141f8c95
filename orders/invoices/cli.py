"""`flask --app wsgi invoices issue-missing`: invoices for what was paid or delivered before invoicing existed."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from tqdm import tqdm

from orders.invoices import issuing

invoices = AppGroup("invoices", help="Invoices and credit notes.")


@invoices.command("issue-missing")
def issue_missing() -> None:
    """Issue the invoices of paid or delivered parcels, and the commission invoices of settlement runs, that have
    none (idempotent: run it again, it issues nothing more)."""
    parcels, runs = issuing.missing_parcels(), issuing.missing_commission_runs()
    issued = 0
    with tqdm(total=len(parcels) + len(runs), unit="document", desc="Invoicing") as bar:
        for parcel_id in parcels:
            issued += issuing.issue_missing_for_parcel(parcel_id) is not None
            bar.update()
        for run_id in runs:
            issued += len(issuing.issue_missing_for_run(run_id))
            bar.update()
    click.echo(f"{issued} invoices issued.")
