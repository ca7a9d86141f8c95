"""The Whoosh backend ranks by set operations; the tiers must be exactly the weighted counts they replace."""
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from catalog.search.whoosh_backend.query import FIELD_WEIGHTS, _score_tiers, _term_tiers

docs = st.frozensets(st.integers(0, 60), max_size=40)
word = st.tuples(*(docs for _ in FIELD_WEIGHTS))


@given(st.lists(word, min_size=1, max_size=4))
def test_the_tiers_are_the_sum_of_the_weights_of_the_fields_holding_each_word(words):
    per_field = [[(weight, ids) for (_, weight), ids in zip(FIELD_WEIGHTS, fields)] for fields in words]
    matched = set.intersection(*(set().union(*fields) for fields in words))
    expected: Counter[int] = Counter()
    for fields in per_field:
        for weight, ids in fields:
            for doc in ids & matched:
                expected[doc] += weight
    tiers = _score_tiers([_term_tiers(fields, set(matched)) for fields in per_field])
    assert {doc: level for level, members in tiers.items() for doc in members} == dict(expected)
    assert sum(map(len, tiers.values())) == len(matched)
