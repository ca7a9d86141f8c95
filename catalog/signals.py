"""Events of the catalog, sent once the unit of work that caused them has committed (search keeps its index in
step with them)."""
from __future__ import annotations

from functools import partial

from blinker import Namespace

from catalog.search.outbox import queue_updates
from marketplace.transaction import send_after_commit

_signals = Namespace()

# sender=None, product_ids=[...]: what a buyer may find about these products may have changed
# (created, edited, published/unpublished, a price or stock change, their cooperative or certification changed).
product_changed = _signals.signal("product-changed")


def notify_products_changed(product_ids: list[int]) -> None:
    """Announce, after the current unit of work commits, that these products changed.

    If a subscriber fails, the products are queued in the search outbox so `flask search sync` catches the
    index up; the committed write stands.
    """
    ids = sorted(set(product_ids))
    if ids:
        send_after_commit(product_changed, product_ids=ids, on_failure=partial(_queue_for_reindex, ids))


def _queue_for_reindex(product_ids: list[int], _error: BaseException) -> None:
    queue_updates(product_ids)


# Functions lot -> [dict, ...] listing the order lines that drew from a lot (recall support). The orders package
# registers one, so the catalog never imports orders.
lot_trace_providers: list = []
