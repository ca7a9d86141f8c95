"""The stored PDFs. An invoice's PDF in a language is rendered from its content once and stored in the database
(`invoice_documents`), then always served as stored: it commits with the invoice's own rows, is backed up with
them, and every app server sees it without shared storage (a PDF is a few tens of kB).

Rendering runs after the commit that issued the invoice (French) or on the first request for a language not
stored yet (a failed or skipped render, Arabic). Two first requests at once may both render; the insert keeps
the first stored (`ON CONFLICT DO NOTHING`) and both serve that one.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from marketplace import clock
from marketplace.extensions import db
from marketplace.transaction import unit_of_work
from orders.invoices.models import Invoice, InvoiceDocument
from orders.invoices.rendering import render_pdf

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _stored(invoice_id: int, language: str) -> bytes | None:
    return db.session.scalar(select(InvoiceDocument.pdf).where(InvoiceDocument.invoice_id == invoice_id,
                                                               InvoiceDocument.language == language))


def stored_pdf(invoice_id: int, language: str) -> bytes:
    """The invoice's PDF in `language` as stored, rendering and storing it first when it is not yet."""
    pdf = _stored(invoice_id, language)
    if pdf is not None:
        return pdf
    invoice = db.session.get(Invoice, invoice_id)
    rendered = render_pdf(invoice.number, invoice.kind, invoice.issued_at, invoice.content, language)
    insert = _INSERTS[db.session.get_bind().dialect.name]
    with unit_of_work():
        db.session.execute(insert(InvoiceDocument).values(
            invoice_id=invoice_id, language=language, pdf=rendered, sha256=hashlib.sha256(rendered).hexdigest(),
            rendered_at=clock.now())
            .on_conflict_do_nothing(index_elements=["invoice_id", "language"]))
    return _stored(invoice_id, language)

