"""Error codes of the settlement package."""
from __future__ import annotations

from enum import StrEnum

from marketplace.errors import Conflict


class SettlementError(StrEnum):
    SOURCE_ALREADY_POSTED = "source_already_posted"
    ALREADY_REVERSED = "already_reversed"


class SourceAlreadyPosted(Conflict):
    """The event's source key was posted before with a different body."""
    default_code = SettlementError.SOURCE_ALREADY_POSTED


class AlreadyReversed(Conflict):
    default_code = SettlementError.ALREADY_REVERSED


class UnbalancedEntry(ValueError):
    """An entry whose debits and credits differ, or that has no line: a bug in the caller, never posted."""
