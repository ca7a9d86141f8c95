"""How the catalog reacts to the cooperatives package (which never imports the catalog)."""
from __future__ import annotations

from sqlalchemy import select

from catalog.models import Product
from catalog.signals import notify_products_changed
from cooperatives import signals as cooperative_signals
from marketplace.extensions import db
from marketplace.transaction import unit_of_work


def _products_of(cooperative_id: int) -> list[int]:
    return list(db.session.scalars(select(Product.id).where(Product.cooperative_id == cooperative_id)))


def on_cooperative_changed(cooperative, **_state) -> None:
    """A cooperative was suspended, reinstated or renamed: what buyers find of its products changed."""
    with unit_of_work():
        notify_products_changed(_products_of(cooperative.id))


def on_certification_status_changed(certification, **_state) -> None:
    """A certification was verified, revoked…: the products it covers may have become (un)sellable."""
    with unit_of_work():
        notify_products_changed(list(certification.product_ids) or _products_of(certification.cooperative_id))


def foreign_product_ids(cooperative_id: int, product_ids: list[int]) -> list[int]:
    """The ids among `product_ids` that are not products of the cooperative (a certification cannot cover them)."""
    own = set(db.session.scalars(select(Product.id).where(Product.id.in_(product_ids),
                                                          Product.cooperative_id == cooperative_id)))
    return [product_id for product_id in product_ids if product_id not in own]


def subscribe() -> None:
    """Connect the receivers and the validator hook (safe to call once per app: connections are by identity)."""
    cooperative_signals.cooperative_status_changed.connect(on_cooperative_changed)
    cooperative_signals.cooperative_updated.connect(on_cooperative_changed)
    cooperative_signals.certification_status_changed.connect(on_certification_status_changed)
    if foreign_product_ids not in cooperative_signals.certified_products_validators:
        cooperative_signals.certified_products_validators.append(foreign_product_ids)
