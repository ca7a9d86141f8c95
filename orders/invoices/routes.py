"""Invoices: an order's, a cooperative's, and one invoice's stored PDF."""
from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from marketplace.auth.models import Role
from marketplace.auth.permissions import auth_required, require_user
from marketplace.pagination import PageArgsSchema
from orders.invoices import schemas, services

blp = Blueprint("invoices", __name__, url_prefix="/api/v1", description="Invoices and credit notes")


@blp.route("/orders/<int:order_id>/invoices", methods=["GET"])
@auth_required()
@blp.response(200, schemas.InvoiceListSchema)
def order_invoices(order_id: int):
    """The order's invoices and credit notes (a manager sees its own cooperatives' only)."""
    return {"items": services.order_invoices(require_user(), order_id)}


@blp.route("/invoices/<int:invoice_id>.pdf", methods=["GET"])
@auth_required()
@blp.arguments(schemas.PdfArgsSchema, location="query")
@blp.doc(responses={"200": {"description": "The stored PDF, as issued", "content": {"application/pdf": {}}}})
def invoice_pdf(args, invoice_id: int):
    """The invoice's PDF in French (default) or Arabic (`lang=ar`), as stored."""
    invoice, pdf = services.invoice_pdf(require_user(), invoice_id, args["lang"])
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{invoice.number}-{args["lang"]}.pdf"',
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


@blp.route("/cooperatives/<int:cooperative_id>/invoices", methods=["GET"])
@auth_required(Role.COOPERATIVE, Role.ADMIN)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, schemas.InvoicePageSchema)
def cooperative_invoices(args, cooperative_id: int):
    """The cooperative's invoices and credit notes, and the platform's commission invoices to it."""
    return services.cooperative_invoices(require_user(), cooperative_id, **args)
