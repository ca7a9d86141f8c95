"""One suite, run against every search backend through the SearchBackend interface."""
from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from catalog.search.backend import SearchBackend
from catalog.search.documents import SearchQuery
from marketplace import clock
from tests.factories import CATEGORIES, KINDS, REGIONS, make_doc, random_corpus

TODAY = date(2025, 6, 1)


def ids(backend: SearchBackend, **query) -> list[int]:
    return [hit.product_id for hit in backend.search(SearchQuery(today=TODAY, **query)).hits]


def total(backend: SearchBackend, **query) -> int:
    return backend.search(SearchQuery(today=TODAY, **query)).total


def test_an_unaccented_query_finds_accented_words_and_back(backend):
    backend.index([make_doc(1, names={"fr": "Mélange d'épices"}), make_doc(2, names={"fr": "Creme d'argan"}),
                   make_doc(3, names={"fr": "Crème de nuit"})])

    assert ids(backend, q="epices") == [1]
    assert ids(backend, q="ÉPICES") == [1]
    assert sorted(ids(backend, q="creme")) == [2, 3]
    assert sorted(ids(backend, q="crème")) == [2, 3]


def test_a_plural_finds_the_singular_and_back(backend):
    backend.index([make_doc(1, names={"fr": "Miel de thym"}), make_doc(2, names={"en": "Amlou spreads"})])

    assert ids(backend, q="miels") == [1]
    assert ids(backend, q="spread") == [2]


@pytest.mark.parametrize("written", ["أركان", "الأركان", "زيتُ الأركانِ", "اركان"])
@pytest.mark.parametrize("typed", ["زيت الأركان", "زيت اركان", "زيـــت أركان"])
def test_arabic_spelling_variants_find_each_other(backend, written, typed):
    name = written if written.startswith("زيت") else f"زيت {written}"
    backend.index([make_doc(1, names={"ar": name}), make_doc(2, names={"ar": "عسل الزعتر"})])

    assert ids(backend, q=typed) == [1]


def test_a_product_written_in_two_languages_is_found_in_either(backend):
    backend.index([make_doc(1, names={"fr": "Miel d'euphorbe", "ar": "عسل الدغموس"}),
                   make_doc(2, names={"fr": "Amlou aux amandes"})])

    assert ids(backend, q="euphorbe") == [1]
    assert ids(backend, q="عسل") == [1]
    assert ids(backend, q="العسل") == [1]


def test_a_name_match_ranks_above_a_description_only_match(backend):
    backend.index([
        make_doc(1, names={"fr": "Amlou traditionnel"}, descriptions={"fr": "Au miel de thym et aux amandes."},
                 created_at=datetime(2025, 1, 1, tzinfo=UTC)),
        make_doc(2, names={"fr": "Miel de thym"}, descriptions={"fr": "Récolté dans l'Atlas."},
                 created_at=datetime(2020, 1, 1, tzinfo=UTC)),
    ])

    assert ids(backend, q="miel") == [2, 1]


def test_certifications_and_category_are_searchable_words(backend):
    backend.index([make_doc(1, certification_kinds=("onssa_authorization",)), make_doc(2, certification_kinds=("igp",)),
                   make_doc(3, category_slug="honey", category_names={"fr": "Miel", "en": "Honey"})])

    assert ids(backend, q="onssa") == [1]
    assert ids(backend, q="igp") == [2]
    assert ids(backend, q="honey") == [3]


@pytest.mark.parametrize(("typed", "corrected"), [("argn", "argan"), ("harisa", "harissa"), ("mile", "miel")])
def test_a_misspelt_query_is_corrected_from_the_index_vocabulary(backend, typed, corrected):
    other = {"category_slug": "honey", "category_names": {"fr": "Miel"}}
    backend.index([make_doc(1, names={"fr": "Huile d'argan"}),
                   make_doc(2, names={"fr": "Harissa douce"}, category_slug="harissa-condiments",
                            category_names={"fr": "Condiments"}),
                   make_doc(3, names={"fr": "Miel de thym"}, **other)])

    result = backend.search(SearchQuery(q=typed, today=TODAY))

    assert result.did_you_mean == corrected
    assert result.total == 1
    assert corrected in result.hits[0].highlight.lower()


