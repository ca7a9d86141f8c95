"""Text analysis shared by the search backends."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.search.analysis import (
    completion_prefix,
    correct_query,
    edit_distance,
    highlight,
    index_terms,
    normalize,
    search_text,
    surface_words,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("Épices", "epices"),
    ("crème", "creme"),
    ("Huile PRESSÉE à froid", "huile pressee a froid"),
    ("Huile d'argan", "huile d argan"),
    ("ﬁgue", "figue"),
])
def test_normalize_lowercases_and_folds_latin_accents(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize("text", ["زيت الأركان", "زيت أركان", "زيتُ الأركانِ", "زيـــت اركان", "زيت إركان",
                                  "زيت آركان", "زيت ٱركان"])
def test_arabic_forms_of_argan_oil_normalise_alike(text):
    assert normalize(text) == "زيت اركان"


@pytest.mark.parametrize(("text", "expected"), [
    ("مربى", "مربي"),            # alef maqsura -> ya
    ("زبدة", "زبده"),            # ta marbuta -> ha
    ("والزيتون", "زيتون"),       # wa + article
    ("بالعسل", "عسل"),
    ("للعسل", "عسل"),
    ("الزيت", "زيت"),            # the article goes, the word stays whole (an ISRI stemmer gives الز)
    ("الف", "الف"),              # three letters: no article stripped
])
def test_arabic_letters_and_articles_are_normalised(text, expected):
    assert normalize(text) == expected


def test_arabic_marks_do_not_split_words():
    assert normalize("زَيْتُونٌ") == "زيتون"


def test_an_arabic_letter_with_its_hamza_is_not_folded_like_a_latin_accent():
    assert normalize("مؤسسة") == "مؤسسه"


@pytest.mark.parametrize(("a", "b"), [("miels", "miel"), ("huiles", "huile"), ("oils", "oil"),
                                      ("épices", "epice"), ("pressée", "pressee"), ("Crèmes", "creme")])
def test_stemming_after_folding_unifies_inflections_and_accents(a, b):
    assert index_terms(a) == index_terms(b)


def test_stopwords_are_not_indexed():
    assert search_text("Miel de thym et d'euphorbe") == "miel thym euphorb"


def test_surface_words_map_normalised_words_to_their_display_form():
    assert surface_words("Épices, HARISSA") == {"epices": "épices", "harissa": "harissa"}


def test_edit_distance_counts_a_transposition_as_one_edit():
    assert edit_distance("mile", "miel") == 1
    assert edit_distance("argn", "argan") == 1
    assert edit_distance("harisa", "harissa") == 1
    assert edit_distance("couscous", "cuscsous") == 2


def test_correct_query_replaces_only_unknown_words_by_their_closest_display_form():
    vocabulary = {"huile": 5, "argan": 9, "organ": 1, "miel": 3}

    corrected = correct_query(
        "Huile argn",
        is_known=vocabulary.__contains__,
        candidates=lambda word, limit: vocabulary.items(),
        display=lambda word: word.upper(),
    )

    assert corrected == "Huile ARGAN"


def test_correct_query_leaves_short_words_alone():
    assert correct_query("mil", is_known=lambda w: False, candidates=lambda w, k: [("miel", 1)],
                         display=str) is None


def test_highlight_marks_matches_and_escapes_everything_else():
    assert highlight("Huile <d'argan> & épices", set(index_terms("argan epices"))) == \
        "Huile &lt;d&#x27;<mark>argan</mark>&gt; &amp; <mark>épices</mark>"


def test_highlight_cuts_long_text_around_the_first_match():
    text = "Une longue description " * 20 + "avec du safran de Taliouine." + " fin" * 50

    snippet = highlight(text, set(index_terms("safran")), max_chars=80)

    assert "<mark>safran</mark>" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) < 140


@pytest.mark.parametrize(("typed", "expected"), [("Épi", "epi"), ("miel de ", "miel de "), ("زيت ال", "زيت "),
                                                  ("زيت الأ", "زيت ا"), ("ال", "")])
def test_completion_prefix_normalises_what_was_typed(typed, expected):
    assert completion_prefix(typed) == expected


@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@given(st.text(alphabet=st.sampled_from("اأإآٱلبوكفةىيزتنرَُِّـ ")))
def test_normalize_is_idempotent_on_arabic(text):
    once = normalize(text)
    assert normalize(once) == once
