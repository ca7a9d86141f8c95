"""Low-stock alerts: each cooperative's managers get one message listing the published variants whose available
units fell to LOW_STOCK_THRESHOLD or below. A variant is announced once per shortage: its alert is recorded, and
forgotten when it is restocked above the threshold (or archived, or its product unpublished)."""
from __future__ import annotations

from collections import defaultdict

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from catalog.models import PUBLISHED, LowStockAlert, Product, ProductVariant
from catalog.stock import available_by_variant
from cooperatives.models import Cooperative, CooperativeStatus
from cooperatives.notifications import tell_managers
from marketplace.clock import today
from marketplace.extensions import db
from marketplace.transaction import unit_of_work


def send_low_stock_alerts() -> int:
    """Alert managers about variants newly at or below the threshold; returns how many variants were announced."""
    threshold, day = int(current_app.config["LOW_STOCK_THRESHOLD"]), today()
    with unit_of_work():
        variants = list(db.session.scalars(
            select(ProductVariant).join(Product).join(Cooperative, Cooperative.id == Product.cooperative_id)
            .options(selectinload(ProductVariant.product))
            .where(Product.status == PUBLISHED, ProductVariant.archived_at.is_(None),
                   Cooperative.status == CooperativeStatus.VERIFIED)
            .order_by(ProductVariant.id)))
        available = available_by_variant(variants, day)
        low = {variant.id for variant in variants if available[variant.id] <= threshold}
        alerted = set(db.session.scalars(select(LowStockAlert.variant_id).with_for_update()))
        db.session.execute(delete(LowStockAlert).where(LowStockAlert.variant_id.in_(alerted - low)))
        by_cooperative: dict[int, list[ProductVariant]] = defaultdict(list)
        for variant in variants:
            if variant.id in low - alerted:
                by_cooperative[variant.product.cooperative_id].append(variant)
                db.session.add(LowStockAlert(variant_id=variant.id, available=available[variant.id]))
        for cooperative_id, items in sorted(by_cooperative.items()):
            tell_managers(db.session.get(Cooperative, cooperative_id), "low_stock", {
                "threshold": threshold,
                "items": [{"product": v.product.name, "label": v.label, "sku": v.sku, "available": available[v.id]}
                          for v in items]})
    return sum(len(items) for items in by_cooperative.values())
