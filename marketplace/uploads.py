"""Reading uploaded files without ever holding more than the limit in memory."""
from __future__ import annotations

from typing import BinaryIO

from marketplace.errors import AppError

CHUNK = 64 * 1024


def read_limited(stream: BinaryIO, max_bytes: int, too_large: AppError) -> bytes:
    """The whole stream, or raise `too_large` as soon as it exceeds `max_bytes` (holds at most max_bytes + 1)."""
    buffer = bytearray()
    # read() may return short counts on network streams, so loop.
    while len(buffer) <= max_bytes:
        chunk = stream.read(min(CHUNK, max_bytes + 1 - len(buffer)))
        if not chunk:
            return bytes(buffer)
        buffer += chunk
    raise too_large
