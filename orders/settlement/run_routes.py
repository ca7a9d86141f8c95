"""HTTP API of settlement runs, payouts, statements and members' earnings."""
from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from marketplace.auth.models import Role
from marketplace.auth.permissions import auth_required, current_user, require_user
from orders.settlement import payouts, reports, runs, statements
from orders.settlement.run_schemas import (DashboardSchema, EarningsSchema, ImpactArgsSchema, ImpactSchema,
                                           PaidArgsSchema, PayoutSchema, PeriodArgsSchema,
                                           RunArgsSchema, RunPageArgsSchema, RunPageSchema, RunSchema,
                                           StatementSchema)

blp = Blueprint("settlement_runs", __name__, url_prefix="/api/v1", description="Settlement runs and payouts")


@blp.route("/admin/settlements", methods=["POST"])
@auth_required(Role.ADMIN)
@blp.arguments(RunArgsSchema)
@blp.response(201, RunSchema)
def run(args):
    """Settle every parcel delivered on or before `up_to − RETURN_WINDOW_DAYS` not yet settled."""
    return statements.run_view(runs.run_settlement(args["up_to"], actor_id=current_user().id))


@blp.route("/admin/settlements", methods=["GET"])
@auth_required(Role.ADMIN)
@blp.arguments(RunPageArgsSchema, location="query")
@blp.response(200, RunPageSchema)
def list_runs(args):
    """Runs, newest first."""
    return statements.runs_page(page=args["page"], per_page=args["per_page"])


@blp.route("/admin/settlements/<int:run_id>", methods=["GET"])
@auth_required(Role.ADMIN)
@blp.response(200, RunSchema)
def get_run(run_id):
    """One run: totals, cooperatives with their members, parcels and payouts (accounts masked)."""
    return statements.run_view(run_id)


@blp.route("/admin/settlements/<int:run_id>/payouts.csv", methods=["GET"])
@auth_required(Role.ADMIN)
@blp.response(200, {"type": "string"}, content_type="text/csv")
def payouts_csv(run_id):
    """The run's payouts for the treasurer: UTF-8 with BOM, `;`-separated, full accounts."""
    return Response(payouts.payouts_csv(run_id).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="payouts-run-{run_id}.csv"'},
                    content_type="text/csv; charset=utf-8")


@blp.route("/admin/payouts/<int:payout_id>/paid", methods=["POST"])
@auth_required(Role.ADMIN)
@blp.arguments(PaidArgsSchema)
@blp.response(200, PayoutSchema)
def mark_paid(args, payout_id):
    """Mark a payout paid (once; a second time is 409) and post it to the ledger."""
    payout = payouts.mark_paid(payout_id, reference=args["reference"].strip(), actor_id=current_user().id)
    return payouts.payout_view(payout)


@blp.route("/cooperatives/<int:cooperative_id>/statements", methods=["GET"])
@auth_required(Role.COOPERATIVE, Role.ADMIN)
@blp.arguments(PeriodArgsSchema, location="query")
@blp.response(200, StatementSchema)
def statement(args, cooperative_id):
    """The cooperative's settled parcels, deductions and payouts of the runs made in the period."""
    return statements.statement(current_user(), cooperative_id, from_=args["from_"], to=args["to"])


@blp.route("/cooperatives/<int:cooperative_id>/members/<int:member_id>/earnings", methods=["GET"])
@auth_required(Role.COOPERATIVE, Role.ADMIN)
@blp.response(200, EarningsSchema)
def member_earnings(cooperative_id, member_id):
    """What that member was allocated, parcel by parcel."""
    return statements.earnings(current_user(), cooperative_id, member_id)


@blp.route("/reports/impact", methods=["GET"])
@blp.arguments(ImpactArgsSchema, location="query")
@blp.response(200, ImpactSchema)
@blp.doc(security=[{}, {"bearerAuth": []}])
def impact(args):
    """The impact report: admins; anyone with `public=true` (aggregates only, groups under 3 cooperatives folded)."""
    if not args["public"]:
        require_user(Role.ADMIN)
    return reports.impact(from_=args["from_"], to=args["to"], region=args["region"], public=args["public"])


@blp.route("/cooperatives/<int:cooperative_id>/dashboard", methods=["GET"])
@auth_required(Role.COOPERATIVE, Role.ADMIN)
@blp.response(200, DashboardSchema)
def dashboard(cooperative_id):
    """Sales of the last 30 days, parcels to ship, low stock, certifications expiring, the next payout."""
    return reports.dashboard(current_user(), cooperative_id)
