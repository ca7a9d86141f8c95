"""A PDF certification document is parsed: one an administrator could not open is refused, nothing stored."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter

from cooperatives.demo import tiny_pdf

GOOD = tiny_pdf("ONSSA AS.13.241.2018")


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(GOOD))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_without_pages() -> bytes:
    buffer = io.BytesIO()
    PdfWriter().write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("document", [
    GOOD[:40],  # the first 40 bytes: magic bytes and nothing else
    GOOD[: len(GOOD) // 2],  # cut in the middle of the objects
    GOOD[:-30],  # cross-reference table cut short
    GOOD.replace(b"/Contents 4 0 R", b"/Contents 9 0 R"),  # a page whose content does not exist
    pdf_without_pages(),
    encrypted_pdf(),
], ids=["first-40-bytes", "half", "truncated-xref", "dangling-content", "no-pages", "password-protected"])
def test_an_unreadable_pdf_is_422_document_corrupt_and_nothing_is_stored(coop_factory, table_counts, document):
    cooperative, manager = coop_factory.create()
    before = table_counts()

    response = coop_factory.submit(manager, cooperative["id"], document=document)

    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "document_corrupt"
    assert "document" in response.json["error"]["details"]
    assert table_counts() == before and coop_factory.stored_documents() == []


def test_a_readable_pdf_is_stored_and_served_back_unchanged(client, coop_factory):
    cooperative, manager = coop_factory.create()

    response = coop_factory.submit(manager, cooperative["id"], document=GOOD)

    assert response.status_code == 201, response.json
    document = client.get(f"/api/v1/certifications/{response.json['id']}/document", headers=manager.headers)
    assert document.status_code == 200 and document.data == GOOD
