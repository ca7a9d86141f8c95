"""The ledger's tables: journal entries and their lines, append-only."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DDL, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from marketplace import clock
from marketplace.dbtypes import UTCDateTime
from marketplace.extensions import db
from marketplace.money import BASE_CURRENCY, Money


class EntryKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    SETTLEMENT = "settlement"
    PAYOUT = "payout"
    REVERSAL = "reversal"


class JournalEntry(db.Model):
    """One event's postings. `source_key` names the event (`payment:41`, `settlement:3:812`) so it posts once."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_key: Mapped[str] = mapped_column(String(160), unique=True)
    reference: Mapped[str] = mapped_column(String(200))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, index=True)

    lines: Mapped[list[JournalLine]] = relationship(order_by="JournalLine.position", back_populates="entry")

    __table_args__ = (
        CheckConstraint("kind IN ('payment', 'refund', 'settlement', 'payout', 'reversal')", name="kind_known"),
        CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)", name="reversal_refers_to_original"),
    )


class JournalLine(db.Model):
    __tablename__ = "journal_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    position: Mapped[int] = mapped_column(Integer)
    account: Mapped[str] = mapped_column(String(80))
    debit: Mapped[int] = mapped_column(BigInteger)
    credit: Mapped[int] = mapped_column(BigInteger)

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")

    @property
    def debit_money(self) -> Money:
        return Money(self.debit, BASE_CURRENCY)

    @property
    def credit_money(self) -> Money:
        return Money(self.credit, BASE_CURRENCY)

    __table_args__ = (
        UniqueConstraint("entry_id", "position", name="uq_journal_lines_entry_id_position"),
        Index("ix_journal_lines_account_entry_id", "account", "entry_id"),
        CheckConstraint("(debit > 0 AND credit = 0) OR (debit = 0 AND credit > 0)", name="one_side_positive"),
    )


class LedgerIsAppendOnly(RuntimeError):
    """A journal entry or line was changed or deleted: corrections are reversing entries."""


LEDGER_MODELS = (JournalEntry, JournalLine)

# PostgreSQL also refuses it below the ORM (a raw UPDATE or DELETE); migration 0007_ledger creates the same.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: post a reversing entry' USING ERRCODE = 'restrict_violation';
END $$"""
APPEND_ONLY_TRIGGER = ("CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()")

for _model in LEDGER_MODELS:
    for _sql in (APPEND_ONLY_FUNCTION, APPEND_ONLY_TRIGGER.format(table=_model.__tablename__)):
        event.listen(_model.__table__, "after_create", DDL(_sql).execute_if(dialect="postgresql"))


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_posted_entries(session: Session, _context, _instances) -> None:
    changed = [obj for obj in session.dirty if isinstance(obj, LEDGER_MODELS) and session.is_modified(obj)]
    deleted = [obj for obj in session.deleted if isinstance(obj, LEDGER_MODELS)]
    if changed or deleted:
        raise LedgerIsAppendOnly("the ledger is append-only: post a reversing entry instead")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    if (state.is_update or state.is_delete) and any(m.class_ in LEDGER_MODELS for m in state.all_mappers):
        raise LedgerIsAppendOnly("the ledger is append-only: post a reversing entry instead")
