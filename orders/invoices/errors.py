"""Error codes of invoices."""
from __future__ import annotations

from enum import StrEnum


class InvoiceError(StrEnum):
    UNSUPPORTED_LANGUAGE = "unsupported_language"
