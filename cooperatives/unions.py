"""Joining a union of cooperatives: a cooperative asks, the union's managers accept or refuse (audited).

A cooperative has at most one pending request; asking another union withdraws the earlier request. Accepting
attaches the cooperative to the union; the union's public member list shows only accepted members that are
verified. Leaving needs no one's consent.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cooperatives.errors import CooperativeError
from cooperatives.models import Cooperative
from cooperatives.services import managed_cooperative
from marketplace.audit import change_state
from marketplace.auth.models import User
from marketplace.auth.permissions import found
from marketplace.clock import now
from marketplace.dbtypes import UTCDateTime
from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.pagination import paginate
from marketplace.transaction import unit_of_work


class JoinStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


JOIN_TRANSITIONS = {None: {JoinStatus.PENDING},
                    JoinStatus.PENDING: {JoinStatus.ACCEPTED, JoinStatus.REFUSED, JoinStatus.WITHDRAWN}}
JOIN_DECISIONS = {"accept": JoinStatus.ACCEPTED, "refuse": JoinStatus.REFUSED}
# A cooperative may ask to join while it waits for its own verification; it is listed once verified.
MAY_ASK = ("pending", "verified")


class UnionJoinRequest(db.Model):
    __tablename__ = "union_join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)
    union_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)

    cooperative: Mapped[Cooperative] = relationship(foreign_keys=[cooperative_id])


def ask_to_join(user: User, cooperative_id: int, union_id: int) -> UnionJoinRequest:
    """Ask a verified union to take the cooperative in; the union's managers decide."""
    with unit_of_work():
        cooperative = managed_cooperative(user, cooperative_id, admins=False, lock=True)
        if cooperative.is_union:
            raise Conflict(CooperativeError.UNION_CANNOT_JOIN_UNION, "A union cannot join another union.")
        if cooperative.status not in MAY_ASK:
            raise Conflict(CooperativeError.COOPERATIVE_NOT_ACTIVE,
                           "A rejected or suspended cooperative cannot ask to join a union.")
        union = db.session.get(Cooperative, union_id)
        if union is None or not union.is_union or not union.is_verified:
            raise ValidationFailed(CooperativeError.UNION_NOT_AVAILABLE, "That is not a verified union.",
                                   {"union_id": ["Choose a verified cooperative whose legal form is union."]})
        if cooperative.union_id == union_id:
            raise Conflict(CooperativeError.ALREADY_IN_UNION, "The cooperative is already a member of this union.")
        pending = _pending_request(cooperative.id)
        if pending is not None and pending.union_id == union_id:
            return pending
        if pending is not None:
            change_state(pending, JoinStatus.WITHDRAWN, allowed=JOIN_TRANSITIONS, actor_id=user.id,
                         reason="asked another union")
        request = UnionJoinRequest(cooperative_id=cooperative.id, union_id=union_id, status=None,
                                   requested_by_id=user.id)
        db.session.add(request)
        change_state(request, JoinStatus.PENDING, allowed=JOIN_TRANSITIONS, actor_id=user.id, reason="asked to join")
    return request


def leave_union(user: User, cooperative_id: int) -> Cooperative:
    """Leave the current union (and withdraw a pending request)."""
    with unit_of_work():
        cooperative = managed_cooperative(user, cooperative_id, admins=False, lock=True)
        pending = _pending_request(cooperative.id)
        if pending is not None:
            change_state(pending, JoinStatus.WITHDRAWN, allowed=JOIN_TRANSITIONS, actor_id=user.id, reason="left")
        cooperative.union_id = None
    return cooperative


def join_requests(user: User, union_id: int, *, status: str, page: int, per_page: int) -> dict:
    """The requests addressed to a union its user manages (administrators too), oldest first."""
    union = managed_cooperative(user, union_id)
    statement = (select(UnionJoinRequest).where(UnionJoinRequest.union_id == union.id,
                                                UnionJoinRequest.status == status)
                 .order_by(UnionJoinRequest.created_at, UnionJoinRequest.id))
    return paginate(statement, page=page, per_page=per_page)


def decide_join_request(user: User, union_id: int, request_id: int, *, decision: str,
                        reason: str | None) -> UnionJoinRequest:
    """A manager of the union accepts (the cooperative joins) or refuses a request; audited."""
    with unit_of_work():
        union = managed_cooperative(user, union_id, admins=False)
        request = db.session.get(UnionJoinRequest, request_id, with_for_update=True)
        found(request, visible=request is not None and request.union_id == union.id, what="join request")
        target = JOIN_DECISIONS[decision]
        change_state(request, target, allowed=JOIN_TRANSITIONS, actor_id=user.id, reason=reason)
        request.decided_by_id, request.decided_at, request.reason = user.id, now(), reason
        if target == JoinStatus.ACCEPTED:
            cooperative = db.session.get(Cooperative, request.cooperative_id, with_for_update=True)
            if cooperative.is_union:
                raise Conflict(CooperativeError.UNION_CANNOT_JOIN_UNION, "A union cannot join another union.")
            cooperative.union_id = union.id
    return request


def _pending_request(cooperative_id: int) -> UnionJoinRequest | None:
    return db.session.scalar(select(UnionJoinRequest).where(
        UnionJoinRequest.cooperative_id == cooperative_id, UnionJoinRequest.status == JoinStatus.PENDING)
        .with_for_update())
