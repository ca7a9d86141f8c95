"""Statuses are StrEnums with one transition table per entity; change_state checks it and stores plain strings."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from catalog.models import PRODUCT_TRANSITIONS, ProductStatus
from cooperatives.certifications import CERTIFICATION_DECISIONS
from cooperatives.models import (CERTIFICATION_TRANSITIONS, COOPERATIVE_TRANSITIONS, CertificationStatus, Cooperative,
                                 CooperativeStatus)
from cooperatives.services import COOPERATIVE_DECISIONS
from marketplace.audit import AuditEntry, InvalidTransition, change_state
from marketplace.extensions import db


@pytest.mark.parametrize("decisions, table", [(COOPERATIVE_DECISIONS, COOPERATIVE_TRANSITIONS),
                                               (CERTIFICATION_DECISIONS, CERTIFICATION_TRANSITIONS)])
def test_every_decision_is_a_move_of_its_entitys_table(decisions, table):
    for source, target in decisions.values():
        assert target in table[source]


@pytest.mark.parametrize("table, statuses", [(COOPERATIVE_TRANSITIONS, CooperativeStatus),
                                              (CERTIFICATION_TRANSITIONS, CertificationStatus),
                                              (PRODUCT_TRANSITIONS, ProductStatus)])
def test_tables_only_name_statuses_of_their_enum_and_start_from_none(table, statuses):
    assert len(table[None]) == 1
    for source, targets in table.items():
        assert source is None or source in set(statuses)
        assert targets <= set(statuses)
    assert CertificationStatus.EXPIRED not in {s for targets in CERTIFICATION_TRANSITIONS.values() for s in targets}


def cooperative() -> Cooperative:
    row = Cooperative(name="Tamount", registration_number="RC-1", ice="000000000000001", region="souss-massa",
                      province="Agadir", sector="argan", status=None, description={"fr": "x"})
    db.session.add(row)
    return row


def test_change_state_takes_enums_and_stores_and_audits_plain_strings(app):
    with app.app_context():
        row = cooperative()
        change_state(row, CooperativeStatus.PENDING, allowed=COOPERATIVE_TRANSITIONS, actor_id=None)
        entry = change_state(row, CooperativeStatus.VERIFIED, allowed=COOPERATIVE_TRANSITIONS, actor_id=None,
                             from_states={CooperativeStatus.PENDING})
        db.session.commit()
        assert type(row.status) is str and row.status == "verified"
        assert (entry.from_state, entry.to_state) == ("pending", "verified") and type(entry.to_state) is str
        assert db.session.scalar(text("SELECT status FROM cooperatives WHERE id = :id"), {"id": row.id}) == "verified"
        assert db.session.query(AuditEntry).count() == 2


def test_a_move_outside_the_table_or_outside_from_states_is_an_invalid_transition(app):
    with app.app_context():
        row = cooperative()
        change_state(row, CooperativeStatus.PENDING, allowed=COOPERATIVE_TRANSITIONS, actor_id=None)
        with pytest.raises(InvalidTransition) as outside:
            change_state(row, CooperativeStatus.SUSPENDED, allowed=COOPERATIVE_TRANSITIONS, actor_id=None)
        assert outside.value.details == {"from": "pending", "to": "suspended"}
        assert outside.value.message == "A cooperative cannot go from 'pending' to 'suspended'."
        change_state(row, CooperativeStatus.VERIFIED, allowed=COOPERATIVE_TRANSITIONS, actor_id=None)
        change_state(row, CooperativeStatus.SUSPENDED, allowed=COOPERATIVE_TRANSITIONS, actor_id=None)
        with pytest.raises(InvalidTransition):  # in the table (reinstate), but "verify" applies to pending only
            change_state(row, CooperativeStatus.VERIFIED, allowed=COOPERATIVE_TRANSITIONS, actor_id=None,
                         from_states={CooperativeStatus.PENDING})
        assert row.status == "suspended"
        db.session.rollback()
