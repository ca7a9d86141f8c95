"""What the catalog tells cooperatives' managers: a product taken off the shop because the certificate that
covered it was revoked or lapsed, and variants running low on stock."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog.errors import Reason
from catalog.models import PUBLISHED, Product
from catalog.sellability import covers, sellability_reasons
from cooperatives import signals as cooperative_signals
from cooperatives.models import Certification, CertificationStatus
from cooperatives.notifications import tell_managers
from marketplace.clock import today
from marketplace.extensions import db
from marketplace.transaction import unit_of_work


def _delist_notices(certification: Certification, why: str) -> None:
    """Each published product the certificate covered that can no longer be sold is announced to the managers."""
    day = today()
    with unit_of_work():
        products = db.session.scalars(
            select(Product).options(selectinload(Product.cooperative), selectinload(Product.category))
            .where(Product.cooperative_id == certification.cooperative_id, Product.status == PUBLISHED)
            .order_by(Product.id))
        for product in products:
            if not covers(certification, product.id):
                continue
            codes = [reason["code"] for reason in sellability_reasons(product, day)]
            if Reason.CERTIFICATION_REQUIRED in codes:
                tell_managers(product.cooperative, "product_delisted", {
                    "product": product.name, "why": why, "number": certification.number,
                    "reason": certification.reason or ""})


def on_certification_status_changed(certification: Certification, *, to_state: str, **_state) -> None:
    """A revoked certificate takes the products it alone covered off the shop: tell the managers."""
    if to_state == CertificationStatus.REVOKED:
        _delist_notices(certification, "revoked")


def on_certification_lapsed(certification: Certification, **_state) -> None:
    """A lapsed certificate takes the products it alone covered off the shop: tell the managers."""
    _delist_notices(certification, "expired")


def connect() -> None:
    cooperative_signals.certification_status_changed.connect(on_certification_status_changed)
    cooperative_signals.certification_lapsed.connect(on_certification_lapsed)
