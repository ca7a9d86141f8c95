"""Events of the catalog, sent after the commit (search subscribes to keep its index in step)."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender=None, product_ids=[...]: what a buyer may find about these products may have changed
# (created, edited, published/unpublished, a price or stock change, their cooperative or certification changed).
product_changed = _signals.signal("product-changed")


def notify_products_changed(product_ids: list[int]) -> None:
    """Tell subscribers these products changed; call only after the commit."""
    if product_ids:
        product_changed.send(None, product_ids=sorted(set(product_ids)))


# Functions lot -> [dict, ...] listing the order lines that drew from a lot (recall support). The orders package
# registers one, so the catalog never imports orders.
lot_trace_providers: list = []
