"""Text analysis shared by every search backend: folding, Arabic normalisation, stemming, highlighting.

Both backends index and query the output of `index_terms`, so accent folding, Arabic forms and stemming behave
identically whether Whoosh or PostgreSQL ('simple' configuration over pre-normalised text) answers. Nothing
here imports Whoosh: the PostgreSQL backend runs without it.
"""
from __future__ import annotations

import html
import re
import unicodedata
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache

import snowballstemmer

from marketplace.i18n import FALLBACK_ORDER

# Arabic combining marks are part of the word they decorate, so the tokenizer must not split on them.
TOKEN_RE = re.compile(r"[\w\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED]+")
_WORD_RE = re.compile(r"\w+")
_ARABIC_MARKS_RE = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_ARABIC_ARTICLES = ("وال", "بال", "كال", "فال", "ال", "لل")
_LATIN_RE = re.compile(r"[a-z]")

# Stopwords are dropped from the indexed and queried terms, never from suggestions or highlights.
STOPWORDS = frozenset(
    "a au aux avec d de des du en et l la le les par pour sur un une "
    "and for from in of the with".split()
)

CERTIFICATION_WORDS: dict[str, tuple[str, ...]] = {
    "onssa_authorization": ("onssa", "autorisation", "authorization", "sanitaire"),
    "onssa_approval": ("onssa", "agrement", "approval", "sanitaire"),
    "igp": ("igp", "pgi", "indication", "geographique"),
    "aop": ("aop", "pdo", "appellation", "origine"),
    "label_agricole": ("label", "agricole"),
    "bio": ("bio", "biologique", "organic"),
    "organic": ("bio", "biologique", "organic"),
    "fair_trade": ("equitable", "fair", "trade"),
}

_stemmer = snowballstemmer.stemmer("french")
_stemmer_lock = threading.Lock()  # a Snowball stemmer object keeps its state between calls


def _is_arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff" or "\u0750" <= char <= "\u077f"


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = _ARABIC_MARKS_RE.sub("", text).translate(_ARABIC_LETTERS)
    kept: list[str] = []
    base = ""
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            # Latin accents go; a mark on an Arabic letter (ؤ, ئ) is part of the letter.
            if _is_arabic(base):
                kept.append(char)
            continue
        base = char
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def _strip_article(word: str) -> str:
    changed = True
    while changed:
        changed = False
        for article in _ARABIC_ARTICLES:
            if len(word) > 3 and word.startswith(article) and len(word) - len(article) >= 2:
                word = word[len(article):]
                changed = True
                break
    return word


@lru_cache(maxsize=65536)
def fold_token(token: str) -> tuple[str, ...]:
    """Normalised words of one raw token (usually one word; compatibility characters may split it)."""
    folded = token
    for _ in range(4):
        again = _fold_once(folded)
        if again == folded:
            break
        folded = again
    return tuple(_strip_article(word) for word in _WORD_RE.findall(folded))


def normalize(text: str) -> str:
    """Lowercase, accent-folded, Arabic-normalised words of `text`, joined by single spaces."""
    return " ".join(word for match in TOKEN_RE.finditer(text) for word in fold_token(match.group()))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Stem of a normalised word: French Snowball for Latin-script words, Arabic words unchanged."""
    if _LATIN_RE.match(word):
        with _stemmer_lock:
            return _stemmer.stemWord(word)
    return word


def index_terms(text: str) -> list[str]:
    """Terms to index or query for `text`: normalised, stopwords removed, stemmed."""
    return [stem(word) for word in normalize(text).split() if word not in STOPWORDS]


def search_text(text: str) -> str:
    """Space-joined `index_terms`, the pre-normalised text PostgreSQL turns into a 'simple' tsvector."""
    return " ".join(index_terms(text))


def certification_text(kinds: Iterable[str]) -> str:
    """Words a certification kind is searchable by (`onssa_authorization` -> onssa, autorisation…)."""
    words: list[str] = []
    for kind in kinds:
        words.append(kind.replace("_", " "))
        words.extend(CERTIFICATION_WORDS.get(kind, ()))
    return " ".join(words)


def surface_words(text: str) -> dict[str, str]:
    """Normalised word -> its lowercase display form, for spelling corrections that read naturally."""
    words: dict[str, str] = {}
    for match in TOKEN_RE.finditer(text):
        folded = fold_token(match.group())
        display = match.group().lower()
        for word in folded:
            if len(word) > 1 and not word.isdigit():
                # Arabic display forms would carry articles and vowels; the normalised word reads fine.
                readable = len(folded) == 1 and not _is_arabic(word[0])
                words.setdefault(word, display if readable else word)
    return words


def correction_distance(word: str) -> int:
    """Edit distance a misspelt word may be corrected by: 0 up to 3 letters, 1 up to 7, then 2."""
    if len(word) <= 3:
        return 0
    return 1 if len(word) <= 7 else 2


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (a transposition counts as one edit), capped at `limit` + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def transpositions(word: str) -> set[str]:
    """Words one adjacent transposition away from `word`."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)} - {word}


