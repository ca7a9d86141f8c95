"""Invoice fixtures: the settlement `books` (cooperatives, products, orders, deliveries, refunds, runs over HTTP)
and helpers that list invoices and read their PDFs back as text."""
from __future__ import annotations

import io
import uuid

import pytest
from pypdf import PdfReader

from tests.orders.conftest import ADDRESSES, API
from tests.settlement.conftest import books, card, coop_factory, market, shop  # noqa: F401  (fixtures)

BUYER_ICE = "001561191000066"


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, with Babel's narrow and no-break spaces read as plain spaces."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return text.replace("\u202f", " ").replace("\xa0", " ")


def plain(formatted: str) -> str:
    return formatted.replace("\u202f", " ").replace("\xa0", " ")


def embedded_fonts(pdf: bytes) -> set[str]:
    """The base names of the fonts whose program is embedded in the PDF."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font)["/FontDescriptor"].get_object()
            if any(key.startswith("/FontFile") for key in descriptor):
                names.add(str(font["/BaseFont"]).split("+")[-1])
    return names


class Invoices:
    def __init__(self, client, market, users):
        self.client, self.market, self.users = client, market, users

    def of_order(self, order_id: int, account) -> list[dict]:
        response = self.client.get(f"{API}/orders/{order_id}/invoices", headers=account.headers)
        assert response.status_code == 200, response.json
        return response.json["items"]

    def of_cooperative(self, cooperative_id: int, account) -> list[dict]:
        response = self.client.get(f"{API}/cooperatives/{cooperative_id}/invoices",
                                   query_string={"per_page": 100}, headers=account.headers)
        assert response.status_code == 200, response.json
        return response.json["items"]

    def pdf(self, invoice_id: int, account, lang: str | None = None) -> bytes:
        query = {"lang": lang} if lang else {}
        response = self.client.get(f"{API}/invoices/{invoice_id}.pdf", query_string=query, headers=account.headers)
        assert response.status_code == 200, response.json
        assert response.mimetype == "application/pdf"
        return response.data

    def order(self, items: list[tuple[int, int]], *, buyer=None, method: str = "cash_on_delivery",
              buyer_ice: str | None = None) -> dict:
        """A buyer (a new one unless given) orders [(variant id, quantity)] in MAD from Morocco."""
        buyer = buyer or self.users.buyer()
        for variant_id, quantity in items:
            assert self.market.add(buyer, variant_id, quantity).status_code == 201
        address = {**ADDRESSES["MA"], **({"buyer_ice": buyer_ice} if buyer_ice else {})}
        created = self.client.post(f"{API}/checkout", json={"shipping_address": address, "currency": "MAD",
                                                            "payment_method": method},
                                   headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex})
        assert created.status_code == 201, created.json
        return {**created.json, "buyer": buyer}


@pytest.fixture
def invoices(client, market, users) -> Invoices:
    return Invoices(client, market, users)
