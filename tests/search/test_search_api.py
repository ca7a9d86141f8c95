"""GET /api/v1/search and /search/suggest end to end: data written through the catalog API, searched over HTTP,
once per search backend (Whoosh files, PostgreSQL tables)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import update

from cooperatives.models import Certification
from marketplace.clock import now, today
from marketplace.extensions import db
from tests.search.conftest import API, Market

pytestmark = pytest.mark.usefixtures("search_engine")


@dataclass
class Catalogue:
    """Five sellable products of two cooperatives in three regions, and one draft."""

    market: Market
    souss: int
    draa: int
    souss_manager: object
    draa_manager: object
    spices: int
    cream: int
    honey: int
    argan: int
    rug: int
    draft: int
    onssa_draa: int

    @property
    def sellable(self) -> set[int]:
        return {self.spices, self.cream, self.honey, self.argan, self.rug}


@pytest.fixture
def catalogue(market: Market) -> Catalogue:
    souss, souss_manager = market.cooperative(region="souss-massa", name="Coopérative Tifawin")
    draa, draa_manager = market.cooperative(region="draa-tafilalet", name="Coopérative Nour", certified=False)
    onssa_draa = market.shop.certification(draa)
    spices = market.product(souss_manager, souss, {"fr": "Épices de Taliouine", "en": "Taliouine spices"},
                            category="spices-saffron", amount=5_000,
                            description={"fr": "Mélange moulu à la pierre."})
    cream = market.product(souss_manager, souss, {"fr": "Crème de nuit à l'argan", "en": "Argan night cream"},
                           category="argan-cosmetics", amount=15_000, description={"fr": "Nourrit la peau."})
    honey = market.product(draa_manager, draa, {"fr": "Miel de thym", "ar": "عسل الزعتر", "en": "Thyme honey"},
                           category="honey", amount=12_000,
                           description={"fr": "Récolté dans les ruches de l'Atlas, goût sauvage."})
    market.shop.certification(draa, kind="igp", product_ids=(honey,))
    argan = market.product(draa_manager, draa, {"ar": "زيت أركان", "fr": "Huile d'argan alimentaire"},
                           category="argan-oil", amount=30_000, description={"fr": "Pressée à froid."})
    rug = market.product(draa_manager, draa, {"fr": "Tapis d'Azilal", "en": "Azilal rug"}, category="rugs-weaving",
                         amount=250_000, origin_region="beni-mellal-khenifra",
                         description={"fr": "Laine tissée à la main, miel et ocre."})
    draft = market.product(draa_manager, draa, {"fr": "Miel de jujubier"}, publish=False)
    # Only the honey has stock (its lot is added after publishing: stock changes must reach the index too).
    member = market.shop.member(draa)
    honey_json = market.client.get(f"{API}/products/{honey}").json
    assert market.shop.lot(draa_manager, honey_json, member, quantity=5).status_code == 201
    return Catalogue(market, souss, draa, souss_manager, draa_manager, spices, cream, honey, argan, rug, draft,
                     onssa_draa)


# --- language ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ("epices", ["spices"]), ("EPICES", ["spices"]), ("épices", ["spices"]), ("creme", ["cream"]),
    ("crème", ["cream"]), ("miels", ["honey", "rug"]), ("miel", ["honey", "rug"]), ("thym", ["honey"]),
    ("azilal rug", ["rug"]), ("thyme honey", ["honey"]), ("pressee", ["argan"]),
])
def test_accents_case_and_plurals_do_not_matter(catalogue, query, expected):
    assert catalogue.market.ids(q=query) == [getattr(catalogue, name) for name in expected]


@pytest.mark.parametrize("stored", ["زيت أركان", "زيت الأركان"])
@pytest.mark.parametrize("query", ["زيت الأركان", "زيت أركان", "زيت اركان", "الزيت"])
def test_arabic_finds_the_product_whatever_the_article_or_hamza(market, stored, query):
    cooperative, manager = market.cooperative()
    product = market.product(manager, cooperative, {"ar": stored}, category="argan-oil")
    market.product(manager, cooperative, {"ar": "عسل الزعتر"})

    assert market.ids(q=query) == [product]


def test_a_misspelt_word_is_corrected_and_its_results_shown(catalogue):
    page = catalogue.market.search(q="argn")

    assert page["did_you_mean"] == "argan"
    assert {item["id"] for item in page["items"]} == {catalogue.cream, catalogue.argan}
    assert page["total"] == 2


def test_a_correctly_spelt_word_gets_no_correction_and_gibberish_gets_nothing(catalogue):
    assert catalogue.market.search(q="argan")["did_you_mean"] is None
    nothing = catalogue.market.search(q="xqzwv")
    assert (nothing["items"], nothing["total"], nothing["did_you_mean"]) == ([], 0, None)
    assert nothing["facets"] == {"category": [], "region": [], "certification": []}


def test_the_highlight_marks_the_matched_words(catalogue):
    [item] = catalogue.market.search(q="epices")["items"]
    assert item["highlight"] == "<mark>Épices</mark> de Taliouine"
    [item] = catalogue.market.search(q="sauvage")["items"]  # only in the description
    assert "<mark>sauvage</mark>" in item["highlight"]


@pytest.mark.parametrize(("lang", "shown"), [("fr", "Miel de thym"), ("ar", "عسل الزعتر"), ("en", "Thyme honey")])
def test_lang_picks_the_display_name(catalogue, lang, shown):
    [item] = catalogue.market.search(q="thym", lang=lang)["items"]
    assert item["display_name"] == shown


def test_without_lang_the_accept_language_header_picks_the_display_name(catalogue):
    response = catalogue.market.client.get(f"{API}/search", query_string={"q": "thym"},
                                           headers={"Accept-Language": "en"})
    assert [item["display_name"] for item in response.json["items"]] == ["Thyme honey"]


# --- facets, filters, sorts, pages ------------------------------------------------------------------------------

FILTER_OF_FACET = {"category": "category", "region": "region", "certification": "certification"}


@pytest.mark.parametrize("q", ["", "argan", "miel"])
def test_each_facet_count_equals_the_total_of_the_search_filtered_by_it(catalogue, q):
    page = catalogue.market.search(q=q)
    assert page["total"] >= 1
    for facet, values in page["facets"].items():
        assert values, facet
        for value in values:
            filtered = catalogue.market.search(q=q, **{FILTER_OF_FACET[facet]: value["value"]})
            assert filtered["total"] == value["count"], (facet, value)


def test_facets_count_every_match_not_just_the_page(catalogue):
    page = catalogue.market.search(per_page=1)

    assert page["total"] == 5 and len(page["items"]) == 1
    assert page["facets"]["region"] == [{"value": "draa-tafilalet", "count": 2},
                                        {"value": "souss-massa", "count": 2},
                                        {"value": "beni-mellal-khenifra", "count": 1}]
    assert page["facets"]["certification"] == [{"value": "onssa_authorization", "count": 5},
                                               {"value": "igp", "count": 1}]
    assert sum(value["count"] for value in page["facets"]["category"]) == 5


@pytest.mark.parametrize(("params", "expected"), [
    ({"category": "honey"}, {"honey"}),
    ({"category": "argan-cosmetics", "q": "argan"}, {"cream"}),
    ({"region": "souss-massa"}, {"spices", "cream"}),
    ({"region": "beni-mellal-khenifra"}, {"rug"}),
    ({"certification": "igp"}, {"honey"}),
    ({"certification": "onssa_authorization", "q": "miel"}, {"honey", "rug"}),
    ({"certification": "aop"}, set()),
    ({"cooperative_id": "souss"}, {"spices", "cream"}),
    ({"min_price": 12_000}, {"honey", "cream", "argan", "rug"}),
    ({"max_price": 12_000}, {"spices", "honey"}),
    ({"min_price": 12_000, "max_price": 30_000}, {"honey", "cream", "argan"}),
    ({"min_price": 12_000, "max_price": 12_000}, {"honey"}),
    ({"in_stock": "true"}, {"honey"}),
    ({"in_stock": "false"}, {"spices", "cream", "argan", "rug"}),
    ({"q": "argan", "region": "draa-tafilalet", "max_price": 40_000}, {"argan"}),
])
def test_filters_narrow_the_results(catalogue, params, expected):
    if params.get("cooperative_id") == "souss":
        params = {**params, "cooperative_id": catalogue.souss}

    page = catalogue.market.search(per_page=100, **params)

    assert {item["id"] for item in page["items"]} == {getattr(catalogue, name) for name in expected}
    assert page["total"] == len(expected)


def test_the_draft_is_never_found(catalogue):
    assert catalogue.market.ids(q="jujubier") == []
    assert catalogue.draft not in catalogue.market.ids()


@pytest.mark.parametrize(("sort", "order"), [
    ("price_asc", ["spices", "honey", "cream", "argan", "rug"]),
    ("price_desc", ["rug", "argan", "cream", "honey", "spices"]),
    ("newest", ["rug", "argan", "honey", "cream", "spices"]),
])
def test_sorts_order_every_result(catalogue, sort, order):
    assert catalogue.market.ids(sort=sort) == [getattr(catalogue, name) for name in order]


def test_relevance_puts_name_matches_before_description_matches(catalogue):
    # "miel" is the honey's name, and only a word of the rug's description.
    assert catalogue.market.ids(q="miel") == [catalogue.honey, catalogue.rug]
    assert catalogue.market.ids(q="miel", sort="price_desc") == [catalogue.rug, catalogue.honey]


def test_pages_split_the_results_and_echo_the_envelope(catalogue):
    pages = [catalogue.market.search(sort="price_asc", per_page=2, page=n) for n in (1, 2, 3, 4)]

    assert [(p["page"], p["per_page"], p["total"], len(p["items"])) for p in pages] == [
        (1, 2, 5, 2), (2, 2, 5, 2), (3, 2, 5, 1), (4, 2, 5, 0)]
    assert [item["id"] for p in pages for item in p["items"]] == catalogue.market.ids(sort="price_asc")
    assert set(pages[0]) == {"items", "total", "page", "per_page", "facets", "did_you_mean"}
    assert pages[0]["per_page"] == 2 and catalogue.market.search()["per_page"] == 20


def test_every_page_and_order_of_a_search_shows_the_counts_of_its_filters_counted_again_after_a_change(catalogue):
    market = catalogue.market
    first = market.search(q="miel")
    other = market.search(q="miel", sort="price_desc", per_page=1, page=2)
    assert (other["total"], other["facets"]) == (first["total"], first["facets"]) and first["total"] == 2
    assert [item["id"] for item in other["items"]] == [catalogue.honey]
    headers = catalogue.draa_manager.headers
    assert market.client.post(f"{API}/products/{catalogue.honey}/unpublish", headers=headers).status_code == 200

    after = market.search(q="miel", sort="price_desc", per_page=1, page=2)
    assert (after["items"], after["total"]) == ([], 1)
    assert market.search(q="miel")["facets"]["category"] == [{"value": "rugs-weaving", "count": 1}]


def test_the_other_pages_of_a_corrected_search_keep_its_correction(catalogue, queries, search_engine):
    market = catalogue.market
    queries.reset()
    first = market.search(q="argn", per_page=1)
    spelling_statements = sum("search_terms" in statement for statement in queries.statements)
    queries.reset()
    second = market.search(q="argn", per_page=1, page=2)

    assert [page["did_you_mean"] for page in (first, second)] == ["argan", "argan"]
    assert {item["id"] for page in (first, second) for item in page["items"]} == {catalogue.cream, catalogue.argan}
    assert second["total"] == 2
    # the correction is looked for once per filter set (the PostgreSQL backend reads its vocabulary for it)
    assert not any("search_terms" in statement for statement in queries.statements)
    if search_engine == "postgres":
        assert spelling_statements > 0


# --- only what can be sold, as soon as the write returns ---------------------------------------------------------

def test_an_edited_name_is_searchable_when_the_edit_returns(catalogue):
    market = catalogue.market
    response = market.client.patch(f"{API}/products/{catalogue.honey}", headers=catalogue.draa_manager.headers,
                                   json={"name": {"fr": "Miel d'euphorbe", "ar": "عسل الدغموس"}})
    assert response.status_code == 200, response.json

    assert market.ids(q="euphorbe") == [catalogue.honey]
    assert market.ids(q="الدغموس") == [catalogue.honey]
    assert market.ids(q="thym") == []
    assert market.suggest("euph") == ["Miel d'euphorbe"]


def test_a_price_change_moves_the_product_between_price_filters_at_once(catalogue):
    market = catalogue.market
    variant = market.client.get(f"{API}/products/{catalogue.spices}").json["variants"][0]["id"]
    response = market.client.patch(f"{API}/products/{catalogue.spices}/variants/{variant}",
                                   headers=catalogue.souss_manager.headers,
                                   json={"price": {"amount": 400_000, "currency": "MAD"}})
    assert response.status_code == 200, response.json

    assert market.ids(min_price=300_000) == [catalogue.spices]
    assert market.ids(sort="price_desc")[0] == catalogue.spices


def test_an_unpublished_product_vanishes_and_comes_back_when_republished(catalogue):
    market, headers = catalogue.market, catalogue.draa_manager.headers
    assert market.client.post(f"{API}/products/{catalogue.honey}/unpublish", headers=headers).status_code == 200

    assert market.ids(q="miel") == [catalogue.rug]
    assert market.search(category="honey")["total"] == 0
    assert "Miel de thym" not in market.suggest("miel")

    assert market.client.post(f"{API}/products/{catalogue.honey}/publish", headers=headers).status_code == 200
    assert market.ids(q="miel") == [catalogue.honey, catalogue.rug]
    assert "Miel de thym" in market.suggest("miel")


def test_a_suspended_cooperative_s_products_vanish_until_it_is_reinstated(catalogue):
    market = catalogue.market
    market.decide_cooperative(catalogue.draa, "suspend")

    assert set(market.ids()) == {catalogue.spices, catalogue.cream}
    assert market.search(region="draa-tafilalet")["total"] == 0
    assert market.search()["facets"]["region"] == [{"value": "souss-massa", "count": 2}]

    market.decide_cooperative(catalogue.draa, "reinstate")
    assert set(market.ids()) == catalogue.sellable


def test_revoking_the_onssa_certificate_hides_the_food_and_a_newly_verified_one_brings_it_back(catalogue, coop_factory):
    market = catalogue.market
    market.decide_certification(catalogue.onssa_draa, "revoke")

    # The rug is craft: it needs no food-safety certificate.
    assert set(market.ids()) == {catalogue.spices, catalogue.cream, catalogue.rug}
    assert market.ids(q="argan") == [catalogue.cream]
    assert market.search(certification="igp")["total"] == 0

    certification = coop_factory.certification(catalogue.draa_manager, catalogue.draa)
    assert set(market.ids()) == {catalogue.spices, catalogue.cream, catalogue.rug}  # submitted is not enough
    market.decide_certification(certification["id"], "verify")

    assert set(market.ids()) == catalogue.sellable
    assert set(market.ids(q="argan")) == {catalogue.cream, catalogue.argan}


def test_a_certificate_past_its_expiry_date_hides_the_product_without_any_job(market, time_machine):
    cooperative, manager = market.cooperative(certified=False)
    market.shop.certification(cooperative, expires_on=today())  # a row: valid through today
    honey = market.product(manager, cooperative, {"fr": "Miel de thym"})
    pottery = market.product(manager, cooperative, {"fr": "Tajine de Safi"}, category="pottery")
    assert set(market.ids()) == {honey, pottery}

    time_machine.move_to(now() + timedelta(days=1))  # the certificate's expires_on is now yesterday

    page = market.search()
    assert [item["id"] for item in page["items"]] == [pottery]
    assert page["total"] == 1
    assert page["facets"]["category"] == [{"value": "pottery", "count": 1}]
    assert market.ids(q="miel") == []


def test_suggest_drops_a_food_product_the_day_after_its_certificate_expires(market):
    cooperative, manager = market.cooperative(certified=False)
    market.shop.certification(cooperative, expires_on=today())  # a row: valid through today
    market.product(manager, cooperative, {"fr": "Miel de thym"})
    market.product(manager, cooperative, {"fr": "Tajine de Safi"}, category="pottery")
    assert market.suggest("miel de") == ["Miel de thym"]
    assert market.suggest("taj") == ["Tajine de Safi"]

    with time_machine.travel(datetime.combine(today() + timedelta(days=1), time(0, 0, 1), tzinfo=UTC), tick=False):
        assert market.suggest("miel de") == []
        assert market.suggest("thym") == []
        assert market.suggest("taj") == ["Tajine de Safi"]


def test_a_certificate_row_changed_behind_the_index_s_back_never_shows_an_unsellable_product(market, app):
    cooperative, manager = market.cooperative(certified=False)
    certification = market.shop.certification(cooperative)
    honey = market.product(manager, cooperative, {"fr": "Miel de thym"})
    assert market.ids(q="miel") == [honey]
    with app.app_context():  # no signal: nothing tells the index
        db.session.execute(update(Certification).where(Certification.id == certification)
                           .values(expires_on=today() - timedelta(days=1)))
        db.session.commit()

    page = market.search(q="miel")
    assert (page["items"], page["total"]) == ([], 0)
    assert market.ids(q="miel") == []


# --- suggestions --------------------------------------------------------------------------------------------------

def test_suggest_returns_at_most_ten_completions(market):
    cooperative, manager = market.cooperative()
    for n in range(12):
        market.product(manager, cooperative, {"fr": f"Amlou aux amandes {n}"}, category="amlou")

    suggestions = market.suggest("aml")

    assert len(suggestions) == 10
    assert all(s.lower().startswith("aml") or " aml" in s.lower() for s in suggestions)


@pytest.mark.parametrize(("prefix", "expected"), [
    ("epi", "Épices de Taliouine"), ("Épi", "Épices de Taliouine"), ("taliou", "Épices de Taliouine"),
    ("زيت", "زيت أركان"), ("زيت ا", "زيت أركان"), ("اركا", "زيت أركان"), ("الأر", "زيت أركان"),
])
def test_suggest_finds_names_by_accentless_and_arabic_prefixes(catalogue, prefix, expected):
    assert expected in catalogue.market.suggest(prefix)


def test_suggest_leaves_out_what_cannot_be_sold(catalogue):
    assert "Miel de jujubier" not in catalogue.market.suggest("miel")
    assert "Miel de thym" in catalogue.market.suggest("miel")


# --- bad input ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "field"), [
    ({"per_page": 0}, "per_page"), ({"per_page": 101}, "per_page"), ({"page": 0}, "page"),
    ({"page": "two"}, "page"), ({"sort": "bogus"}, "sort"), ({"min_price": 500, "max_price": 100}, "max_price"),
    ({"min_price": -1}, "min_price"), ({"max_price": "cheap"}, "max_price"), ({"in_stock": "maybe"}, "in_stock"),
    ({"region": "mars"}, "region"), ({"certification": "halal-ish"}, "certification"),
    ({"cooperative_id": 0}, "cooperative_id"), ({"lang": "de"}, "lang"), ({"q": "a" * 201}, "q"),
])
def test_bad_search_parameters_are_refused_with_422(client, params, field):
    response = client.get(f"{API}/search", query_string=params)

    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"], error


def test_a_query_of_200_characters_is_accepted(client):
    assert client.get(f"{API}/search", query_string={"q": "a" * 200}).status_code == 200


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "a" * 101}])
def test_suggest_needs_a_prefix_of_1_to_100_characters(client, params):
    response = client.get(f"{API}/search/suggest", query_string=params)

    assert response.status_code == 422
    assert "q" in response.json["error"]["details"]


# --- loading the hits ---------------------------------------------------------------------------------------------

def test_a_page_of_hits_loads_in_the_same_number_of_queries_for_2_or_12_products(market, queries):
    cooperative_id, manager = market.cooperative()
    member = market.shop.member(cooperative_id)
    market.shop.certification(cooperative_id, kind="organic")
    for n in range(12):
        product_id = market.product(manager, cooperative_id, {"fr": f"Miel de montagne {n}"},
                                    category=("honey", "pottery")[n % 2], variants=2)
        product = market.client.get(f"{API}/products/{product_id}").json
        assert market.shop.lot(manager, product, member).status_code == 201

    def count(per_page: int) -> int:
        queries.reset()
        page = market.search(q="miel", per_page=per_page)
        assert len(page["items"]) == per_page and page["total"] == 12
        assert all(item["certifications"] and item["variants"][0]["stock_available"] == 10
                   and "<mark>" in item["highlight"] for item in page["items"])
        return queries.count

    assert count(2) == count(12)