def test_a_correction_reads_as_the_indexed_word_not_its_stem(backend):
    backend.index([make_doc(1, names={"fr": "Mélange d'épices"})])

    result = backend.search(SearchQuery(q="épicse", today=TODAY))

    assert result.did_you_mean == "épices"
    assert [hit.product_id for hit in result.hits] == [1]


@pytest.mark.parametrize(("accented", "plain", "shown"), [(2, 3, "epices"), (3, 2, "épices")])
def test_a_correction_reads_as_most_documents_write_the_word(backend, accented, plain, shown):
    backend.index([make_doc(pid, names={"fr": "Mélange d'épices"}) for pid in range(1, accented + 1)]
                  + [make_doc(pid, names={"fr": "Mélange d'epices"}) for pid in range(10, 10 + plain)])

    result = backend.search(SearchQuery(q="épicse", today=TODAY))

    assert (result.did_you_mean, result.total) == (shown, accented + plain)


def test_a_query_with_hits_gets_no_correction_and_a_short_unknown_word_stays_unmatched(backend):
    backend.index([make_doc(1, names={"fr": "Huile d'argan"}), make_doc(2, names={"fr": "Miel"})])

    assert backend.search(SearchQuery(q="argan", today=TODAY)).did_you_mean is None
    short = backend.search(SearchQuery(q="mie", today=TODAY))
    assert (short.total, short.did_you_mean) == (0, None)


def test_the_highlight_marks_the_matched_words_and_escapes_html(backend):
    backend.index([make_doc(1, names={"fr": "Huile d'argan <b>pure</b>"})])

    highlight = backend.search(SearchQuery(q="argan", today=TODAY)).hits[0].highlight

    assert "<mark>argan</mark>" in highlight
    assert "<b>" not in highlight and "&lt;b&gt;" in highlight


def test_without_a_query_there_is_no_highlight_and_the_newest_come_first(backend):
    backend.index([make_doc(pid) for pid in (1, 2, 3)])

    result = backend.search(SearchQuery(today=TODAY))

    assert [hit.product_id for hit in result.hits] == [3, 2, 1]
    assert {hit.highlight for hit in result.hits} == {""}


@pytest.mark.parametrize(("query", "expected"), [
    ({"category": "honey"}, [2]),
    ({"region": "draa-tafilalet"}, [3]),
    ({"certification": "igp"}, [1, 3]),
    ({"cooperative_id": 9}, [2]),
    ({"min_price": 15_000}, [2, 3]),
    ({"max_price": 15_000}, [1]),
    ({"min_price": 15_000, "max_price": 25_000}, [2]),
    ({"in_stock": False}, [3]),
    ({"in_stock": True}, [1, 2]),
])
def test_each_filter_narrows_the_results(backend, query, expected):
    backend.index([
        make_doc(1, certification_kinds=("igp",), price_min=10_000),
        make_doc(2, category_slug="honey", category_names={"fr": "Miel"}, cooperative_id=9, price_min=20_000),
        make_doc(3, region="draa-tafilalet", certification_kinds=("igp", "bio"), price_min=30_000, in_stock=False),
    ])

    assert sorted(ids(backend, **query)) == expected
    assert sorted(ids(backend, q="produit", **query)) == expected


def test_sorts_by_price_and_by_novelty(backend):
    backend.index([make_doc(1, price_min=300), make_doc(2, price_min=100), make_doc(3, price_min=200),
                   make_doc(4, price_min=200)])

    assert ids(backend, q="produit", sort="price_asc") == [2, 3, 4, 1]
    assert ids(backend, q="produit", sort="price_desc") == [1, 3, 4, 2]
    assert ids(backend, q="produit", sort="newest") == [4, 3, 2, 1]


def test_pages_are_disjoint_and_the_total_is_stable(backend):
    backend.index(random_corpus(150))

    for sort in ("relevance", "price_asc", "newest"):
        pages = [backend.search(SearchQuery(q="miel", sort=sort, page=p, per_page=5, today=TODAY))
                 for p in (1, 2, 3)]
        seen = [hit.product_id for page in pages for hit in page.hits]
        assert len(seen) == len(set(seen))
        assert len({page.total for page in pages}) == 1
        assert len(pages[1].hits) == 5