def choose_correction(word: str, candidates: Iterable[tuple[str, int]]) -> str | None:
    """Closest candidate (by edit distance, then frequency, then alphabet) within the allowed distance."""
    limit = correction_distance(word)
    if not limit:
        return None
    best: tuple[int, int, str] | None = None
    for candidate, frequency in candidates:
        if candidate == word or len(candidate) <= 1:
            continue
        distance = edit_distance(word, candidate, limit)
        if distance <= limit and (best is None or (distance, -frequency, candidate) < best):
            best = (distance, -frequency, candidate)
    return best[2] if best else None


def completion_keys(name: str) -> tuple[str, list[str]]:
    """Normalised whole name and the normalised tails starting at each later word, for prefix completion."""
    words = [word for match in TOKEN_RE.finditer(name) for word in fold_token(match.group())]
    whole = " ".join(words)
    return whole, [" ".join(words[i:]) for i in range(1, len(words))]


def completion_prefix(prefix: str) -> str:
    """Normalised form of what the user typed, keeping a trailing space as a word boundary."""
    words = normalize(prefix).split()
    if words and prefix[-1:].isspace():
        return " ".join(words) + " "
    if words:
        # A half-typed Arabic word may still be its article (ال, الأ…), which indexed words have lost.
        last = words[-1]
        for article in _ARABIC_ARTICLES:
            if last.startswith(article) and _is_arabic(last[0]):
                words[-1] = last[len(article):]
                break
    if words and not words[-1]:
        words.pop()
        return " ".join(words) + " " if words else ""
    return " ".join(words)


def highlight(text: str, terms: set[str], *, max_chars: int | None = None) -> str:
    """HTML-escaped `text` with <mark> around words analysing to `terms`, cut to `max_chars` around the first."""
    marks = [match.span() for match in TOKEN_RE.finditer(text)
             if any(stem(word) in terms for word in fold_token(match.group()) if word not in STOPWORDS)]
    start, end = 0, len(text)
    if max_chars and len(text) > max_chars:
        start = max(0, marks[0][0] - max_chars // 3) if marks else 0
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        end = min(len(text), start + max_chars)
        while end < len(text) and not text[end].isspace():
            end += 1
    pieces = ["…" if start > 0 else ""]
    position = start
    for mark_start, mark_end in marks:
        if mark_start < start or mark_end > end:
            continue
        pieces += [html.escape(text[position:mark_start]), "<mark>", html.escape(text[mark_start:mark_end]), "</mark>"]
        position = mark_end
    pieces += [html.escape(text[position:end]), "…" if end < len(text) else ""]
    return "".join(pieces)


def has_match(text: str, terms: set[str]) -> bool:
    """Whether any word of `text` analyses to one of `terms`."""
    return any(term in terms for term in index_terms(text))


def hit_highlight(names: dict[str, str], descriptions: dict[str, str], terms: set[str], lang: str | None) -> str:
    """Snippet for one hit, in the language of its display name (`lang`, else fr → ar → en): that name with its
    matches marked, else a matching excerpt of the description in that language, else that name as it is."""
    if not terms:
        return ""
    code = next((code for code in ((lang,) if lang else ()) + FALLBACK_ORDER if names.get(code)), None)
    if code is None:
        return ""
    if not has_match(names[code], terms) and has_match(descriptions.get(code) or "", terms):
        return highlight(descriptions[code], terms, max_chars=160)
    return highlight(names[code], terms)


def correct_query(q: str, *, is_known: Callable[[str], bool],
                  candidates: Callable[[str, int], Iterable[tuple[str, int]]],
                  display: Callable[[str], str]) -> str | None:
    """`q` with each unknown word replaced by the closest vocabulary word (display form), or None if nothing changed."""
    out: list[str] = []
    changed = False
    for match in TOKEN_RE.finditer(q):
        words = fold_token(match.group())
        if len(words) == 1 and words[0] not in STOPWORDS and not is_known(words[0]):
            word = words[0]
            limit = correction_distance(word)
            best = choose_correction(word, candidates(word, limit)) if limit else None
            if best is not None:
                out.append(display(best))
                changed = True
                continue
        out.append(match.group())
    return " ".join(out) if changed else None
