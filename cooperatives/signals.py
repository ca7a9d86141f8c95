"""Events other packages subscribe to (sent after the commit), and the hook the catalog fills in.

Cooperatives never imports the catalog: the catalog subscribes to these signals and appends to the hook list.
"""
from __future__ import annotations

from collections.abc import Callable

from blinker import Namespace

_signals = Namespace()

# sender=Cooperative, from_state=, to_state=
cooperative_status_changed = _signals.signal("cooperative-status-changed")
# sender=Cooperative; its name or region changed (its products must be reindexed)
cooperative_updated = _signals.signal("cooperative-updated")
# sender=Certification, from_state=, to_state=
certification_status_changed = _signals.signal("certification-status-changed")
# sender=Certification: a verified certificate passed its expiry date (announced once, by the reminders job)
certification_lapsed = _signals.signal("certification-lapsed")

# Each validator gets (cooperative_id, product_ids) and returns the ids that are NOT that cooperative's products.
certified_products_validators: list[Callable[[int, list[int]], list[int]]] = []
