"""Use cases of cooperatives, their managers, members and unions; each one owns its transaction.

Certification use cases live in `cooperatives.certifications`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from cooperatives import validators
from cooperatives.errors import CooperativeError
from cooperatives.models import (COOPERATIVE_TRANSITIONS, Cooperative, CooperativeStatus, Member,
                                 cooperative_managers)
from cooperatives.signals import cooperative_status_changed, cooperative_updated
from marketplace.audit import change_state
from marketplace.auth.models import Role, User
from marketplace.auth.permissions import found
from marketplace.auth.services import normalize_email
from marketplace.clock import now, today
from marketplace.errors import Conflict, Forbidden, MarketplaceError, ValidationFailed
from marketplace.extensions import db
from marketplace.pagination import paginate
from marketplace.transaction import send_after_commit, unit_of_work

# decision → (the only state it applies to, the state it leads to): a move of COOPERATIVE_TRANSITIONS
COOPERATIVE_DECISIONS = {
    "verify": (CooperativeStatus.PENDING, CooperativeStatus.VERIFIED),
    "reject": (CooperativeStatus.PENDING, CooperativeStatus.REJECTED),
    "suspend": (CooperativeStatus.VERIFIED, CooperativeStatus.SUSPENDED),
    "reinstate": (CooperativeStatus.SUSPENDED, CooperativeStatus.VERIFIED),
}
LEGAL_IDENTIFIERS = frozenset({"name", "registration_number", "ice", "legal_form"})
ADMIN_ONLY_FIELDS = ("commission_bps", "reserve_bps")
# The catalog's search documents carry these, so a change means reindexing the cooperative's products.
INDEXED_FIELDS = frozenset({"name", "region"})


# --- who may do what --------------------------------------------------------------------------------------------

def manages(user: User | None, cooperative_id: int) -> bool:
    """Whether `user` is one of the cooperative's managers."""
    if user is None:
        return False
    return db.session.scalar(select(cooperative_managers.c.user_id).where(
        cooperative_managers.c.cooperative_id == cooperative_id, cooperative_managers.c.user_id == user.id)) is not None


def managed_cooperative_ids(user: User) -> list[int]:
    """The ids of the cooperatives `user` manages, in id order."""
    return list(db.session.scalars(select(cooperative_managers.c.cooperative_id)
                                   .where(cooperative_managers.c.user_id == user.id)
                                   .order_by(cooperative_managers.c.cooperative_id)))


def profile_facts(user: User) -> dict:
    """What GET /me adds about cooperatives."""
    return {"cooperative_ids": managed_cooperative_ids(user)}


def may_administer(user: User | None, cooperative_id: int) -> bool:
    """Managers and administrators see a cooperative's private data."""
    return user is not None and (user.is_admin or manages(user, cooperative_id))


def managed_cooperative(user: User, cooperative_id: int, *, admins: bool = True, lock: bool = False) -> Cooperative:
    """The cooperative if `user` manages it (or is an admin, when `admins`); otherwise 404, existence not leaked."""
    cooperative = db.session.get(Cooperative, cooperative_id, with_for_update=lock)
    allowed = cooperative is not None and ((admins and user.is_admin) or manages(user, cooperative_id))
    return found(cooperative, visible=allowed, what="cooperative")


# --- cooperatives -----------------------------------------------------------------------------------------------

def create_cooperative(user: User, data: dict[str, Any]) -> Cooperative:
    """Register a cooperative in `pending`; its creator becomes its first manager."""
    with unit_of_work():
        _ensure_ice_free(data["ice"])
        cooperative = Cooperative(**data)
        cooperative.managers.append(user)
        db.session.add(cooperative)
        change_state(cooperative, CooperativeStatus.PENDING, allowed=COOPERATIVE_TRANSITIONS, actor_id=user.id,
                     reason="registered")
    return cooperative


def list_cooperatives(user: User | None, *, page: int, per_page: int, region: str | None = None,
                      sector: str | None = None, legal_form: str | None = None, q: str | None = None,
                      status: str | None = None) -> dict:
    """Verified cooperatives by name; only administrators may list another status."""
    if status is not None and not (user and user.is_admin):
        raise Forbidden(MarketplaceError.FORBIDDEN, "Only administrators may filter cooperatives by status.")
    statement = (select(Cooperative).where(Cooperative.status == (status or CooperativeStatus.VERIFIED))
                 .options(selectinload(Cooperative.certifications)).order_by(Cooperative.name, Cooperative.id))
    for column, value in ((Cooperative.region, region), (Cooperative.sector, sector),
                          (Cooperative.legal_form, legal_form)):
        if value is not None:
            statement = statement.where(column == value)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(or_(Cooperative.name.ilike(pattern, escape="\\"),
                                        Cooperative.province.ilike(pattern, escape="\\")))
    return paginate(statement, page=page, per_page=per_page)


