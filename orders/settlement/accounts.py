"""The ledger's accounts and journal lines, and the lines each settlement event posts: pure, no database.

Balances read debit − credit: the bank and what a cooperative owes back are positive, payables owed to
cooperatives and members are negative.
"""
from __future__ import annotations

import re
from functools import lru_cache
from collections.abc import Iterable
from dataclasses import dataclass

from orders.settlement.split import Deduction, ParcelSplit

BUYER_PAYMENTS = "buyer_payments"  # money buyers paid, held until the parcel is settled
PAYMENT_FEES = "payment_fees"
PLATFORM_COMMISSION = "platform_commission"
REFUNDS = "refunds"
BANK = "bank"

ACCOUNT_PATTERN = re.compile(
    r"(buyer_payments|payment_fees|platform_commission|refunds|bank"
    r"|cooperative:[1-9][0-9]{0,17}:(payable|reserve)|member:[1-9][0-9]{0,17}:payable)\Z")


def cooperative_payable(cooperative_id: int) -> str:
    """What the cooperative owes back (refunds after settlement) not yet deducted from a run."""
    return f"cooperative:{cooperative_id}:payable"


def cooperative_reserve(cooperative_id: int) -> str:
    return f"cooperative:{cooperative_id}:reserve"


def member_payable(member_id: int) -> str:
    return f"member:{member_id}:payable"


@lru_cache(maxsize=65_536)  # a run checks the same few thousand accounts on every parcel
def is_account(name: str) -> bool:
    return ACCOUNT_PATTERN.fullmatch(name) is not None


@dataclass(frozen=True)
class Line:
    """One side of a journal entry: exactly one of debit or credit is a positive amount of MAD minor units."""
    account: str
    debit: int = 0
    credit: int = 0

    def __post_init__(self):
        if not isinstance(self.account, str) or not is_account(self.account):
            raise ValueError(f"unknown account {self.account!r}")
        for side in (self.debit, self.credit):
            if type(side) is not int or side < 0:
                raise ValueError("debit and credit are integer minor units, never negative")
        if (self.debit > 0) == (self.credit > 0):
            raise ValueError("a line has exactly one non-zero side")

    def reversed(self) -> Line:
        return Line(self.account, debit=self.credit, credit=self.debit)


def debit(account: str, amount: int) -> Line:
    return Line(account, debit=amount)


def credit(account: str, amount: int) -> Line:
    return Line(account, credit=amount)


def balanced(lines: Iterable[Line]) -> bool:
    lines = list(lines)
    return bool(lines) and sum(line.debit for line in lines) == sum(line.credit for line in lines)


def payment_lines(captured: int, *, provider_fee: int = 0) -> list[Line]:
    """A card captured or cash collected: the bank receives it, less the fee the provider kept, for the buyer's parcel.

    The fee is debited to `payment_fees` until the parcel's settlement credits it back from the captured amount.
    """
    if provider_fee > captured:
        raise ValueError("the provider's fee cannot exceed what it captured")
    return ([debit(BANK, captured - provider_fee)] if captured > provider_fee else []) \
        + ([debit(PAYMENT_FEES, provider_fee)] if provider_fee else []) + [credit(BUYER_PAYMENTS, captured)]


def provider_fee_lines(fee: int) -> list[Line]:
    """The provider's fee on a capture already posted in full: `payment_lines` with the fee, less the capture."""
    return [debit(PAYMENT_FEES, fee), credit(BANK, fee)]


def refund_lines(amount: int) -> list[Line]:
    """A refund paid back to the buyer; its parcel's settlement (or a deduction after it) clears `refunds`."""
    return [debit(REFUNDS, amount), credit(BANK, amount)]


def payout_lines(account: str, amount: int) -> list[Line]:
    """A payout paid to a member or from a cooperative's reserve: its payable goes down, so does the bank."""
    return [debit(account, amount), credit(BANK, amount)]


def settlement_lines(split: ParcelSplit, cooperative_id: int) -> list[Line]:
    """A settled parcel moves its captured amount out of buyer payments to each part of the split.

    Balances by construction: the one debit is the captured amount, the credits are the parts that add up to it.
    Refunds made before settlement debited `refunds` when they were paid; the credit here clears it.
    """
    if not split.captured:
        return []
    parts = [(PAYMENT_FEES, split.fees), (PLATFORM_COMMISSION, split.commission), (REFUNDS, split.refunds),
             (cooperative_reserve(cooperative_id), split.reserve),
             *((member_payable(m), amount) for m, amount in split.members.items())]
    return [debit(BUYER_PAYMENTS, split.captured)] + [credit(account, amount) for account, amount in parts if amount]


def refund_after_settlement_lines(refunded: int, commission_returned: int, cooperative_id: int) -> list[Line]:
    """A refund of a settled parcel: the platform gives back its commission, the cooperative owes the rest.

    The refund itself debited `refunds` when it was paid; this clears it.
    """
    if not refunded:
        return []
    owed = refunded - commission_returned
    return ([debit(cooperative_payable(cooperative_id), owed)] if owed else []) \
        + ([debit(PLATFORM_COMMISSION, commission_returned)] if commission_returned else []) \
        + [credit(REFUNDS, refunded)]


def deduction_lines(deduction: Deduction, cooperative_id: int) -> list[Line]:
    """A run's deduction: taken from the reserve and the members, credited to what the cooperative owed back."""
    if not deduction.taken:
        return []
    takers = [(cooperative_reserve(cooperative_id), deduction.from_reserve),
              *((member_payable(m), amount) for m, amount in deduction.from_members.items())]
    return [debit(account, amount) for account, amount in takers if amount] \
        + [credit(cooperative_payable(cooperative_id), deduction.taken)]
