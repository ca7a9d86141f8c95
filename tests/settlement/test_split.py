"""The split of one parcel and the carry-over of refunds after settlement: worked examples, then properties."""
from fractions import Fraction

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from marketplace.config import load_config
from marketplace.money import Money, convert
from orders.settlement.accounts import (balanced, deduction_lines, payment_lines, refund_after_settlement_lines,
                                        settlement_lines)
from orders.settlement.split import (Basis, FeeModel, ParcelMoney, PaymentMethod, Policy, Terms, apply_deductions,
                                     bps_of, commission_on_refund, deduction_for_refund, split_parcel)
from tests.settlement.strategies import RATES, bases, member_ids, parcels, terms_strategy


# --- worked examples ---------------------------------------------------------------------------------------------

def test_three_jars_at_149_99_paid_by_card_split_two_to_one_between_the_members_who_produced_them():
    # 3 × 149.99 MAD = 449.97 MAD of goods, 30.00 MAD shipping; lots: member 7 made 2 jars, member 9 made 1.
    money = ParcelMoney(captured=47997, goods=44997, payment_method=PaymentMethod.CARD)
    terms = Terms(commission_bps=500, reserve_bps=1000, policy=Policy.CONTRIBUTION,
                  fee_model=FeeModel(bps=290, fixed=300))
    split = split_parcel(money, terms, Basis(contributions={7: 2 * 14999, 9: 14999}))

    assert split.fees == 1392 + 300  # 2.9 % of 479.97 = 13.919… → 13.92, plus 3.00
    assert split.commission == 2250  # 5 % of 449.97 = 22.4985 → 22.50
    assert split.reserve == 4406  # 10 % of 479.97 − 16.92 − 22.50 = 440.55 → 44.055 → 44.06 (half up)
    assert split.members == {7: 26433, 9: 13216}  # 396.49 in the proportion 2 : 1
    assert split.basis == Policy.CONTRIBUTION and split.note is None
    assert split.parts_total() == 47997
    assert abs(split.members[7] - 2 * split.members[9]) <= 2


def test_the_same_parcel_paid_in_xof_settles_its_mad_equivalent_to_the_centime():
    paid = Money(29125, "XOF")  # what a buyer in Dakar paid for those 479.97 MAD, at 60.68 XOF per MAD
    captured = convert(paid, "MAD", RATES).amount
    money = ParcelMoney(captured=captured, goods=44997)
    split = split_parcel(money, Terms(fee_model=FeeModel(bps=290, fixed=300)),
                         Basis(contributions={7: 29998, 9: 14999}))
    assert captured == 47998
    assert (split.fees, split.commission, split.reserve) == (1692, 2250, 4406)
    assert split.members == {7: 26433, 9: 13217}  # 396.50 as 2 : 1, the odd centime to the larger remainder
    assert split.parts_total() == captured


