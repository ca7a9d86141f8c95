"""The project's one clock. Every rule that depends on the time of day reads it here, so tests move one seam
(time-machine patches `datetime.now` underneath it) and rules can never disagree about what day it is."""
from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


def today() -> date:
    """The UTC day the rules are evaluated on (certificate expiry, lots' best-before, reservations)."""
    return now().date()
