"""Use cases of certifications: submission with its document, the administrators' decisions, public checks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cooperatives import documents
from cooperatives.errors import CooperativeError
from cooperatives.models import CERTIFICATION_TRANSITIONS, Certification, CertificationStatus, Cooperative
from cooperatives.services import managed_cooperative, may_administer
from cooperatives.signals import certification_status_changed, certified_products_validators
from marketplace.audit import change_state
from marketplace.auth.models import User
from marketplace.auth.permissions import found
from marketplace.clock import now, today
from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.pagination import paginate
from marketplace.transaction import on_rollback, send_after_commit, unit_of_work

# decision → (the only stored status it applies to, the status it leads to)
CERTIFICATION_DECISIONS = {
    "verify": (CertificationStatus.SUBMITTED, CertificationStatus.VERIFIED),
    "reject": (CertificationStatus.SUBMITTED, CertificationStatus.REJECTED),
    "revoke": (CertificationStatus.VERIFIED, CertificationStatus.REVOKED),
}
# Statuses of a certification whose cooperative holds (or held) its number: "expired" is a verified row.
NUMBER_HOLDING_STATUSES = (CertificationStatus.SUBMITTED, CertificationStatus.VERIFIED, CertificationStatus.REVOKED)
# Which row the public check shows when several share a number: the most meaningful to a buyer first.
_CHECK_PREFERENCE = (CertificationStatus.VERIFIED, CertificationStatus.EXPIRED, CertificationStatus.REVOKED,
                     CertificationStatus.SUBMITTED, CertificationStatus.REJECTED)


def _private_root() -> Path:
    return Path(current_app.config["PRIVATE_MEDIA_ROOT"])


def submit_certification(user: User, cooperative_id: int, data: dict[str, Any], upload: BinaryIO) -> Certification:
    """Submit a certification and its document (PDF, JPEG or PNG by content) for verification.

    The number must not be live (submitted or verified) for another cooperative; the products named must be
    the cooperative's own.
    """
    with unit_of_work():
        cooperative = managed_cooperative(user, cooperative_id, admins=False)
        product_ids = sorted(set(data.pop("product_ids")))
        _ensure_own_products(cooperative.id, product_ids)
        _ensure_number_free(data["kind"], data["number"], cooperative.id)
        document = documents.read_document(upload)
        document_path = documents.store_document(document, _private_root())
        on_rollback(documents.delete_document, _private_root(), document_path)
        certification = Certification(cooperative_id=cooperative.id, product_ids=product_ids,
                                      document_path=document_path, document_content_type=document.content_type,
                                      **data)
        db.session.add(certification)
        change_state(certification, CertificationStatus.SUBMITTED, allowed=CERTIFICATION_TRANSITIONS,
                     actor_id=user.id, reason="submitted")
    return certification


def list_certifications(user: User | None, cooperative_id: int, *, page: int, per_page: int) -> dict:
    """Managers and administrators see every certification; others the verified (or expired) ones of a verified
    cooperative."""
    cooperative = db.session.get(Cooperative, cooperative_id)
    privileged = cooperative is not None and may_administer(user, cooperative_id)
    found(cooperative, visible=privileged or (cooperative is not None and cooperative.is_verified),
          what="cooperative")
    statement = (select(Certification).where(Certification.cooperative_id == cooperative_id)
                 .order_by(Certification.issued_on.desc(), Certification.id.desc()))
    if not privileged:
        statement = statement.where(Certification.status == CertificationStatus.VERIFIED)
    return paginate(statement, page=page, per_page=per_page)


def certification_document(user: User, certification_id: int) -> tuple[Certification, Path]:
    """The stored document, for the cooperative's managers and administrators."""
    certification = db.session.get(Certification, certification_id)
    visible = certification is not None and may_administer(user, certification.cooperative_id)
    found(certification, visible=visible, what="certification")
    path = documents.document_file(_private_root(), certification.document_path)
    return certification, found(path, visible=path.is_file(), what="document")


def certification_queue(*, status: str, page: int, per_page: int) -> dict:
    """The administrators' queue: certifications in an (effective) status, oldest first."""
    day = today()
    statement = (select(Certification).options(selectinload(Certification.cooperative))
                 .order_by(Certification.created_at, Certification.id))
    if status == CertificationStatus.EXPIRED:
        statement = statement.where(Certification.status == CertificationStatus.VERIFIED,
                                    Certification.expires_on < day)
    elif status == CertificationStatus.VERIFIED:
        statement = statement.where(Certification.valid_on(day))
    else:
        statement = statement.where(Certification.status == status)
    return paginate(statement, page=page, per_page=per_page)


