"""What cooperatives' managers are told: the administrators' decisions on their cooperative and certifications.

The signals arrive after the decision's commit; each receiver records its messages in a unit of work of its own.
"""
from __future__ import annotations

from cooperatives import signals
from cooperatives.models import (CERTIFICATION_KIND_NAMES, Certification, CertificationStatus, Cooperative,
                                  CooperativeStatus)
from marketplace.audit import history
from marketplace.notifications import notify
from marketplace.transaction import unit_of_work

COOPERATIVE_EVENTS = {CooperativeStatus.VERIFIED: "cooperative_verified",
                      CooperativeStatus.REJECTED: "cooperative_rejected",
                      CooperativeStatus.SUSPENDED: "cooperative_suspended"}
CERTIFICATION_EVENTS = {CertificationStatus.VERIFIED: "certification_verified",
                        CertificationStatus.REJECTED: "certification_rejected",
                        CertificationStatus.REVOKED: "certification_revoked"}


def tell_managers(cooperative: Cooperative, event: str, context: dict) -> None:
    """One message to each manager of the cooperative, in their language (inside the caller's unit of work)."""
    for manager in cooperative.managers:
        notify(event, manager, {"cooperative": cooperative.name, **context})


def certification_facts(certification: Certification) -> dict:
    """What certification messages say about the certificate."""
    return {"kind": CERTIFICATION_KIND_NAMES[certification.kind], "number": certification.number, "expires_on": certification.expires_on,
            "reason": certification.reason or ""}


def on_cooperative_status_changed(cooperative: Cooperative, *, to_state: str, **_state) -> None:
    """Managers learn the administrators' decision on their cooperative, with its reason."""
    event = COOPERATIVE_EVENTS.get(to_state)
    if event:
        decision = history(cooperative.__tablename__, cooperative.id)[-1]  # the audited decision, with its reason
        with unit_of_work():
            tell_managers(cooperative, event, {"reason": decision.reason or ""})


def on_certification_status_changed(certification: Certification, *, to_state: str, **_state) -> None:
    """Managers learn the administrators' decision on a certification, with its reason."""
    event = CERTIFICATION_EVENTS.get(to_state)
    if event:
        with unit_of_work():
            tell_managers(certification.cooperative, event, certification_facts(certification))


def connect() -> None:
    signals.cooperative_status_changed.connect(on_cooperative_status_changed)
    signals.certification_status_changed.connect(on_certification_status_changed)
