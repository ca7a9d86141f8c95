"""Reading invoices: who may see which (the buyer, the cooperative's managers, admins), and their PDFs."""
from __future__ import annotations

from sqlalchemy import select

from cooperatives.services import managed_cooperative, managed_cooperative_ids, manages
from marketplace.auth.models import Role, User
from marketplace.auth.permissions import found
from marketplace.extensions import db
from marketplace.pagination import paginate
from orders.invoices import documents
from orders.invoices.models import Invoice, Issuer
from orders.models import Order


def order_invoices(user: User, order_id: int) -> list[Invoice]:
    """An order's invoices and credit notes: all of them for its buyer and admins, a manager's own parcels' for
    a manager of a cooperative concerned; 404 for anyone else."""
    order = db.session.get(Order, order_id)
    statement = select(Invoice).where(Invoice.order_id == order_id).order_by(Invoice.id)
    if user.role == Role.ADMIN or (order is not None and order.buyer_id == user.id):
        found(order, what="order")
        return list(db.session.scalars(statement))
    mine = set(managed_cooperative_ids(user)) if user.role == Role.COOPERATIVE else set()
    concerned = order is not None and any(parcel.cooperative_id in mine for parcel in order.coop_orders)
    found(order, visible=concerned, what="order")
    return list(db.session.scalars(statement.where(Invoice.cooperative_id.in_(mine))))


def _visible(user: User, invoice: Invoice) -> bool:
    if user.role == Role.ADMIN or manages(user, invoice.cooperative_id):
        return True
    return invoice.issuer == Issuer.COOPERATIVE and invoice.buyer_id == user.id


def invoice_pdf(user: User, invoice_id: int, language: str) -> tuple[Invoice, bytes]:
    """The stored PDF of an invoice its reader may see (404 otherwise), rendered and stored on first request."""
    invoice = db.session.get(Invoice, invoice_id)
    found(invoice, visible=invoice is not None and _visible(user, invoice), what="invoice")
    return invoice, documents.stored_pdf(invoice.id, language)


def cooperative_invoices(user: User, cooperative_id: int, *, page: int, per_page: int) -> dict:
    """A cooperative's invoices and credit notes, and the platform's commission invoices to it, newest first."""
    managed_cooperative(user, cooperative_id)
    return paginate(select(Invoice).where(Invoice.cooperative_id == cooperative_id).order_by(Invoice.id.desc()),
                    page=page, per_page=per_page)