def decide_certification(admin: User, certification_id: int, *, decision: str, reason: str | None) -> Certification:
    """Verify, reject or revoke a certification; an already-expired certificate cannot be verified."""
    with unit_of_work():
        certification = found(db.session.get(Certification, certification_id, with_for_update=True),
                              what="certification")
        source, target = CERTIFICATION_DECISIONS[decision]
        if target == CertificationStatus.VERIFIED and certification.expires_on and certification.expires_on < today():
            raise Conflict(CooperativeError.CERTIFICATE_EXPIRED,
                           f"This certificate expired on {certification.expires_on.isoformat()}.",
                           {"expires_on": certification.expires_on.isoformat()})
        if target == CertificationStatus.VERIFIED:
            _ensure_no_other_holder(certification)
        from_state = certification.status
        change_state(certification, target, allowed=CERTIFICATION_TRANSITIONS, from_states={source},
                     actor_id=admin.id, reason=reason)
        certification.decided_by_id, certification.decided_at, certification.reason = admin.id, now(), reason
        send_after_commit(certification_status_changed, partial(db.session.get, Certification, certification.id),
                          from_state=from_state, to_state=target)
    return certification


@dataclass(frozen=True)
class CertificateCheck:
    """A certification as the public check shows it: its holder only when that cooperative is verified."""

    certification: Certification

    def __getattr__(self, name: str):
        return getattr(self.certification, name)

    @property
    def holder(self) -> Cooperative | None:
        cooperative = self.certification.cooperative
        return cooperative if cooperative.is_verified else None


def check_certificate(number: str) -> CertificateCheck:
    """The public truth about a certificate number; a verified row wins when several share the number."""
    rows = db.session.scalars(select(Certification).where(func.upper(Certification.number) == number.upper())
                              .options(selectinload(Certification.cooperative))).all()
    day = today()
    best = min(rows, default=None,
               key=lambda row: (_CHECK_PREFERENCE.index(row.effective_status(day)), -row.id))
    return CertificateCheck(found(best, what="certificate number"))


def expiring_certifications(*, within_days: int) -> list[Certification]:
    """Verified certifications still in force that expire within `within_days`, soonest first."""
    day = today()
    return list(db.session.scalars(
        select(Certification).options(selectinload(Certification.cooperative))
        .where(Certification.valid_on(day), Certification.expires_on <= day + timedelta(days=within_days))
        .order_by(Certification.expires_on, Certification.id)))


def _ensure_own_products(cooperative_id: int, product_ids: list[int]) -> None:
    foreign = sorted({product_id for validate in certified_products_validators
                      for product_id in validate(cooperative_id, product_ids)})
    if foreign:
        raise ValidationFailed(CooperativeError.FOREIGN_PRODUCTS, "Some products are not this cooperative's.",
                               {"product_ids": [f"Not products of this cooperative: {foreign}."]})


def _other_holder(kind: str, number: str, cooperative_id: int) -> Certification | None:
    """Another cooperative's certification holding this number of this kind: submitted, verified (or expired) or
    revoked; only a rejected submission leaves a number free."""
    return db.session.scalar(select(Certification).where(
        Certification.kind == kind, func.upper(Certification.number) == number.upper(),
        Certification.cooperative_id != cooperative_id, Certification.status.in_(NUMBER_HOLDING_STATUSES))
        .order_by(Certification.id).limit(1))


def _ensure_number_free(kind: str, number: str, cooperative_id: int) -> None:
    if _other_holder(kind, number, cooperative_id) is not None:
        raise Conflict(CooperativeError.CERTIFICATE_NUMBER_TAKEN,
                       "Another cooperative holds or held this certificate number.",
                       {"number": ["Already registered to another cooperative."]})


def _ensure_no_other_holder(certification: Certification) -> None:
    """Before verifying: tell the administrator who else holds the number (submissions made at the same moment)."""
    other = _other_holder(certification.kind, certification.number, certification.cooperative_id)
    if other is not None:
        raise Conflict(CooperativeError.CERTIFICATE_NUMBER_TAKEN,
                       f"Cooperative {other.cooperative_id} also claims this number; decide that one first.",
                       {"held_by": {"certification_id": other.id, "cooperative_id": other.cooperative_id,
                                    "status": other.status}})
