"""The Whoosh schema, its analyzers (the shared `analysis` behind Whoosh's tokenizer interface), and the fields
one search document is written as."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from whoosh import columns, fields, formats
from whoosh.analysis import Token, Tokenizer

from catalog.search.analysis import (
    STOPWORDS,
    TOKEN_RE,
    completion_keys,
    fold_token,
    index_terms,
    normalize,
    stem,
    surface_words,
)
from catalog.search.documents import SearchDocument, document_texts

NO_LIMIT_DAY = 10_000_000  # the `sellable` ordinal of a document no date limits
SEP = "\x1f"  # joins a normalised key to its display form inside one term


class SearchTokenizer(Tokenizer):
    """Whoosh tokenizer applying `index_terms` analysis while keeping character offsets."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: object) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        position = start_pos
        for match in TOKEN_RE.finditer(value):
            for word in fold_token(match.group()):
                if word in STOPWORDS:
                    continue
                token.text = stem(word)
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = match.group()
                if positions:
                    token.pos = position
                    position += 1
                if chars:
                    token.startchar = start_char + match.start()
                    token.endchar = start_char + match.end()
                yield token


class WordTokenizer(SearchTokenizer):
    """Whoosh tokenizer yielding normalised, unstemmed words: the spelling vocabulary."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: object) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for word in normalize(value).split():
            if len(word) > 1 and not word.isdigit():
                token.text = word
                token.boost = 1.0
                token.stopped = False
                yield token


def spelling_words(value: str) -> set[str]:
    """The words `WordTokenizer` yields: normalised, unstemmed, neither one letter nor a number."""
    return {word for word in normalize(value).split() if len(word) > 1 and not word.isdigit()}


def display_forms(text: str) -> list[str]:
    """`vocab` terms: word SEP display form, only for forms differing from the word (the plain form's count is
    the rest of the word's documents in `words`)."""
    return [f"{word}{SEP}{shown}" for word, shown in surface_words(text).items() if shown != word and " " not in shown]


def _completions(lines: str, *, whole: bool) -> list[str]:
    out = []
    for display in lines.split("\n"):
        key, tails = completion_keys(display)
        if key:
            out.extend([f"{key}{SEP}{display}"] if whole else [f"{tail}{SEP}{display}" for tail in tails])
    return out


def whole_completions(lines: str) -> list[str]:
    """`ac_full` terms of newline-separated names: normalised whole name SEP name."""
    return _completions(lines, whole=True)


def tail_completions(lines: str) -> list[str]:
    """`ac_part` terms: each normalised tail from a later word SEP name."""
    return _completions(lines, whole=False)


class TermsTokenizer(Tokenizer):
    """Whoosh tokenizer yielding the terms a function gives for a value."""

    def __init__(self, terms: Callable[[str], Iterable[str]]) -> None:
        self.terms = terms

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.terms is self.terms

    def __hash__(self) -> int:
        return hash(self.terms)

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: object) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for term in self.terms(value):
            token.text, token.boost, token.stopped = term, 1.0, False
            yield token


class TermSet(fields.TEXT):
    """A field whose postings only say which documents hold a term, computed from its value by `terms`.

    Search collects document sets from the postings and never scores, so neither frequencies nor weights are
    written; indexing calls `terms` once per value instead of building a Token object per word. The analysis
    runs where Whoosh indexes the field, in the rebuild's writer processes.
    """

    def __init__(self, terms: Callable[[str], Iterable[str]], analyzer: Tokenizer | None = None) -> None:
        super().__init__(analyzer=analyzer or TermsTokenizer(terms), phrase=False)
        self.format = formats.Existence()
        self.terms = terms
        # Flushing a segment looks up each posting's field length; without a length column Whoosh stats the
        # column file once per posting, so every indexed field gets one.
        self.scorable = True

    def index(self, value: str, **kwargs: object) -> Iterator[tuple[bytes, int, float, bytes]]:
        return ((term.encode(), 1, 1.0, b"") for term in set(self.terms(value)))


def _scored(field: fields.FieldType) -> fields.FieldType:
    # See TermSet: an indexed field without a length column costs a stat per posting.
    field.scorable = True
    return field


def _number() -> fields.COLUMN:
    return fields.COLUMN(columns.NumericColumn("q"))


def make_schema() -> fields.Schema:
    """The Whoosh schema: searchable text, filter terms, per-document value columns and completion terms."""
    return fields.Schema(
        pid=_scored(fields.ID(unique=True, stored=True)),
        pidn=_number(),
        name=TermSet(index_terms, SearchTokenizer()),
        meta=TermSet(index_terms, SearchTokenizer()),
        description=TermSet(index_terms, SearchTokenizer()),
        words=TermSet(spelling_words, WordTokenizer()),
        vocab=TermSet(display_forms),
        ac_full=TermSet(whole_completions),
        ac_part=TermSet(tail_completions),
        category=_scored(fields.ID()),
        region=_scored(fields.ID()),
        cert=_scored(fields.KEYWORD()),
        coop=_scored(fields.ID()),
        stock=_scored(fields.ID()),
        price=_number(),
        created=_number(),
        sellable=_number(),
        fingerprint=fields.COLUMN(columns.VarBytesColumn()),
        texts=fields.STORED(),
    )


def document_fields(doc: SearchDocument) -> dict[str, Any]:
    """The field values one search document is written as (the text fields' terms are computed by the fields)."""
    texts = document_texts(doc)
    completion_names = "\n".join(dict.fromkeys([*doc.names.values(), *doc.category_names.values()]))
    return {
        "pid": str(doc.product_id),
        "pidn": doc.product_id,
        "name": texts.name,
        "meta": texts.meta,
        "description": texts.description,
        "words": texts.everything,
        "vocab": texts.everything,
        "ac_full": completion_names,
        "ac_part": completion_names,
        "category": doc.category_slug,
        "region": doc.region,
        "cert": " ".join(doc.certification_kinds),
        "coop": str(doc.cooperative_id),
        "stock": "1" if doc.in_stock else "0",
        "price": doc.price_min,
        "created": int(doc.created_at.timestamp()),
        "sellable": doc.sellable_until.toordinal() if doc.sellable_until else NO_LIMIT_DAY,
        "fingerprint": doc.fingerprint.encode(),
        "texts": (doc.names, doc.descriptions),
    }
