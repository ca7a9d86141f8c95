from enum import StrEnum

import pytest

from marketplace.audit import InvalidTransition, change_state, history
from marketplace.auth.models import User
from marketplace.extensions import db



class State(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETED = "deleted"


ALLOWED = {State.ACTIVE: {State.SUSPENDED}, State.SUSPENDED: {State.ACTIVE}}


@pytest.fixture
def account(app):
    with app.app_context():
        user = User(email="a@example.ma", password_hash="x", full_name="A", role="buyer")
        user.status = State.ACTIVE  # a plain attribute stands in for a model's status column
        db.session.add(user)
        db.session.commit()
        yield user


def test_an_allowed_transition_changes_the_state_and_records_who_when_and_why(app, account):
    change_state(account, State.SUSPENDED, allowed=ALLOWED, actor_id=account.id, reason="fraud report")
    db.session.commit()
    [entry] = history("users", account.id)
    assert (entry.from_state, entry.to_state, entry.reason, entry.actor_id) == (State.ACTIVE, State.SUSPENDED, "fraud report",
                                                                               account.id)
    assert entry.at.tzinfo is not None
    assert account.status == State.SUSPENDED


def test_a_forbidden_transition_raises_409_and_records_nothing(app, account):
    with pytest.raises(InvalidTransition) as caught:
        change_state(account, State.DELETED, allowed=ALLOWED, actor_id=None)
    assert caught.value.status == 409
    assert account.status == State.ACTIVE
    assert history("users", account.id) == []


def test_admins_read_the_audit_log_filtered_by_entity(app, client, users, account):
    change_state(account, State.SUSPENDED, allowed=ALLOWED, actor_id=None, reason="r")
    db.session.commit()
    admin = users.admin()
    page = client.get(f"/api/v1/admin/audit-log?entity_type=users&entity_id={account.id}", headers=admin.headers).json
    assert page["total"] == 1 and page["items"][0]["to_state"] == "suspended"
    assert client.get("/api/v1/admin/audit-log?entity_type=users&entity_id=999999",
                      headers=admin.headers).json["total"] == 0