def test_a_product_past_its_sellable_date_is_neither_found_nor_counted(backend):
    backend.index([make_doc(1, sellable_until=TODAY - timedelta(days=1), certification_kinds=("igp",)),
                   make_doc(2, sellable_until=TODAY), make_doc(3)])

    result = backend.search(SearchQuery(q="produit", today=TODAY))

    assert sorted(hit.product_id for hit in result.hits) == [2, 3]
    assert result.total == 2
    assert result.facets["certification"] == []
    assert total(backend) == 2


def test_facet_counts_equal_the_totals_of_the_matching_filtered_searches(backend):
    backend.index(random_corpus(150, seed=11))
    filters = {"category": CATEGORIES, "region": REGIONS, "certification": KINDS}

    for q, extra in itertools.product(["", "miel", "harissa", "produit"], [{}, {"in_stock": True},
                                                                          {"region": "souss-massa"}]):
        result = backend.search(SearchQuery(q=q, today=TODAY, **extra))
        for facet, values in filters.items():
            counts = dict(result.facets[facet])
            for value in values:
                if facet in extra and extra[facet] != value:
                    continue
                narrowed = backend.search(SearchQuery(q=q, today=TODAY, **{**extra, facet: value}))
                assert counts.get(value, 0) == narrowed.total, (q, extra, facet, value)
            if facet != "certification":
                assert sum(counts.values()) == result.total
        assert [count for _, count in result.facets["region"]] == sorted(
            (count for _, count in result.facets["region"]), reverse=True)


def test_removed_products_are_no_longer_found_counted_or_suggested(backend):
    backend.index([make_doc(1, names={"fr": "Miel de thym"}), make_doc(2, names={"fr": "Miel d'euphorbe"})])

    backend.remove([2])

    assert ids(backend, q="miel") == [1]
    assert backend.count() == 1
    assert "Miel d'euphorbe" not in backend.suggest("mie")
    assert "Miel de thym" in backend.suggest("mie")


def test_suggest_drops_a_name_the_day_after_its_last_sellable_day_unless_a_sellable_product_shares_it(backend):
    day = clock.today()
    backend.index([make_doc(1, names={"fr": "Miel de thym"}, sellable_until=day),
                   make_doc(2, names={"fr": "Miel d'euphorbe"}, sellable_until=day),
                   make_doc(3, names={"fr": "Miel d'euphorbe"}),
                   make_doc(4, names={"fr": "Miel de jujubier"}, sellable_until=day + timedelta(days=1))])
    assert set(backend.suggest("miel")) == {"Miel de thym", "Miel d'euphorbe", "Miel de jujubier"}

    with time_machine.travel(datetime.combine(day + timedelta(days=1), time(0, 0, 1), tzinfo=UTC), tick=False):
        assert set(backend.suggest("miel")) == {"Miel d'euphorbe", "Miel de jujubier"}
        assert backend.suggest("thym") == []


def test_suggest_follows_a_product_whose_last_sellable_day_moves(backend):
    day = clock.today()
    backend.index([make_doc(1, names={"fr": "Miel de thym"}, sellable_until=day)])
    backend.index([make_doc(1, names={"fr": "Miel de thym"}, sellable_until=day + timedelta(days=30))])
    backend.index([make_doc(2, names={"fr": "Miel d'euphorbe"}, sellable_until=day + timedelta(days=30))])
    backend.index([make_doc(2, names={"fr": "Miel d'euphorbe"}, sellable_until=day)])

    with time_machine.travel(datetime.combine(day + timedelta(days=1), time(0, 0, 1), tzinfo=UTC), tick=False):
        assert backend.suggest("miel") == ["Miel de thym"]


