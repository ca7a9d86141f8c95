"""How one delivered parcel's money is divided, in MAD minor units: pure functions, no database.

Order of the split (each step on what the previous ones left):
captured → refunds made before settlement → payment fee → platform commission (`commission_bps` of the goods
not refunded) → the cooperative's reserve (`reserve_bps` of what remains) → the members, by the cooperative's
`distribution_policy`. Every division goes through `marketplace.money.allocate`, so
members + reserve + commission + fees + refunds = captured, to the centime.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from marketplace.money import allocate

BPS = 10_000


def _check_amount(name: str, value: int) -> None:
    if type(value) is not int:
        raise TypeError(f"{name} must be integer minor units")
    if value < 0:
        raise ValueError(f"{name} must not be negative")


def _check_bps(name: str, value: int) -> None:
    if type(value) is not int or not 0 <= value <= BPS:
        raise ValueError(f"{name} must be an integer between 0 and {BPS}")


class Policy(StrEnum):
    CONTRIBUTION = "contribution"
    EQUAL = "equal"
    SHARES = "shares"


class PaymentMethod(StrEnum):
    CARD = "card"
    CASH_ON_DELIVERY = "cash_on_delivery"


@dataclass(frozen=True)
class FeeModel:
    """The fee charged per card payment when the provider's actual fee is not known: `bps` of the amount + `fixed`."""
    bps: int = 0
    fixed: int = 0

    def __post_init__(self):
        _check_bps("fee bps", self.bps)
        _check_amount("fixed fee", self.fixed)

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> FeeModel:
        """The model set by PAYMENT_FEE_BPS and PAYMENT_FEE_FIXED (MAD minor units)."""
        return cls(bps=config["PAYMENT_FEE_BPS"], fixed=config["PAYMENT_FEE_FIXED"])


@dataclass(frozen=True)
class ParcelMoney:
    """What a parcel brought in, in MAD minor units (converted with the order's own rate)."""
    captured: int
    goods: int  # the part of `captured` paying for goods; the rest paid for shipping
    refunded_goods: int = 0
    refunded_shipping: int = 0
    payment_method: PaymentMethod = PaymentMethod.CARD
    known_fee: int | None = None  # the provider's fee from its balance transaction, when known

    def __post_init__(self):
        for name in ("captured", "goods", "refunded_goods", "refunded_shipping"):
            _check_amount(name, getattr(self, name))
        if self.goods > self.captured:
            raise ValueError("goods cannot exceed the captured amount")
        if self.refunded_goods > self.goods:
            raise ValueError("refunded goods cannot exceed the goods")
        if self.refunded_shipping > self.captured - self.goods:
            raise ValueError("refunded shipping cannot exceed the shipping paid")
        if self.known_fee is not None:
            _check_amount("known_fee", self.known_fee)
        object.__setattr__(self, "payment_method", PaymentMethod(self.payment_method))


@dataclass(frozen=True)
class Basis:
    """Who may share the members' part: the inputs of each policy; only the cooperative's policy is used."""
    contributions: Mapping[int, int] = field(default_factory=dict)  # member id → value of the lots they produced
    active_members: Sequence[int] = ()  # members active on the delivery date
    shares: Mapping[int, int] = field(default_factory=dict)  # member id → capital shares held

    def __post_init__(self):
        for name in ("contributions", "shares"):
            for member_id, weight in getattr(self, name).items():
                _check_amount(f"{name} of member {member_id}", weight)


@dataclass(frozen=True)
class Terms:
    """The cooperative's settlement terms."""
    commission_bps: int = 500
    reserve_bps: int = 1000
    policy: Policy = Policy.CONTRIBUTION
    fee_model: FeeModel = field(default_factory=FeeModel)

    def __post_init__(self):
        _check_bps("commission_bps", self.commission_bps)
        _check_bps("reserve_bps", self.reserve_bps)
        object.__setattr__(self, "policy", Policy(self.policy))


@dataclass(frozen=True)
class ParcelSplit:
    captured: int
    refunds: int
    fees: int
    commission: int
    reserve: int
    members: dict[int, int]  # member id → amount, by member id
    basis: Policy  # the policy actually applied
    note: str | None = None  # why the basis differs from the cooperative's policy, or the members' part went to reserve
    fees_uncovered: int = 0  # fee beyond what the parcel had left after refunds: the platform's cost
    commission_uncovered: int = 0  # commission the parcel could not pay after the fee

    @property
    def members_total(self) -> int:
        return sum(self.members.values())

    def parts_total(self) -> int:
        return self.members_total + self.reserve + self.commission + self.fees + self.refunds


def bps_of(amount: int, bps: int) -> int:
    """`bps` basis points of `amount`, rounded half up (through `allocate`)."""
    if amount == 0 or bps == 0:
        return 0
    if bps == BPS:
        return amount
    return allocate(amount, [bps, BPS - bps])[0]


