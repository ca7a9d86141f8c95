"""The double-entry ledger: post an event's lines once, reverse an entry, read balances and the journal.

Every amount is MAD minor units. An entry balances (Σdebit = Σcredit) before it is written; posted entries are
never changed or deleted (see `models.LedgerIsAppendOnly`): a correction is a reversing entry. Functions here
write inside the caller's unit of work and never commit.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from marketplace import clock
from marketplace.extensions import db
from marketplace.pagination import paginate
from orders.settlement.accounts import Line, balanced
from orders.settlement.bulk import among, insert_new, insert_rows
from orders.settlement.errors import AlreadyReversed, SourceAlreadyPosted, UnbalancedEntry
from orders.settlement.models import EntryKind, JournalEntry, JournalLine

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class Posting:
    """One entry to post with `post_entries`."""
    source_key: str
    reference: str
    lines: list[Line]


def post_entries(kind: EntryKind | str, postings: Sequence[Posting]) -> None:
    """Post many entries of one kind at once, each once, as `post_entry` would (its checks, its 409 for a key
    already posted with another body): one insert of the entries and one of all their lines (bulk.py)."""
    kind = EntryKind(kind)
    if kind == EntryKind.REVERSAL:
        raise ValueError("a reversal refers to the entry it reverses: post it with reverse_entry")
    postings = list(postings)
    for posting in postings:
        _check(posting.source_key, posting.reference, posting.lines)
    if not postings:
        return
    at = clock.now()
    posted = dict(insert_new(JournalEntry, [
        {"kind": kind.value, "source_key": p.source_key, "reference": p.reference, "reverses_id": None, "at": at}
        for p in postings], unique="source_key", returning=("source_key", "id")))
    lines = []
    for posting in postings:
        entry_id = posted.get(posting.source_key)
        if entry_id is None:
            _same_as_posted(kind, posting.source_key, posting.reference, None, posting.lines)
            continue
        lines += [{"entry_id": entry_id, "position": position, "account": line.account, "debit": line.debit,
                   "credit": line.credit} for position, line in enumerate(posting.lines, start=1)]
    if lines:
        insert_rows(JournalLine, lines)


def _check(source_key: str, reference: str, lines: list[Line]) -> None:
    if not all(isinstance(line, Line) for line in lines) or not balanced(lines):
        raise UnbalancedEntry(f"entry {source_key!r} does not balance: {lines!r}")
    if not 0 < len(source_key) <= 160 or not 0 < len(reference) <= 200:
        raise ValueError("an entry needs a source key (≤ 160 characters) and a reference (≤ 200)")


def _same_as_posted(kind: EntryKind, source_key: str, reference: str, reverses_id: int | None,
                    lines: list[Line]) -> JournalEntry:
    """The entry already posted under `source_key`, when it is the same; a 409 when its body differs."""
    existing = db.session.scalars(select(JournalEntry).where(JournalEntry.source_key == source_key)).one()
    if _body(existing.kind, existing.reference, existing.reverses_id, existing.lines) != \
            _body(kind, reference, reverses_id, lines):
        raise SourceAlreadyPosted(message=f"{source_key} was already posted with other lines.",
                                  details={"source_key": source_key, "entry_id": existing.id})
    return existing


def post_entry(kind: EntryKind | str, *, source_key: str, reference: str, lines: Iterable[Line],
               reverses: JournalEntry | None = None) -> JournalEntry:
    """Post a balanced entry for the event `source_key`, once: posting it again returns the entry already there.

    The same key with a different body is a 409. Two transactions posting the same key at once meet on the
    unique source key (`INSERT … ON CONFLICT DO NOTHING`): the second waits for the first and returns its entry.
    """
    kind = EntryKind(kind)
    lines = list(lines)
    _check(source_key, reference, lines)
    if (kind == EntryKind.REVERSAL) != (reverses is not None):
        raise ValueError("a reversal, and only a reversal, refers to the entry it reverses")
    reverses_id = reverses.id if reverses is not None else None
    statement = (_INSERTS[db.session.get_bind().dialect.name](JournalEntry)
                 .values(kind=kind.value, source_key=source_key, reference=reference, reverses_id=reverses_id,
                         at=clock.now())
                 .on_conflict_do_nothing(index_elements=["source_key"])
                 .returning(JournalEntry))
    entry = db.session.scalars(statement).one_or_none()
    if entry is None:
        return _same_as_posted(kind, source_key, reference, reverses_id, lines)
    db.session.execute(insert(JournalLine.__table__), [
        {"entry_id": entry.id, "position": position, "account": line.account, "debit": line.debit,
         "credit": line.credit}
        for position, line in enumerate(lines, start=1)])
    return entry  # two statements an entry, however many lines; its lines load when read


def reverse_entry(entry: JournalEntry, *, source_key: str, reference: str) -> JournalEntry:
    """Post the mirror image of `entry` (each debit becomes a credit), restoring every balance it moved.

    An entry is reversed at most once; reversing it again under the same source key returns that reversal.
    """
    earlier = db.session.scalars(select(JournalEntry).where(JournalEntry.reverses_id == entry.id)).one_or_none()
    if earlier is not None and earlier.source_key != source_key:
        raise AlreadyReversed(message=f"Entry {entry.id} was already reversed by entry {earlier.id}.",
                              details={"entry_id": entry.id, "reversal_id": earlier.id})
    lines = [Line(line.account, debit=line.debit, credit=line.credit).reversed() for line in entry.lines]
    return post_entry(EntryKind.REVERSAL, source_key=source_key, reference=reference, lines=lines, reverses=entry)


def account_balance(account: str, up_to: datetime | None = None) -> int:
    """The account's balance, debit − credit, over entries posted at or before `up_to` (default: all)."""
    statement = (select(func.coalesce(func.sum(JournalLine.debit - JournalLine.credit), 0))
                 .where(JournalLine.account == account))
    if up_to is not None:
        statement = statement.join(JournalEntry).where(JournalEntry.at <= up_to)
    return int(db.session.scalar(statement))


