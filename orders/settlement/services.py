"""What a settlement run reads from the cooperatives: their terms and the members who may share a parcel."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from cooperatives.models import Cooperative, Member
from marketplace.extensions import db
from orders.settlement.bulk import among
from orders.settlement.split import Basis, FeeModel, Policy, Terms


@dataclass(frozen=True)
class MemberFacts:
    id: int
    joined_on: date
    left_on: date | None
    capital_shares: int

    def active_on(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or self.left_on > day)


@dataclass(frozen=True)
class CooperativeProfile:
    cooperative_id: int
    terms: Terms
    members: tuple[MemberFacts, ...]

    def basis(self, delivered_on: date, contributions: Mapping[int, int] | None = None) -> Basis:
        """The basis of a parcel delivered that day: members active then, their shares, and who produced its lots.

        Contributions count whoever produced the lots, even a member who left since; `equal` and `shares` count
        only the members active on the delivery date.
        """
        active = [member for member in self.members if member.active_on(delivered_on)]
        return Basis(contributions=dict(contributions or {}), active_members=[member.id for member in active],
                     shares={member.id: member.capital_shares for member in active})


def settlement_profiles(cooperative_ids: Iterable[int]) -> dict[int, CooperativeProfile]:
    """The terms and members of these cooperatives, in two queries however many there are."""
    ids = sorted(set(cooperative_ids))
    fee_model = FeeModel.from_config(current_app.config)
    members: dict[int, list[MemberFacts]] = {cooperative_id: [] for cooperative_id in ids}
    rows = db.session.execute(select(Member.cooperative_id, Member.id, Member.joined_on, Member.left_on,
                                     Member.capital_shares)
                              .where(among(Member.cooperative_id, ids)).order_by(Member.id))
    for cooperative_id, *facts in rows:
        members[cooperative_id].append(MemberFacts(*facts))
    terms = db.session.execute(select(Cooperative.id, Cooperative.commission_bps, Cooperative.reserve_bps,
                                      Cooperative.distribution_policy).where(among(Cooperative.id, ids)))
    return {
        cooperative_id: CooperativeProfile(
            cooperative_id=cooperative_id,
            terms=Terms(commission_bps=commission_bps, reserve_bps=reserve_bps, policy=Policy(policy),
                        fee_model=fee_model),
            members=tuple(members[cooperative_id]))
        for cooperative_id, commission_bps, reserve_bps, policy in terms
    }
