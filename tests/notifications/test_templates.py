"""Every message exists in French, Arabic and English, and renders with the context its sender gives."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cooperatives.models import CERTIFICATION_KIND_NAMES
from marketplace.money import Money
from marketplace.i18n import LANGUAGES
from marketplace.notifications.rendering import TEMPLATES, html, render

EVENTS = sorted(path.stem for path in (TEMPLATES / "fr").glob("*.txt"))
LINES = [{"name": {"fr": "Miel de thym", "ar": "عسل الزعتر"}, "label": "500 g", "quantity": 2}]
CONTEXT = {"cooperative": "Tifaout", "reason": "motif", "kind": CERTIFICATION_KIND_NAMES["onssa_authorization"], "number": "AS.1.2020",
           "expires_on": date(2027, 1, 3), "days_left": 7, "product": {"fr": "Miel", "ar": "عسل"}, "why": "revoked",
           "parcel_id": 3, "lines": LINES, "city": "Rabat", "country": "MA", "amount": Money(123450, "MAD"),
           "total": Money(123450, "MAD"), "reference": "VIR-1", "threshold": 5, "paid_by_card": True,
           "items": [{"product": {"fr": "Miel"}, "label": "1 kg", "sku": "M-1", "available": 2}],
           "carrier": "Amana", "tracking_number": "AM1"}


def test_the_three_languages_have_the_same_messages():
    assert len(EVENTS) == 19
    for language in LANGUAGES:
        assert sorted(path.stem for path in Path(TEMPLATES, language).glob("*.txt")) == EVENTS


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
@pytest.mark.parametrize("event", EVENTS)
def test_every_message_renders(event, language):
    rendered = render(event, language, CONTEXT)

    assert rendered.body and "{{" not in rendered.body
    assert (rendered.subject is None) == event.endswith("_sms")


def test_amounts_and_dates_are_written_for_the_reader():
    french = render("certification_expiring", "fr", CONTEXT)
    arabic = render("refund_issued", "ar", CONTEXT)

    assert "3 janvier 2027" in french.subject
    assert "\u200f1.234,50\xa0د.م.\u200f" in arabic.body
    assert "1\u202f234,50\xa0MAD" in render("refund_issued", "fr", CONTEXT).body


def test_arabic_e_mails_read_right_to_left_and_escape_what_they_quote():
    page = html("مرحبا\n\n<b>رسالة</b>", "ar")

    assert '<html lang="ar" dir="rtl">' in page and "&lt;b&gt;" in page and "<p>مرحبا</p>" in page