def test_indexing_a_product_again_replaces_it_and_the_last_write_wins(backend):
    backend.index([make_doc(1, names={"fr": "Miel"}, price_min=100)])
    backend.index([make_doc(1, names={"fr": "Amlou"}, price_min=200, fingerprint="v2")])
    backend.index([make_doc(1, names={"fr": "Amlou"}, price_min=300, fingerprint="v3")])

    assert ids(backend, q="miel") == []
    assert ids(backend, q="amlou", max_price=300, min_price=300) == [1]
    assert backend.count() == 1
    assert backend.fingerprints() == {1: "v3"}


def test_a_batch_holding_the_same_product_twice_keeps_the_later_one(backend):
    backend.index([make_doc(1, price_min=100, fingerprint="a"), make_doc(1, price_min=200, fingerprint="b")])

    assert backend.count() == 1
    assert backend.fingerprints() == {1: "b"}


def test_a_rebuild_replaces_the_whole_contents(backend):
    backend.index([make_doc(pid, names={"fr": "Miel"}) for pid in (1, 2, 3)])
    seen: list[int] = []

    backend.rebuild([make_doc(pid, names={"fr": "Harissa"}) for pid in (7, 8)], total=2, progress=seen.append)

    assert sorted(ids(backend, q="harissa")) == [7, 8]
    assert ids(backend, q="miel") == []
    assert backend.count() == 2
    assert seen and seen[-1] == 2
    assert backend.suggest("mie") == []


def test_count_and_fingerprints_describe_what_is_indexed(backend):
    backend.index([make_doc(1, fingerprint="2025-01-01T00:00:00+00:00/1"), make_doc(2, fingerprint="x")])

    assert backend.count() == 2
    assert backend.fingerprints() == {1: "2025-01-01T00:00:00+00:00/1", 2: "x"}


def test_suggest_completes_names_and_categories_whatever_the_accents_or_script(backend):
    backend.index([
        make_doc(1, names={"fr": "Huile d'argan alimentaire", "ar": "زيت الأركان"}),
        make_doc(2, names={"fr": "Épices de Marrakech"}, category_slug="spices-saffron",
                 category_names={"fr": "Épices et safran"}),
        make_doc(3, names={"fr": "Miel de thym"}, category_slug="honey", category_names={"fr": "Miel"}),
    ])

    assert backend.suggest("hui")[:2] == ["Huile d'argan", "Huile d'argan alimentaire"]
    assert "Huile d'argan alimentaire" in backend.suggest("arg")
    assert "Huile d'argan" in backend.suggest("arg")
    assert set(backend.suggest("epi")) == {"Épices de Marrakech", "Épices et safran"}
    assert backend.suggest("زيت ال") == ["زيت الأركان"]
    assert backend.suggest("mie") == ["Miel", "Miel de thym"]
    assert backend.suggest("zzz") == []


def test_suggest_returns_at_most_ten_distinct_completions_shortest_first(backend):
    backend.index([make_doc(pid, names={"fr": f"Miel de montagne {'x' * pid}"}) for pid in range(1, 16)]
                  + [make_doc(99, names={"fr": "Miel de montagne x"})])

    suggestions = backend.suggest("miel de", limit=10)

    assert len(suggestions) == 10 == len(set(suggestions))
    assert suggestions[0] == "Miel de montagne x"
    assert backend.suggest("miel de", limit=3) == suggestions[:3]


def test_relevance_beyond_the_ranked_candidates_still_pages_through_every_match_once_names_first(backend,
                                                                                               monkeypatch):
    if backend.__class__.__name__ == "PostgresBackend":
        from catalog.search.postgres_backend import matching
        monkeypatch.setattr(matching, "CANDIDATES", 3)  # rank only 3 of the 12 matches
    backend.index([make_doc(pid, names={"fr": "Miel de thym" if pid % 3 == 0 else f"Produit {pid}"},
                            descriptions={"fr": "Du miel et du thym." if pid % 3 else "Doux."})
                   for pid in range(1, 13)])

    pages = [ids(backend, q="miel thym", page=page, per_page=5) for page in (1, 2, 3)]
    found = [pid for page in pages for pid in page]
    assert sorted(found) == list(range(1, 13)) and total(backend, q="miel thym") == 12
    assert set(found[:4]) == {3, 6, 9, 12}  # the names holding both words come first
