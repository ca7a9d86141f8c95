"""Corrections of a verified cooperative's legal identifiers, held for an administrator.

A manager's change to the name, registration number, ICE or legal form of a verified cooperative does not take
effect, and does not send the cooperative back to the verification queue: it is held as one pending change
request (a second correction before the decision updates it), while the verified identity stays in force and
its products stay on sale. An administrator approves it (the changes apply) or rejects it; both are audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cooperatives import services
from cooperatives.models import Cooperative
from cooperatives.signals import cooperative_updated
from marketplace.audit import change_state
from marketplace.auth.models import User
from marketplace.auth.permissions import found
from marketplace.clock import now
from marketplace.dbtypes import UTCDateTime
from marketplace.extensions import db
from marketplace.pagination import paginate
from marketplace.transaction import after_commit, unit_of_work


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


CHANGE_TRANSITIONS = {None: {ChangeStatus.PENDING}, ChangeStatus.PENDING: {ChangeStatus.APPROVED,
                                                                           ChangeStatus.REJECTED}}
CHANGE_DECISIONS = {"approve": ChangeStatus.APPROVED, "reject": ChangeStatus.REJECTED}


class CooperativeChange(db.Model):
    __tablename__ = "cooperative_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)
    changes: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)

    cooperative: Mapped[Cooperative] = relationship()

    @property
    def current(self) -> dict[str, Any]:
        """The values in force for the fields this request would change."""
        return {name: getattr(self.cooperative, name) for name in self.changes}


@dataclass(frozen=True)
class EditedCooperative:
    """A cooperative after an edit, with the change request holding its legal identifiers (if any)."""

    cooperative: Cooperative
    pending_change: CooperativeChange | None

    def __getattr__(self, name: str):
        return getattr(self.cooperative, name)


def edit_cooperative(user: User, cooperative_id: int, changes: dict[str, Any]) -> EditedCooperative:
    """Apply an edit; a manager's change to a verified cooperative's legal identifiers is held for review."""
    cooperative = services.managed_cooperative(user, cooperative_id)
    held = {}
    if not user.is_admin and cooperative.is_verified:
        held = {name: value for name, value in changes.items()
                if name in services.LEGAL_IDENTIFIERS and getattr(cooperative, name) != value}
    pending = None
    with unit_of_work():
        if held:
            pending = _hold(user, cooperative, held)
        cooperative = services.update_cooperative(user, cooperative_id,
                                                  {k: v for k, v in changes.items() if k not in held})
    return EditedCooperative(cooperative, pending)


def _hold(user: User, cooperative: Cooperative, held: dict[str, Any]) -> CooperativeChange:
    _ensure_applicable(cooperative, held)
    pending = db.session.scalar(select(CooperativeChange).where(
        CooperativeChange.cooperative_id == cooperative.id, CooperativeChange.status == ChangeStatus.PENDING)
        .with_for_update())
    if pending is not None:
        pending.changes = {**pending.changes, **held}
        pending.requested_by_id = user.id
        return pending
    pending = CooperativeChange(cooperative_id=cooperative.id, changes=held, status=None, requested_by_id=user.id)
    db.session.add(pending)
    change_state(pending, ChangeStatus.PENDING, allowed=CHANGE_TRANSITIONS, actor_id=user.id,
                 reason="legal identifiers corrected")
    return pending


def _ensure_applicable(cooperative: Cooperative, changes: dict[str, Any]) -> None:
    if "ice" in changes and changes["ice"] != cooperative.ice:
        services._ensure_ice_free(changes["ice"])
    if "legal_form" in changes and changes["legal_form"] != cooperative.legal_form:
        services._ensure_legal_form_fits_union_ties(cooperative, changes["legal_form"])


def change_queue(*, status: str, page: int, per_page: int) -> dict:
    """The administrators' queue of held changes in `status`, oldest first."""
    statement = (select(CooperativeChange).where(CooperativeChange.status == status)
                 .order_by(CooperativeChange.created_at, CooperativeChange.id))
    return paginate(statement, page=page, per_page=per_page)


def decide_change(admin: User, change_id: int, *, decision: str, reason: str | None) -> CooperativeChange:
    """Approve (the changes apply, the cooperative stays verified) or reject a held change; audited."""
    with unit_of_work():
        change = found(db.session.get(CooperativeChange, change_id, with_for_update=True), what="change request")
        target = CHANGE_DECISIONS[decision]
        change_state(change, target, allowed=CHANGE_TRANSITIONS, actor_id=admin.id, reason=reason)
        change.decided_by_id, change.decided_at, change.reason = admin.id, now(), reason
        if target == ChangeStatus.APPROVED:
            cooperative = db.session.get(Cooperative, change.cooperative_id, with_for_update=True)
            _ensure_applicable(cooperative, change.changes)
            for name, value in change.changes.items():
                setattr(cooperative, name, value)
            if set(change.changes) & services.INDEXED_FIELDS:
                after_commit(_announce_update, cooperative.id)
    return change


def _announce_update(cooperative_id: int) -> None:
    cooperative_updated.send(db.session.get(Cooperative, cooperative_id))
