"""The demo loader: realistic data in every state, safe to run twice (one test: a load takes seconds)."""
from sqlalchemy import func, select

from cooperatives import validators
from cooperatives.models import ONSSA_KINDS, Certification, CertificationStatus, Cooperative, CooperativeStatus, Member
from marketplace.auth.models import User
from marketplace.cli import DEMO_USERS
from marketplace.extensions import db

COUNTED = (User, Cooperative, Member, Certification)


def test_the_demo_covers_every_state_and_loading_twice_adds_nothing(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output

    with app.app_context():
        today = validators.today()
        counts = {model: db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED}
        roles = dict(db.session.execute(select(User.email, User.role)).all())
        statuses = set(db.session.scalars(select(Cooperative.status)))
        certifications = db.session.scalars(select(Certification)).all()
        effective = {c.effective_status(today) for c in certifications}
        expiring_soon = [c for c in certifications if c.effective_status(today) == CertificationStatus.VERIFIED
                         and c.expires_on and (c.expires_on - today).days <= 30]
        food = db.session.scalars(select(Cooperative).where(Cooperative.sector == "food_processing",
                                                            Cooperative.status == CooperativeStatus.VERIFIED)).all()
        onssa_holders = set(db.session.scalars(select(Certification.cooperative_id).where(
            Certification.kind.in_(ONSSA_KINDS), Certification.valid_on(today))))
        union_members = db.session.scalars(select(Cooperative).where(Cooperative.legal_form == "union")).one() \
            .member_cooperatives
        genders = set(db.session.scalars(select(Member.gender)))

    for email, _name, role in DEMO_USERS:
        assert roles[email] == role
    assert counts[Cooperative] >= 20
    assert statuses == {"verified", "pending", "suspended", "rejected"}
    assert effective == {"submitted", "verified", "rejected", "revoked", "expired"}
    assert expiring_soon
    assert {c.id for c in food if c.name != "Coopérative Aknari Aït Baamrane"} <= onssa_holders
    assert len(union_members) == 2
    assert genders == {"female", "male"}

    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert {model: db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED} == counts
