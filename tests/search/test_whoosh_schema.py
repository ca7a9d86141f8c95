"""The Whoosh fields compute their terms in one pass: the same terms their analyzers yield, and the completion
terms of the shared analysis."""
from __future__ import annotations

import pytest

from catalog.search.documents import completion_entries, document_texts
from catalog.search.whoosh_backend.schema import SEP, document_fields, make_schema
from tests.factories import make_doc

TEXTS = ["Huile d'argan pressée à froid, 250 ml", "زيتُ الأركانِ البلدي", "Miel de thym and oils of the Atlas 2024",
         "ﬁne Crème — ÉPICES x2", ""]


@pytest.mark.parametrize("field", ["name", "meta", "description", "words"])
@pytest.mark.parametrize("text", TEXTS)
def test_a_text_field_indexes_the_terms_its_analyzer_yields(field, text):
    schema = make_schema()

    indexed = {term.decode() for term, *_ in schema[field].index(text)}

    assert indexed == {token.text for token in schema[field].analyzer(text)}


def test_the_completion_fields_hold_the_shared_completion_entries():
    doc = make_doc(1, names={"fr": "Miel de thym bio", "ar": "عسل الزعتر"})
    schema, values = make_schema(), document_fields(doc)

    terms = {name: {term.decode() for term, *_ in schema[name].index(values[name])} for name in ("ac_full", "ac_part")}

    entries = completion_entries(doc)
    assert terms["ac_full"] == {f"{key}{SEP}{display}" for key, display, whole in entries if whole}
    assert terms["ac_part"] == {f"{key}{SEP}{display}" for key, display, whole in entries if not whole}
    assert terms["ac_part"]


def test_vocab_holds_only_the_display_forms_that_differ_from_the_word():
    doc = make_doc(1, names={"fr": "Épices pressées"}, descriptions={"fr": "miel epices"})
    schema = make_schema()

    vocab = {term.decode() for term, *_ in schema["vocab"].index(document_texts(doc).everything)}

    assert f"pressees{SEP}pressées" in vocab and f"epices{SEP}épices" in vocab
    assert not any(term.startswith(f"miel{SEP}") for term in vocab)
