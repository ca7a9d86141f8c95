"""The highlight is in the language of display_name, whichever language the match was found in."""
from __future__ import annotations

import re

import pytest

NAMES = {"fr": "Pâte de piments rouges", "ar": "هريسة تقليدية", "en": "Traditional harissa paste"}
DESCRIPTIONS = {"fr": "Une harissa de Mohammedia, piments séchés au soleil.", "en": "Harissa from Mohammedia."}


@pytest.fixture
def harissa(market):
    cooperative_id, manager = market.cooperative(region="casablanca-settat")
    return market.product(manager, cooperative_id, NAMES, category="spices-saffron", description=DESCRIPTIONS)


def plain(snippet: str) -> str:
    return re.sub(r"</?mark>", "", snippet)


@pytest.mark.parametrize("accept_language, display_name, highlight", [
    ("fr", NAMES["fr"], "Une <mark>harissa</mark> de Mohammedia, piments séchés au soleil."),
    ("en", NAMES["en"], "Traditional <mark>harissa</mark> paste"),
    ("ar", NAMES["ar"], NAMES["ar"]),  # nothing Arabic matches: the Arabic name, unmarked, never the English one
])
def test_accept_language_sets_both_display_name_and_highlight(search_engine, market, harissa, accept_language,
                                                              display_name, highlight):
    response = market.client.get("/api/v1/search", query_string={"q": "harissa"},
                                 headers={"Accept-Language": accept_language})

    [item] = response.json["items"]
    assert (item["display_name"], item["highlight"]) == (display_name, highlight)


def test_the_lang_parameter_sets_both_too(search_engine, market, harissa):
    [item] = market.search(q="harissa", lang="ar")["items"]
    assert item["display_name"] == NAMES["ar"] and plain(item["highlight"]) == NAMES["ar"]
    [item] = market.search(q="piments", lang="en")["items"]
    assert item["display_name"] == NAMES["en"] and item["highlight"] == NAMES["en"]
