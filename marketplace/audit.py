"""The audit log, and the one function through which every status change passes."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from enum import StrEnum

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.auth.models import Role
from marketplace.auth.permissions import auth_required
from marketplace.dbtypes import UTCDateTime, utcnow
from marketplace.errors import Conflict, MarketplaceError
from marketplace.extensions import db
from marketplace.ids import Id
from marketplace.pagination import PageArgsSchema, page_schema, paginate


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int] = mapped_column()
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (db.Index("ix_audit_entries_entity", "entity_type", "entity_id"),)


class InvalidTransition(Conflict):
    default_code = MarketplaceError.INVALID_TRANSITION


def change_state(entity, to_state: str | StrEnum, *, allowed: Mapping[str | None, Collection[str]],
                 actor_id: int | None, reason: str | None = None, field: str = "status",
                 from_states: Collection[str] | None = None) -> AuditEntry:
    """Move `entity` to `to_state` if its transition table `allowed[current]` permits it (and, for a decision that
    applies to some states only, the current state is in `from_states`); record who, when, from, to and why.

    The stored value is the status's plain string. The caller owns the transaction: nothing is committed here.
    """
    from_state = _plain(getattr(entity, field))
    to_state = _plain(to_state)
    if to_state not in allowed.get(from_state, ()) or (from_states is not None and from_state not in from_states):
        raise InvalidTransition(
            MarketplaceError.INVALID_TRANSITION,
            f"A {entity.__tablename__.rstrip('s')} cannot go from {from_state!r} to {to_state!r}.",
            {"from": from_state, "to": to_state},
        )
    setattr(entity, field, to_state)
    if entity.id is None:
        db.session.flush()
    entry = AuditEntry(entity_type=entity.__tablename__, entity_id=entity.id, from_state=from_state,
                       to_state=to_state, reason=reason, actor_id=actor_id)
    db.session.add(entry)
    return entry


def _plain(state: str | StrEnum | None) -> str | None:
    return state.value if isinstance(state, StrEnum) else state


def history(entity_type: str, entity_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.at, AuditEntry.id)))


class AuditEntrySchema(Schema):
    id = fields.Integer()
    entity_type = fields.String()
    entity_id = fields.Integer()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    reason = fields.String(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    at = fields.DateTime()


class AuditQuerySchema(PageArgsSchema):
    entity_type = fields.String(validate=validate.Length(max=50))
    entity_id = Id(strict=False)


blp = Blueprint("audit", __name__, url_prefix="/api/v1/admin", description="Audit log")


@blp.route("/audit-log", methods=["GET"])
@auth_required(Role.ADMIN)
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, page_schema(AuditEntrySchema, "AuditEntryPage"))
def audit_log(args):
    """Every recorded state change, newest first; filter by entity."""
    statement = select(AuditEntry).order_by(AuditEntry.id.desc())
    if args.get("entity_type"):
        statement = statement.where(AuditEntry.entity_type == args["entity_type"])
    if args.get("entity_id"):
        statement = statement.where(AuditEntry.entity_id == args["entity_id"])
    return paginate(statement, page=args["page"], per_page=args["per_page"])
