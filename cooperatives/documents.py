"""Certification documents: checked by content (never by file name or declared type), stored privately.

A document is stored under PRIVATE_MEDIA_ROOT with a random name; the client's file name is never used, so a
name such as `../../etc/passwd.pdf` has no effect. The stored content type comes from the bytes.
"""
from __future__ import annotations

import io
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image
from pypdf import PdfReader

from cooperatives.errors import CooperativeError
from marketplace.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from marketplace.uploads import read_limited

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_FOLDER = "certifications"
# magic bytes → (content type, file extension, Pillow format or None for PDF)
_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf", None),
    (b"\xff\xd8\xff", "image/jpeg", "jpg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png", "PNG"),
)


@dataclass(frozen=True)
class CheckedDocument:
    content: bytes
    content_type: str
    extension: str


def read_document(stream: BinaryIO, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> CheckedDocument:
    """Read an upload and tell its type from its bytes: a PDF that pypdf can read, or a JPEG or PNG that Pillow
    can open."""
    content = read_limited(stream, max_bytes, PayloadTooLarge(
        CooperativeError.DOCUMENT_TOO_LARGE, f"The document is larger than {max_bytes} bytes.",
        {"document": [f"At most {max_bytes // (1024 * 1024)} MB."]}))
    for magic, content_type, extension, image_format in _SIGNATURES:
        if content.startswith(magic):
            if image_format:
                _check_image(content, image_format)
            else:
                _check_pdf(content)
            return CheckedDocument(content, content_type, extension)
    raise UnsupportedMediaType(CooperativeError.DOCUMENT_TYPE_NOT_ALLOWED,
                               "The document is not a PDF, JPEG or PNG file.",
                               {"document": ["Upload a PDF, JPEG or PNG file."]})


def store_document(document: CheckedDocument, private_root: Path) -> str:
    """Write the document under a random name; returns its path relative to the private root."""
    relative = f"{DOCUMENT_FOLDER}/{secrets.token_hex(16)}.{document.extension}"
    path = Path(private_root) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(document.content)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return relative


def document_file(private_root: Path, relative: str) -> Path:
    """The absolute path of a stored document; a path leaving the private root is a ValueError."""
    root = Path(private_root).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root / DOCUMENT_FOLDER):
        raise ValueError(f"{relative!r} is outside the private document folder")
    return path


def delete_document(private_root: Path, relative: str) -> None:
    document_file(private_root, relative).unlink(missing_ok=True)


def _check_pdf(content: bytes) -> None:
    """Parse the whole document with pypdf: every page and its content must be readable, and not locked."""
    try:
        reader = PdfReader(io.BytesIO(content))
        readable = not reader.is_encrypted and len(reader.pages) > 0
        for page in reader.pages if readable else ():
            if "/Contents" in page and page.get_contents() is None:  # pypdf only warns of a missing object
                readable = False
    except Exception:  # pypdf reports damaged files with many exception types (PdfReadError, ValueError, KeyError…)
        readable = False
    if not readable:
        raise ValidationFailed(CooperativeError.DOCUMENT_CORRUPT, "The PDF could not be read.",
                               {"document": ["The PDF is damaged, truncated, empty or password-protected."]})


def _check_image(content: bytes, image_format: str) -> None:
    try:
        with Image.open(io.BytesIO(content), formats=(image_format,)) as image:
            image.verify()
    except Exception:  # Pillow reports damaged data (and decompression bombs) with many exception types
        raise ValidationFailed(CooperativeError.DOCUMENT_CORRUPT, "The image could not be read.",
                               {"document": ["The image is damaged or truncated."]}) from None
