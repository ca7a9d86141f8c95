"""The certification rule, computed at query time (no job): in Python for one product, in SQL for listings.

A product is sellable while it is published, its cooperative is verified, and — when its category requires
food safety — a verified, unexpired ONSSA certification of its cooperative covers it (a certification with
no product ids covers all of the cooperative's products). Both forms below state the same rule; the tests
check that they agree.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from functools import lru_cache
from typing import Protocol

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select, tuple_

from catalog.errors import CatalogError, NotSellable, Reason
from catalog.models import PUBLISHED, Category, Product
from cooperatives.models import (ONSSA_KINDS, Certification, CertificationProduct, CertificationStatus, Cooperative,
                                 CooperativeStatus, effective_status)
from marketplace.clock import today

MESSAGES = {
    Reason.NOT_PUBLISHED: "The product is not published.",
    Reason.COOPERATIVE_NOT_VERIFIED: "The cooperative is not verified.",
    Reason.CERTIFICATION_REQUIRED: "A food product needs a verified, unexpired ONSSA certification covering it.",
    Reason.NO_VARIANT: "Add at least one variant with a price.",
    Reason.NO_IMAGE: "Add at least one image.",
}


class CertificationFacts(Protocol):
    """What the rule reads of a certification: an ORM `Certification`, or a row loaded without the ORM."""

    kind: str
    status: str
    expires_on: date | None


def covers(certification: Certification, product_id: int) -> bool:
    """An empty product list covers all of the cooperative's products."""
    return not certification.product_ids or product_id in certification.product_ids


def _reason(code: Reason) -> dict[str, str]:
    return {"code": code.value, "message": MESSAGES[code]}


def rule_reasons(*, cooperative_verified: bool, requires_food_safety: bool,
                 covering: Iterable[CertificationFacts], day: date) -> list[dict[str, str]]:
    """The certification rule on plain values; `covering` are the certifications of the product's cooperative
    that cover it (any status, any kind)."""
    reasons = []
    if not cooperative_verified:
        reasons.append(_reason(Reason.COOPERATIVE_NOT_VERIFIED))
    if requires_food_safety and not any(
            c.kind in ONSSA_KINDS and effective_status(c.status, c.expires_on, day) == CertificationStatus.VERIFIED
            for c in covering):
        reasons.append(_reason(Reason.CERTIFICATION_REQUIRED))
    return reasons


def reasons_for(*, published: bool, cooperative_verified: bool, requires_food_safety: bool,
                covering: Iterable[CertificationFacts], day: date) -> list[dict[str, str]]:
    """Every reason a product with these facts cannot be sold on `day`; empty when it can."""
    reasons = [] if published else [_reason(Reason.NOT_PUBLISHED)]
    return reasons + rule_reasons(cooperative_verified=cooperative_verified,
                                  requires_food_safety=requires_food_safety, covering=covering, day=day)


def _facts(product: Product) -> dict:
    return {"cooperative_verified": product.cooperative.is_verified,
            "requires_food_safety": product.category.requires_food_safety,
            "covering": [c for c in product.cooperative.certifications if covers(c, product.id)]}


def sellability_reasons(product: Product, day: date) -> list[dict[str, str]]:
    """Every reason the product cannot be sold on `day`; empty when it can."""
    return reasons_for(published=product.status == PUBLISHED, day=day, **_facts(product))


def publish_requirements(product: Product, day: date) -> list[dict[str, str]]:
    """Every requirement for publishing that is unmet: a priced variant, an image, the certification rule."""
    reasons = []
    if not product.active_variants:
        reasons.append(_reason(Reason.NO_VARIANT))
    if not product.images:
        reasons.append(_reason(Reason.NO_IMAGE))
    return reasons + rule_reasons(day=day, **_facts(product))


def is_sellable(product: Product, day: date | None = None) -> bool:
    return not sellability_reasons(product, day or today())


def ensure_sellable(product: Product, day: date | None = None) -> None:
    """Raise 409 `certification_required` (only the certificate is missing) or `not_sellable` (anything else)."""
    reasons = sellability_reasons(product, day or today())
    if not reasons:
        return
    only_certificate = [reason["code"] for reason in reasons] == [Reason.CERTIFICATION_REQUIRED]
    code = CatalogError.CERTIFICATION_REQUIRED if only_certificate else CatalogError.NOT_SELLABLE
    raise NotSellable(code, "This product cannot be sold right now.", {"product_id": product.id, "reasons": reasons})


def covered_clause(day: date, kinds: Collection[str]) -> ColumnElement[bool]:
    """SQL: a certification of one of `kinds`, valid on `day`, of the product's cooperative, covers the product.

    Written as two uncorrelated IN lists (cooperatives covered for all their products; (cooperative, product)
    pairs covered by name) that the database computes once per query, not once per product row.
    """
    valid = and_(Certification.kind.in_(kinds), Certification.valid_on(day))
    links_of = CertificationProduct.certification_id == Certification.id
    covering_all = select(Certification.cooperative_id).where(valid, not_(exists().where(links_of)))
    covering_named = select(Certification.cooperative_id, CertificationProduct.product_id).join_from(
        Certification, CertificationProduct, links_of).where(valid)
    return or_(Product.cooperative_id.in_(covering_all),
               tuple_(Product.cooperative_id, Product.id).in_(covering_named))


@lru_cache(maxsize=4)
def sellable_clause(day: date) -> ColumnElement[bool]:
    """SQL form of `is_sellable`, for listings, search and the cart.

    Built once per day and reused (SQL constructs are immutable): building it costs more than running a page.
    """
    food = select(Category.id).where(Category.requires_food_safety.is_(True))
    verified = select(Cooperative.id).where(Cooperative.status == CooperativeStatus.VERIFIED)
    return and_(
        Product.status == PUBLISHED,
        # "+ 0" keeps SQLite from driving the query through the cooperative index (then sorting every row)
        # instead of walking the status/date or status/price index and stopping after one page.
        (Product.cooperative_id + 0).in_(verified),
        or_(Product.category_id.not_in(food), covered_clause(day, ONSSA_KINDS)),
    )
