from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.money import CurrencyMismatch, Money, allocate, convert

amounts = st.integers(min_value=-10**12, max_value=10**12)
weights = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30).filter(any)


@given(amounts, weights)
def test_parts_always_sum_to_the_whole(amount, ws):
    assert sum(allocate(amount, ws)) == amount


@given(st.integers(min_value=0, max_value=10**12), weights)
def test_parts_are_never_negative_for_a_non_negative_amount(amount, ws):
    assert all(part >= 0 for part in allocate(amount, ws))


@given(amounts, weights)
def test_each_part_is_within_one_minor_unit_of_its_exact_share(amount, ws):
    total = sum(ws)
    for part, w in zip(allocate(amount, ws), ws):
        assert abs(part - Fraction(amount * w, total)) < 1


@given(amounts, weights)
def test_zero_weights_get_nothing(amount, ws):
    for part, w in zip(allocate(amount, ws), ws):
        if w == 0:
            assert part == 0


def test_ties_go_to_the_earlier_weight_deterministically():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(2, [1, 1, 1]) == [1, 1, 0]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]


def test_the_largest_remainder_gets_the_extra_unit():
    assert allocate(10, [1, 2]) == [3, 7]  # exact 3.33, 6.67: the larger remainder wins
    assert allocate(10, [3, 7, 10]) == [2, 3, 5]  # exact 1.5, 3.5, 5.0: the tie goes to the first


def test_decimal_and_fraction_weights_are_exact():
    assert allocate(1000, [Decimal("0.1"), Decimal("0.2"), Decimal("0.7")]) == [100, 200, 700]
    assert allocate(10, [Fraction(1, 3), Fraction(2, 3)]) == [3, 7]


@pytest.mark.parametrize("bad", [[], [0, 0], [1, -1]])
def test_allocate_refuses_impossible_weights(bad):
    with pytest.raises(ValueError):
        allocate(100, bad)


def test_allocate_refuses_floats_as_amounts():
    with pytest.raises(TypeError):
        allocate(10.5, [1, 1])


def test_money_is_integer_minor_units():
    with pytest.raises(TypeError):
        Money(12.5, "MAD")
    with pytest.raises(ValueError):
        Money(1, "GBP")
    assert Money.from_decimal("120.50", "MAD") == Money(12050, "MAD")
    assert Money.from_decimal("1500", "XOF") == Money(1500, "XOF")
    with pytest.raises(ValueError):
        Money.from_decimal("1500.5", "XOF")


def test_money_adds_only_the_same_currency():
    assert Money(100, "MAD") + Money(50, "MAD") == Money(150, "MAD")
    assert Money(100, "MAD") * 3 == Money(300, "MAD")
    with pytest.raises(CurrencyMismatch):
        Money(100, "MAD") + Money(100, "EUR")


def test_money_formats_for_the_readers_locale():
    assert Money(1234550, "MAD").format("fr") == "12\u202f345,50\xa0MAD"
    assert Money(1234550, "MAD").format("ar") == "\u200f12.345,50\xa0د.م.\u200f"
    assert Money(1234550, "MAD").format("en") == "MAD12,345.50"
    assert Money(1500, "XOF").format("fr") == "1\u202f500\xa0F\u202fCFA"
    assert Money(-250, "EUR").format("fr") == "-2,50\xa0€"


def test_conversion_uses_the_rate_per_mad_and_rounds_half_up():
    rates = {"EUR": Decimal("0.0921"), "XOF": Decimal("60.41")}
    assert convert(Money(10000, "MAD"), "EUR", rates) == Money(921, "EUR")  # 100 MAD → 9.21 EUR
    assert convert(Money(12050, "MAD"), "XOF", rates) == Money(7279, "XOF")  # 120.50 × 60.41 = 7279.405
    assert convert(Money(921, "EUR"), "MAD", rates) == Money(10000, "MAD")
    assert convert(Money(5, "MAD"), "EUR", rates) == Money(0, "EUR")