def account_balances(accounts: Sequence[str]) -> dict[str, int]:
    """Each account's balance, debit − credit, over every entry: one query however many accounts."""
    sums = dict(db.session.execute(select(JournalLine.account, func.sum(JournalLine.debit - JournalLine.credit))
                                   .where(among(JournalLine.account, sorted(set(accounts))))
                                   .group_by(JournalLine.account)).all())
    return {account: int(sums.get(account) or 0) for account in accounts}


def journal_page(*, account: str | None = None, from_: date | None = None, to: date | None = None, page: int = 1,
                 per_page: int = 20) -> dict[str, Any]:
    """Entries touching `account` posted on days `from_` to `to` (inclusive, UTC), newest first, all lines each."""
    return paginate(journal_query(account=account, from_=from_, to=to), page=page, per_page=per_page)


def journal_query(*, account: str | None = None, from_: date | None = None, to: date | None = None) -> Select:
    statement = (select(JournalEntry).options(selectinload(JournalEntry.lines))
                 .order_by(JournalEntry.at.desc(), JournalEntry.id.desc()))
    if account:
        statement = statement.where(exists().where(JournalLine.entry_id == JournalEntry.id,
                                                   JournalLine.account == account))
    if from_ is not None:
        statement = statement.where(JournalEntry.at >= datetime.combine(from_, time.min, tzinfo=UTC))
    if to is not None:
        statement = statement.where(JournalEntry.at < datetime.combine(to + timedelta(days=1), time.min, tzinfo=UTC))
    return statement


def unbalanced_entries() -> list[int]:
    """Ids of entries whose lines do not balance, or that have no line: always empty (checked by tests)."""
    sums = (select(JournalLine.entry_id, func.sum(JournalLine.debit).label("debit"),
                   func.sum(JournalLine.credit).label("credit"))
            .group_by(JournalLine.entry_id).subquery())
    statement = (select(JournalEntry.id).outerjoin(sums, sums.c.entry_id == JournalEntry.id)
                 .where((sums.c.entry_id.is_(None)) | (sums.c.debit != sums.c.credit))
                 .order_by(JournalEntry.id))
    return list(db.session.scalars(statement))


def _body(kind: str, reference: str, reverses_id: int | None, lines: Iterable[Any]) -> tuple:
    return (str(kind), reference, reverses_id,
            sorted((line.account, line.debit, line.credit) for line in lines))
