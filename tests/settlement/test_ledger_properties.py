"""Random parcels paid, refunded, settled and paid out through the ledger: the table always balances, the clearing
accounts return to zero and the bank keeps exactly what the platform and the reserves are owed."""
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.extensions import db
from marketplace.transaction import unit_of_work
from orders.settlement.accounts import (BANK, BUYER_PAYMENTS, PAYMENT_FEES, REFUNDS, member_payable, payment_lines,
                                        payout_lines, refund_lines, settlement_lines)
from orders.settlement.ledger import account_balance, post_entry, unbalanced_entries
from orders.settlement.split import split_parcel
from tests.settlement.strategies import bases, parcels, terms_strategy

_parcels = count(1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(money=parcels(), terms=terms_strategy, basis=bases, cooperative_id=st.integers(min_value=1, max_value=5))
def test_paying_refunding_and_settling_random_parcels_keeps_every_entry_balanced(app, money, terms, basis,
                                                                                 cooperative_id):
    n = next(_parcels)
    split = split_parcel(money, terms, basis)
    with app.app_context():
        bank_before = account_balance(BANK)
        with unit_of_work():
            if money.captured:
                post_entry("payment", source_key=f"payment:{n}", reference=f"parcel {n} paid",
                           lines=payment_lines(money.captured, provider_fee=split.fees))
                post_entry("settlement", source_key=f"settlement:1:{n}", reference=f"parcel {n} settled",
                           lines=settlement_lines(split, cooperative_id))
            if split.refunds:
                post_entry("refund", source_key=f"refund:{n}", reference=f"parcel {n} refunded",
                           lines=refund_lines(split.refunds))
            for member_id, amount in split.members.items():
                if amount:
                    post_entry("payout", source_key=f"payout:{n}:{member_id}", reference=f"member {member_id}",
                               lines=payout_lines(member_payable(member_id), amount))
        assert unbalanced_entries() == []
        assert account_balance(BUYER_PAYMENTS) == 0 and account_balance(REFUNDS) == 0
        assert account_balance(PAYMENT_FEES) == 0  # the fee the provider kept was recovered from the parcel
        assert all(account_balance(member_payable(m)) == 0 for m in split.members)
        assert account_balance(BANK) - bank_before == \
            money.captured - split.fees - split.refunds - split.members_total
        db.session.remove()