def test_shares_policy_divides_by_capital_shares_and_skips_members_without_shares():
    money = ParcelMoney(captured=100_000, goods=100_000, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    split = split_parcel(money, Terms(commission_bps=500, reserve_bps=1000, policy=Policy.SHARES),
                         Basis(shares={1: 3, 2: 1, 3: 0}, active_members=[1, 2, 3]))
    # 1,000.00 − 0 fee − 50.00 commission = 950.00; reserve 95.00; members 855.00 as 3 : 1.
    assert (split.fees, split.commission, split.reserve) == (0, 5000, 9500)
    assert split.members == {1: 64125, 2: 21375}
    assert split.basis == Policy.SHARES


def test_shares_policy_with_nobody_holding_shares_falls_back_to_equal_and_says_so():
    money = ParcelMoney(captured=100_000, goods=100_000, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    split = split_parcel(money, Terms(policy=Policy.SHARES), Basis(shares={1: 0, 2: 0}, active_members=[1, 2, 3]))
    assert split.members == {1: 28500, 2: 28500, 3: 28500}
    assert split.basis == Policy.EQUAL
    assert "no member holds capital shares" in split.note


def test_equal_policy_divides_among_active_members_and_gives_the_odd_centime_to_the_first():
    money = ParcelMoney(captured=10_000, goods=10_000, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    split = split_parcel(money, Terms(commission_bps=0, reserve_bps=0, policy=Policy.EQUAL),
                         Basis(active_members=[12, 4, 8]))
    assert split.members == {4: 3334, 8: 3333, 12: 3333}


def test_refunds_before_settlement_come_off_first_and_commission_is_taken_on_goods_kept_only():
    money = ParcelMoney(captured=50_000, goods=45_000, refunded_goods=15_000, refunded_shipping=5_000,
                        payment_method=PaymentMethod.CARD, known_fee=1_000)
    split = split_parcel(money, Terms(commission_bps=1000, reserve_bps=1000, policy=Policy.EQUAL),
                         Basis(active_members=[1]))
    assert (split.refunds, split.fees, split.commission) == (20_000, 1_000, 3_000)
    assert split.reserve == 2_600 and split.members == {1: 23_400}


def test_a_fee_larger_than_what_remains_is_capped_and_the_cap_recorded():
    money = ParcelMoney(captured=1_000, goods=1_000, refunded_goods=900, known_fee=250)
    split = split_parcel(money, Terms(commission_bps=500), Basis(active_members=[1]))
    assert (split.refunds, split.fees, split.fees_uncovered) == (900, 100, 150)
    assert (split.commission, split.commission_uncovered) == (0, 5)
    assert split.reserve == 0 and split.members == {1: 0}
    assert split.parts_total() == 1_000


def test_with_no_member_to_pay_the_members_part_stays_in_the_reserve():
    money = ParcelMoney(captured=10_000, goods=10_000, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    split = split_parcel(money, Terms(policy=Policy.EQUAL), Basis())
    assert split.members == {} and split.reserve == 9_500
    assert "reserve" in split.note


@pytest.mark.parametrize("money", [
    dict(captured=-1, goods=0), dict(captured=100, goods=101), dict(captured=100, goods=50, refunded_goods=51),
    dict(captured=100, goods=50, refunded_shipping=51), dict(captured=100, goods=50, known_fee=-1),
    dict(captured=1.5, goods=0), dict(captured=100, goods=50, payment_method="cheque"),
])
def test_impossible_parcel_amounts_are_refused(money):
    with pytest.raises((ValueError, TypeError)):
        ParcelMoney(**money)


def test_the_fee_model_comes_from_the_configuration():
    assert FeeModel.from_config(load_config({})) == FeeModel(bps=290, fixed=300)
    assert FeeModel.from_config(load_config({"PAYMENT_FEE_BPS": "150", "PAYMENT_FEE_FIXED": "0"})) == FeeModel(150, 0)
    with pytest.raises(ValueError):
        FeeModel.from_config(load_config({"PAYMENT_FEE_BPS": "12000"}))


@pytest.mark.parametrize("basis", [dict(contributions={1: -5}), dict(shares={1: 2.5})])
def test_negative_or_fractional_weights_are_refused(basis):
    with pytest.raises((ValueError, TypeError)):
        Basis(**basis)


@pytest.mark.parametrize("terms", [dict(commission_bps=-1), dict(reserve_bps=10_001), dict(policy="lottery")])
def test_impossible_terms_are_refused(terms):
    with pytest.raises(ValueError):
        Terms(**terms)


def test_a_refund_after_settlement_is_deducted_from_the_reserve_first_then_from_members_pro_rata():
    owed = deduction_for_refund(14999, commission_on_refund(14999, 500, commission_taken=2250))
    assert owed == 14999 - 750
    deduction = apply_deductions(reserve=4000, members={1: 20000, 2: 10000, 3: 0}, owed=owed)
    assert deduction.from_reserve == 4000
    assert deduction.from_members == {1: 6833, 2: 3416, 3: 0}  # 10,249 as 2 : 1
    assert deduction.carried == 0 and deduction.taken == owed


def test_what_a_run_cannot_cover_is_carried_exactly_and_no_payee_goes_negative():
    deduction = apply_deductions(reserve=100, members={1: 300, 2: 100}, owed=1_000)
    assert deduction.from_reserve == 100 and deduction.from_members == {1: 300, 2: 100}
    assert deduction.carried == 500


# --- properties --------------------------------------------------------------------------------------------------

@settings(max_examples=400)
@given(parcels(), terms_strategy, bases)
@example(ParcelMoney(captured=47997, goods=44997), Terms(fee_model=FeeModel(290, 300)),
         Basis(contributions={7: 29998, 9: 14999}))
def test_every_split_reconciles_to_the_centime_and_no_part_is_negative(money, terms, basis):
    split = split_parcel(money, terms, basis)
    assert split.members_total + split.reserve + split.commission + split.fees + split.refunds == money.captured
    assert min(split.fees, split.commission, split.reserve, split.refunds, *split.members.values(), 0) == 0
    assert split.refunds == money.refunded_goods + money.refunded_shipping
    assert split.commission <= bps_of(money.goods - money.refunded_goods, terms.commission_bps)
    assert balanced(settlement_lines(split, 3)) or money.captured == 0


@settings(max_examples=400)
@given(parcels(), terms_strategy, bases)
def test_members_are_paid_in_proportion_to_their_basis_within_one_centime(money, terms, basis):
    split = split_parcel(money, terms, basis)
    weights = {
        Policy.CONTRIBUTION: {m: w for m, w in basis.contributions.items() if w > 0},
        Policy.SHARES: {m: w for m, w in basis.shares.items() if w > 0},
        Policy.EQUAL: dict.fromkeys(set(basis.active_members), 1),
    }[split.basis]
    assert set(split.members) == set(weights)
    total = sum(weights.values())
    for member_id, amount in split.members.items():
        exact = Fraction(split.members_total * weights[member_id], total)
        assert abs(amount - exact) < 1
    if split.basis != terms.policy:
        assert split.note


@settings(max_examples=400)
@given(reserve=st.integers(min_value=0, max_value=10 ** 7),
       members=st.dictionaries(member_ids, st.integers(min_value=0, max_value=10 ** 7), max_size=10),
       owed=st.integers(min_value=0, max_value=3 * 10 ** 7))
def test_deductions_never_make_a_payout_negative_and_carry_exactly_the_remainder(reserve, members, owed):
    deduction = apply_deductions(reserve, members, owed)
    assert deduction.taken + deduction.carried == owed
    assert 0 <= deduction.from_reserve <= reserve
    assert all(0 <= deduction.from_members[m] <= members[m] for m in members)
    if deduction.from_reserve < reserve or any(deduction.from_members[m] < members[m] for m in members):
        assert deduction.carried == 0  # something was left to take: nothing may be carried
    if deduction.from_reserve < owed:
        assert deduction.from_reserve == reserve  # the reserve is emptied before any member pays
    taken = sum(deduction.from_members.values())
    paid = sum(members.values())
    for member_id, amount in members.items():
        if paid:
            assert abs(deduction.from_members[member_id] - Fraction(taken * amount, paid)) < 1
    assert balanced(deduction_lines(deduction, 3)) or deduction.taken == 0


@given(refunded=st.integers(min_value=0, max_value=10 ** 7), bps=st.integers(min_value=0, max_value=10_000),
       taken=st.integers(min_value=0, max_value=10 ** 7))
def test_a_refund_after_settlement_posts_balanced_lines_and_never_returns_more_commission_than_taken(
        refunded, bps, taken):
    commission = commission_on_refund(refunded, bps, commission_taken=taken)
    assert 0 <= commission <= min(taken, refunded)
    owed = deduction_for_refund(refunded, commission)
    assert owed + commission == refunded
    assume(refunded > 0)
    assert balanced(refund_after_settlement_lines(refunded, commission, 3))


def test_a_card_payment_posts_what_the_bank_received_and_the_fee_the_provider_kept():
    assert [(l.account, l.debit, l.credit) for l in payment_lines(47997, provider_fee=1692)] == [
        ("bank", 46305, 0), ("payment_fees", 1692, 0), ("buyer_payments", 0, 47997)]
    assert [(l.account, l.debit, l.credit) for l in payment_lines(10000)] == [
        ("bank", 10000, 0), ("buyer_payments", 0, 10000)]
    with pytest.raises(ValueError):
        payment_lines(100, provider_fee=101)
