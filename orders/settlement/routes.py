"""HTTP API of settlement: the admin's view of the ledger."""
from __future__ import annotations

from flask_smorest import Blueprint

from marketplace.auth.models import Role
from marketplace.auth.permissions import auth_required
from orders.settlement import ledger
from orders.settlement.schemas import JournalPageSchema, LedgerArgsSchema

blp = Blueprint("settlement", __name__, url_prefix="/api/v1/admin", description="Settlement and the ledger")


@blp.route("/ledger", methods=["GET"])
@auth_required(Role.ADMIN)
@blp.arguments(LedgerArgsSchema, location="query")
@blp.response(200, JournalPageSchema)
def journal(args):
    """Journal entries, newest first, each with all its lines; filter by account and by days (inclusive, UTC)."""
    return ledger.journal_page(account=args.get("account"), from_=args.get("from_"), to=args.get("to"),
                               page=args["page"], per_page=args["per_page"])