def cooperative_queue(*, status: str, page: int, per_page: int) -> dict:
    """The administrators' verification queue: cooperatives in `status`, oldest first."""
    statement = (select(Cooperative).where(Cooperative.status == status)
                 .options(selectinload(Cooperative.certifications))
                 .order_by(Cooperative.created_at, Cooperative.id))
    return paginate(statement, page=page, per_page=per_page)


def get_cooperative(user: User | None, cooperative_id: int) -> Cooperative:
    """A verified cooperative for anyone; any other status only for its managers and administrators."""
    cooperative = db.session.scalar(
        select(Cooperative).where(Cooperative.id == cooperative_id)
        .options(selectinload(Cooperative.certifications), selectinload(Cooperative.member_cooperatives)))
    visible = cooperative is not None and (cooperative.is_verified or may_administer(user, cooperative_id))
    return found(cooperative, visible=visible, what="cooperative")


def update_cooperative(user: User, cooperative_id: int, changes: dict[str, Any]) -> Cooperative:
    """Edit a cooperative.

    Changing a legal identifier of a verified cooperative sends it back to `pending`; a manager's edit of a
    rejected cooperative resubmits it. Rates are for administrators only.
    """
    with unit_of_work():
        cooperative = managed_cooperative(user, cooperative_id, lock=True)
        admin_only = [name for name in ADMIN_ONLY_FIELDS if name in changes]
        if admin_only and not user.is_admin:
            raise Forbidden(MarketplaceError.FORBIDDEN, "Only administrators change the commission and reserve rates.",
                            {name: ["Only administrators may change this."] for name in admin_only})
        changed = {name for name, value in changes.items() if getattr(cooperative, name) != value}
        if "ice" in changed:
            _ensure_ice_free(changes["ice"])
        if "legal_form" in changed:
            _ensure_legal_form_fits_union_ties(cooperative, changes["legal_form"])
        for name in changed:
            setattr(cooperative, name, changes[name])
        from_state = cooperative.status
        if from_state == CooperativeStatus.VERIFIED and changed & LEGAL_IDENTIFIERS:
            change_state(cooperative, CooperativeStatus.PENDING, allowed=COOPERATIVE_TRANSITIONS, actor_id=user.id,
                         reason="legal identifiers changed")
        elif from_state == CooperativeStatus.REJECTED and not user.is_admin:
            change_state(cooperative, CooperativeStatus.PENDING, allowed=COOPERATIVE_TRANSITIONS, actor_id=user.id,
                         reason="edited and resubmitted")
        load = partial(db.session.get, Cooperative, cooperative.id)
        if cooperative.status != from_state:
            send_after_commit(cooperative_status_changed, load, from_state=from_state, to_state=cooperative.status)
        if changed & INDEXED_FIELDS:
            send_after_commit(cooperative_updated, load)
    return cooperative


def decide_cooperative(admin: User, cooperative_id: int, *, decision: str, reason: str | None) -> Cooperative:
    """Verify, reject, suspend or reinstate a cooperative; the decision is audited."""
    with unit_of_work():
        cooperative = found(db.session.get(Cooperative, cooperative_id, with_for_update=True), what="cooperative")
        source, target = COOPERATIVE_DECISIONS[decision]
        from_state = cooperative.status
        change_state(cooperative, target, allowed=COOPERATIVE_TRANSITIONS, from_states={source}, actor_id=admin.id,
                     reason=reason)
        if target == CooperativeStatus.VERIFIED:
            cooperative.verified_at = now()
        send_after_commit(cooperative_status_changed, partial(db.session.get, Cooperative, cooperative.id),
                          from_state=from_state, to_state=target)
    return cooperative


def add_manager(user: User, cooperative_id: int, *, email: str) -> Cooperative:
    """Make another cooperative-role account a manager of the cooperative."""
    with unit_of_work():
        cooperative = managed_cooperative(user, cooperative_id)
        invitee = db.session.scalar(select(User).where(User.email == normalize_email(email)))
        if invitee is None or invitee.role != Role.COOPERATIVE:
            raise ValidationFailed(CooperativeError.NOT_A_COOPERATIVE_USER,
                                   "No cooperative account has this e-mail.",
                                   {"email": ["Ask them to register a cooperative account first."]})
        if manages(invitee, cooperative.id):
            raise Conflict(CooperativeError.ALREADY_MANAGER, "This account already manages the cooperative.")
        cooperative.managers.append(invitee)
    return cooperative


def _ensure_ice_free(ice: str) -> None:
    if db.session.scalar(select(Cooperative.id).where(Cooperative.ice == ice)) is not None:
        raise Conflict(CooperativeError.ICE_TAKEN, "A cooperative with this ICE is already registered.",
                       {"ice": ["Already registered."]})


