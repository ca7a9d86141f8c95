"""Invoices, credit notes and their stored PDFs, and the counters that number them.

An invoice row holds everything it shows (`content`, JSON written once at issue time): rendering reads nothing
else, so the document never changes when the order, the cooperative or the buyer does. Each language's PDF is
stored once, in `invoice_documents`, and served as stored.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.dbtypes import UTCDateTime, utcnow
from marketplace.extensions import db


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class Issuer(StrEnum):
    COOPERATIVE = "cooperative"  # the seller, to the buyer of a parcel
    PLATFORM = "platform"  # the platform, to a cooperative, for its commission


PLATFORM_SERIES = "P"
DOCUMENT_LANGUAGES = ("fr", "ar")


class InvoiceSequence(db.Model):
    """The last number used in a series (a cooperative's id, or `P` for the platform) and year."""

    __tablename__ = "invoice_sequences"

    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_not_negative"),)


class Invoice(db.Model):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    series: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    issuer: Mapped[str] = mapped_column(String(20))
    # what caused it, once: `parcel:<id>`, `refund:<id>:parcel:<id>`, `settlement:<run id>:cooperative:<id>`
    source_key: Mapped[str] = mapped_column(String(80), unique=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    coop_order_id: Mapped[int | None] = mapped_column(ForeignKey("coop_orders.id"), index=True)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"), index=True)
    settlement_run_id: Mapped[int | None] = mapped_column(ForeignKey("settlement_runs.id"), index=True)
    refers_to_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    content: Mapped[dict] = mapped_column(JSON)

    refers_to: Mapped[Invoice | None] = relationship(remote_side=[id])

    __table_args__ = (UniqueConstraint("series", "year", "sequence"),
                      CheckConstraint("sequence > 0", name="sequence_positive"),
                      CheckConstraint("total >= 0", name="total_not_negative"))


@event.listens_for(Invoice, "before_update")
@event.listens_for(Invoice, "before_delete")
def _issued_is_final(_mapper, _connection, invoice: Invoice) -> None:
    raise ValueError(f"invoice {invoice.number} was issued: it never changes (a credit note corrects it)")


class InvoiceDocument(db.Model):
    """The PDF of an invoice in one language, stored once rendered and never replaced."""

    __tablename__ = "invoice_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    language: Mapped[str] = mapped_column(String(2))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("invoice_id", "language"),)