def payment_fee(money: ParcelMoney, model: FeeModel) -> int:
    """The fee a payment cost: the provider's own figure when known, else the model; cash on delivery costs none."""
    if money.payment_method == PaymentMethod.CASH_ON_DELIVERY:
        return 0
    if money.known_fee is not None:
        return money.known_fee
    return bps_of(money.captured, model.bps) + model.fixed


def member_weights(policy: Policy, basis: Basis) -> tuple[Policy, dict[int, int], str | None]:
    """The weights the members' part is divided by: (policy applied, {member id: weight > 0}, note).

    `shares` with nobody holding shares, and `contribution` with no contribution recorded, fall back to `equal`.
    """
    if policy == Policy.CONTRIBUTION:
        weights = {m: w for m, w in basis.contributions.items() if w > 0}
        if weights:
            return policy, weights, None
        return Policy.EQUAL, _equal(basis), "no contribution recorded: divided equally among active members"
    if policy == Policy.SHARES:
        weights = {m: w for m, w in basis.shares.items() if w > 0}
        if weights:
            return policy, weights, None
        return Policy.EQUAL, _equal(basis), "no member holds capital shares: divided equally among active members"
    return Policy.EQUAL, _equal(basis), None


def _equal(basis: Basis) -> dict[int, int]:
    return {member_id: 1 for member_id in sorted(set(basis.active_members))}


def split_parcel(money: ParcelMoney, terms: Terms, basis: Basis) -> ParcelSplit:
    """Settle one parcel: refunds, fee, commission, reserve, members; the parts add up to the captured amount.

    A fee (or commission) larger than what the parcel has left is capped to it and the excess recorded; with
    nobody to pay, the members' part stays in the cooperative's reserve.
    """
    refunds = money.refunded_goods + money.refunded_shipping
    left = money.captured - refunds
    fee_due = payment_fee(money, terms.fee_model)
    fees = min(fee_due, left)
    left -= fees
    commission_due = bps_of(money.goods - money.refunded_goods, terms.commission_bps)
    commission = min(commission_due, left)
    left -= commission
    reserve = bps_of(left, terms.reserve_bps)
    left -= reserve
    basis_used, weights, note = member_weights(terms.policy, basis)
    if weights:
        members = dict(zip(sorted(weights), allocate(left, [weights[m] for m in sorted(weights)])))
    else:
        members = {}
        reserve += left
        note = "no member to pay: the members' part stays in the reserve"
    return ParcelSplit(captured=money.captured, refunds=refunds, fees=fees, commission=commission, reserve=reserve,
                       members=members, basis=basis_used, note=note, fees_uncovered=fee_due - fees,
                       commission_uncovered=commission_due - commission)


# --- refunds after settlement ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Deduction:
    """What a run took from a cooperative's payees to cover refunds made after earlier settlements."""
    owed: int
    from_reserve: int
    from_members: dict[int, int]
    carried: int  # what this run could not cover: carried into the next run

    @property
    def taken(self) -> int:
        return self.from_reserve + sum(self.from_members.values())


def commission_on_refund(refunded_goods: int, commission_bps: int, *, commission_taken: int) -> int:
    """The commission the platform had taken on goods refunded after settlement (never more than it took)."""
    return min(bps_of(refunded_goods, commission_bps), commission_taken)


def deduction_for_refund(refunded_goods: int, commission_taken_on_them: int, *, refunded_shipping: int = 0) -> int:
    """A refund after settlement is owed back by the cooperative, less the commission the platform had taken on it."""
    _check_amount("refunded_goods", refunded_goods)
    _check_amount("refunded_shipping", refunded_shipping)
    _check_amount("commission_taken_on_them", commission_taken_on_them)
    if commission_taken_on_them > refunded_goods:
        raise ValueError("the commission on refunded goods cannot exceed them")
    return refunded_goods + refunded_shipping - commission_taken_on_them


def apply_deductions(reserve: int, members: Mapping[int, int], owed: int) -> Deduction:
    """Take `owed` from the reserve first, then from members in proportion to what they are paid; carry the rest.

    No payee ever goes below zero: what the run cannot cover is carried, exactly.
    """
    _check_amount("reserve", reserve)
    _check_amount("owed", owed)
    for member_id, amount in members.items():
        _check_amount(f"member {member_id}", amount)
    from_reserve = min(reserve, owed)
    rest = owed - from_reserve
    paid = {m: a for m, a in sorted(members.items()) if a > 0}
    from_members_total = min(rest, sum(paid.values()))
    from_members = dict.fromkeys(sorted(members), 0)
    if from_members_total:
        from_members.update(zip(paid, allocate(from_members_total, list(paid.values()))))
    return Deduction(owed=owed, from_reserve=from_reserve, from_members=from_members,
                     carried=rest - from_members_total)