def _ensure_legal_form_fits_union_ties(cooperative: Cooperative, legal_form: str) -> None:
    if legal_form == "union" and cooperative.union_id is not None:
        raise Conflict(CooperativeError.UNION_CANNOT_JOIN_UNION,
                       "A member of a union cannot become a union; leave the union first.")
    has_members = db.session.scalar(select(Cooperative.id).where(Cooperative.union_id == cooperative.id).limit(1))
    if legal_form != "union" and has_members is not None:
        raise Conflict(CooperativeError.UNION_HAS_MEMBERS,
                       "This union still has member cooperatives; it cannot stop being a union.")


# --- members ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberForViewer:
    """A member as one viewer sees it: the payout account is masked unless the viewer manages the cooperative."""

    member: Member
    reveal_account: bool

    def __getattr__(self, name: str):
        return getattr(self.member, name)

    @property
    def payout_account(self) -> str | None:
        account = self.member.payout_account
        return account if self.reveal_account else validators.mask_account(account)

    @property
    def phone(self) -> str | None:
        return self.member.phone if self.reveal_account else validators.mask_account(self.member.phone)


def list_members(user: User, cooperative_id: int, *, include_left: bool, page: int, per_page: int) -> dict:
    """The cooperative's members by id; those who left only with `include_left`."""
    cooperative = managed_cooperative(user, cooperative_id)
    statement = select(Member).where(Member.cooperative_id == cooperative.id).order_by(Member.id)
    if not include_left:
        statement = statement.where(Member.left_on.is_(None))
    result = paginate(statement, page=page, per_page=per_page)
    reveal = manages(user, cooperative.id)
    result["items"] = [MemberForViewer(member, reveal) for member in result["items"]]
    return result


def add_member(user: User, cooperative_id: int, data: dict[str, Any]) -> MemberForViewer:
    """Add a member; the payout account must suit the payout method."""
    with unit_of_work():
        cooperative = managed_cooperative(user, cooperative_id)
        data["payout_account"] = _checked_payout_account(data["payout_method"], data["payout_account"])
        _ensure_joined_after_founding(cooperative, data["joined_on"])
        member = Member(cooperative_id=cooperative.id, **data)
        db.session.add(member)
    return MemberForViewer(member, manages(user, cooperative.id))


def update_member(user: User, cooperative_id: int, member_id: int, changes: dict[str, Any]) -> MemberForViewer:
    """Edit a member; switching to cash payouts clears the account."""
    with unit_of_work():
        cooperative = managed_cooperative(user, cooperative_id)
        member = _member_of(cooperative, member_id)
        if "payout_method" in changes or "payout_account" in changes:
            method = changes.get("payout_method", member.payout_method)
            if method == "cash" and "payout_account" not in changes:
                changes["payout_account"] = None
            account = changes.get("payout_account", member.payout_account)
            changes["payout_account"] = _checked_payout_account(method, account)
        if "joined_on" in changes:
            _ensure_joined_after_founding(cooperative, changes["joined_on"])
        for name, value in changes.items():
            setattr(member, name, value)
    return MemberForViewer(member, manages(user, cooperative.id))


def remove_member(user: User, cooperative_id: int, member_id: int) -> MemberForViewer:
    """Record that a member left today; the member's history is kept."""
    with unit_of_work():
        cooperative = managed_cooperative(user, cooperative_id)
        member = _member_of(cooperative, member_id)
        if member.left_on is not None:
            raise Conflict(CooperativeError.MEMBER_ALREADY_LEFT, f"This member left on {member.left_on.isoformat()}.")
        member.left_on = today()
    return MemberForViewer(member, manages(user, cooperative.id))


def _member_of(cooperative: Cooperative, member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    return found(member, visible=member is not None and member.cooperative_id == cooperative.id, what="member")


def _checked_payout_account(method: str, account: str | None) -> str | None:
    try:
        if method == "bank_transfer":
            if not account:
                raise ValueError("A bank transfer needs the member's RIB (24 digits).")
            return validators.normalize_rib(account)
        if method == "mobile_wallet":
            if not account:
                raise ValueError("A mobile wallet needs the member's phone number.")
            return validators.normalize_wallet_number(account)
        if account:
            raise ValueError("Cash payouts take no account.")
        return None
    except ValueError as error:
        raise ValidationFailed(MarketplaceError.VALIDATION_ERROR, "Some fields are invalid.",
                               {"payout_account": [str(error)]}) from None


def _ensure_joined_after_founding(cooperative: Cooperative, joined_on) -> None:
    if cooperative.founded_on and joined_on < cooperative.founded_on:
        raise ValidationFailed(MarketplaceError.VALIDATION_ERROR, "Some fields are invalid.",
                               {"joined_on": [f"The cooperative was founded on {cooperative.founded_on.isoformat()}."]})
