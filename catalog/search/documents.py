"""Plain values exchanged with a search backend; they know nothing of the catalog models."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from marketplace import clock

SORTS = ("relevance", "price_asc", "price_desc", "newest")
FACETS = ("category", "region", "certification")


@dataclass(frozen=True)
class SearchDocument:
    product_id: int
    names: dict[str, str]
    descriptions: dict[str, str]
    category_slug: str
    category_names: dict[str, str]
    cooperative_id: int
    cooperative_name: str
    region: str
    certification_kinds: tuple[str, ...]
    price_min: int
    in_stock: bool
    created_at: datetime
    sellable_until: date | None
    fingerprint: str = ""


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    category: str | tuple[str, ...] | None = None   # a slug, or several (a parent category and its children)
    region: str | None = None
    certification: str | None = None
    cooperative_id: int | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    lang: str | None = None
    today: date = field(default_factory=lambda: clock.today())  # read per query: tests move the clock

    @property
    def category_slugs(self) -> tuple[str, ...]:
        if self.category is None:
            return ()
        return (self.category,) if isinstance(self.category, str) else tuple(self.category)

    @property
    def offset(self) -> int:
        return (max(self.page, 1) - 1) * self.per_page


@dataclass(frozen=True)
class SearchHit:
    product_id: int
    highlight: str


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    total: int
    facets: dict[str, list[tuple[str, int]]]
    did_you_mean: str | None = None


@dataclass(frozen=True)
class SearchCounts:
    """What a search counts over all its matches: the total, the facets, and the corrected words the matches
    are of (did-you-mean). Cached per filter set, catalog version and day (`catalog.caching`)."""
    total: int
    facets: dict[str, list[tuple[str, int]]]
    did_you_mean: str | None = None


def sorted_facet(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Facet values by count descending, then value."""
    return sorted(((value, count) for value, count in counts.items() if count > 0), key=lambda vc: (-vc[1], vc[0]))


def empty_result() -> SearchResult:
    return SearchResult(hits=[], total=0, facets={name: [] for name in FACETS}, did_you_mean=None)


@dataclass(frozen=True)
class DocumentTexts:
    """The raw text of a document by weight: names, other labels (category, cooperative, certifications), description."""
    name: str
    meta: str
    description: str

    @property
    def everything(self) -> str:
        return " ".join([self.name, self.meta, self.description])


def document_texts(doc: SearchDocument) -> DocumentTexts:
    """Split a document's searchable text by the weight each part gets in ranking."""
    from catalog.search.analysis import certification_text

    meta = " ".join([*doc.category_names.values(), doc.cooperative_name, doc.region.replace("-", " "),
                     certification_text(doc.certification_kinds)])
    return DocumentTexts(" ".join(doc.names.values()), meta, " ".join(doc.descriptions.values()))


def completion_entries(doc: SearchDocument) -> set[tuple[str, str, bool]]:
    """(normalised key, display name, whether the key is the whole name) for every name and category name."""
    from catalog.search.analysis import completion_keys

    entries: set[tuple[str, str, bool]] = set()
    for display in [*doc.names.values(), *doc.category_names.values()]:
        whole, tails = completion_keys(display)
        if whole:
            entries.add((whole, display, True))
            entries.update((tail, display, False) for tail in tails)
    return entries
