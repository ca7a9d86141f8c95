"""The Whoosh schema, its analyzers (the shared `analysis` behind Whoosh's tokenizer interface), and the fields
one search document is written as."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh import columns, fields
from whoosh.analysis import RegexTokenizer, Token, Tokenizer

from catalog.search.analysis import (
    STOPWORDS,
    TOKEN_RE,
    fold_token,
    normalize,
    stem,
    surface_words,
)
from catalog.search.documents import SearchDocument, completion_entries, document_texts

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


def _scored(field: fields.FieldType) -> fields.FieldType:
    # Flushing a segment looks up each posting's field length; without a length column Whoosh stats the
    # column file once per posting (a third of the build time), so every indexed field gets one.
    field.scorable = True
    return field


def _line_keyword() -> fields.FieldType:
    field = fields.KEYWORD()
    field.analyzer = RegexTokenizer(r"[^\n]+")
    return _scored(field)


def _number() -> fields.COLUMN:
    return fields.COLUMN(columns.NumericColumn("q"))


def make_schema() -> fields.Schema:
    """The Whoosh schema: searchable text, filter terms, per-document value columns and completion terms."""
    return fields.Schema(
        pid=_scored(fields.ID(unique=True, stored=True)),
        pidn=_number(),
        name=fields.TEXT(analyzer=SearchTokenizer(), phrase=False),
        meta=fields.TEXT(analyzer=SearchTokenizer(), phrase=False),
        description=fields.TEXT(analyzer=SearchTokenizer(), phrase=False),
        words=fields.TEXT(analyzer=WordTokenizer(), phrase=False),
        vocab=_scored(fields.KEYWORD()),
        ac_full=_line_keyword(),
        ac_part=_line_keyword(),
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
    """The field values one search document is written as."""
    texts = document_texts(doc)
    completions = completion_entries(doc)
    return {
        "pid": str(doc.product_id),
        "pidn": doc.product_id,
        "name": texts.name,
        "meta": texts.meta,
        "description": texts.description,
        "words": texts.everything,
        "vocab": " ".join(f"{word}{SEP}{shown}" for word, shown in surface_words(texts.everything).items()
                          if " " not in shown),
        "ac_full": "\n".join(f"{key}{SEP}{display}" for key, display, whole in completions if whole),
        "ac_part": "\n".join(f"{key}{SEP}{display}" for key, display, whole in completions if not whole),
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
