"""Hypothesis strategies for settlement: parcels paid in any currency, cooperatives' terms, member bases."""
from decimal import Decimal

from hypothesis import strategies as st

from marketplace.money import DECIMALS, Money, convert
from orders.settlement.split import Basis, FeeModel, ParcelMoney, PaymentMethod, Policy, Terms

RATES = {"EUR": Decimal("0.0925"), "USD": Decimal("0.1000"), "XOF": Decimal("60.68"), "XAF": Decimal("60.68")}

member_ids = st.integers(min_value=1, max_value=60)


@st.composite
def parcels(draw):
    currency = draw(st.sampled_from(sorted(DECIMALS)))
    paid = Money(draw(st.integers(min_value=0, max_value=10 ** (7 + DECIMALS[currency]))), currency)
    captured = convert(paid, "MAD", RATES).amount
    goods = draw(st.integers(min_value=0, max_value=captured))
    refunded_goods = draw(st.one_of(st.just(0), st.integers(min_value=0, max_value=goods)))
    refunded_shipping = draw(st.one_of(st.just(0), st.integers(min_value=0, max_value=captured - goods)))
    method = draw(st.sampled_from(list(PaymentMethod)))
    known_fee = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=captured + 5_000)))
    return ParcelMoney(captured=captured, goods=goods, refunded_goods=refunded_goods,
                       refunded_shipping=refunded_shipping, payment_method=method, known_fee=known_fee)


terms_strategy = st.builds(
    Terms,
    commission_bps=st.integers(min_value=0, max_value=10_000),
    reserve_bps=st.integers(min_value=0, max_value=10_000),
    policy=st.sampled_from(list(Policy)),
    fee_model=st.builds(FeeModel, bps=st.integers(min_value=0, max_value=1_000),
                        fixed=st.integers(min_value=0, max_value=1_000)),
)

bases = st.builds(
    Basis,
    contributions=st.dictionaries(member_ids, st.integers(min_value=0, max_value=10 ** 8), max_size=12),
    active_members=st.lists(member_ids, max_size=12),
    shares=st.dictionaries(member_ids, st.integers(min_value=0, max_value=500), max_size=12),
)
