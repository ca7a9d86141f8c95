"""A certificate number (per kind) belongs to one holder; the public check names only verified holders."""
from __future__ import annotations

from tests.cooperatives.conftest import API


def verify(client, number):
    return client.get(f"{API}/certifications/verify", query_string={"number": number})


def test_a_revoked_holders_number_cannot_be_taken_over_by_another_cooperative(client, coop_factory, table_counts):
    holder, holder_manager = coop_factory.verified()
    other, other_manager = coop_factory.verified()
    certification = coop_factory.verified_certification(holder_manager, holder["id"], number="AS.13.241.2018")
    assert coop_factory.decide_certification(certification["id"], "revoke", "Établissement fermé").status_code == 200
    before, documents = table_counts(), coop_factory.stored_documents()

    taken = coop_factory.submit(other_manager, other["id"], number="as.13.241.2018")

    assert taken.status_code == 409 and taken.json["error"]["code"] == "certificate_number_taken"
    assert table_counts() == before and coop_factory.stored_documents() == documents
    public = verify(client, "AS.13.241.2018").json
    assert public["status"] == "revoked" and public["cooperative"]["id"] == holder["id"]


def test_a_pending_submission_holds_the_number_and_a_rejected_one_frees_it(coop_factory):
    first, first_manager = coop_factory.verified()
    second, second_manager = coop_factory.verified()
    pending = coop_factory.certification(first_manager, first["id"], number="ONSSA.77.1")

    assert coop_factory.submit(second_manager, second["id"], number="ONSSA.77.1").status_code == 409

    coop_factory.decide_certification(pending["id"], "reject", "Numéro d'un autre établissement")
    assert coop_factory.submit(second_manager, second["id"], number="ONSSA.77.1").status_code == 201


def test_an_administrator_cannot_verify_a_number_another_cooperative_holds(app, coop_factory):
    """Two submissions that passed the check at the same moment: verifying either names the other."""
    from cooperatives.models import Certification
    from marketplace.extensions import db

    first, first_manager = coop_factory.verified()
    second, second_manager = coop_factory.verified()
    original = coop_factory.certification(first_manager, first["id"], number="ONSSA.88.2")
    copy = coop_factory.certification(second_manager, second["id"], number="ONSSA.88.3")
    with app.app_context():  # as if both had been submitted at the same instant
        db.session.get(Certification, copy["id"]).number = "ONSSA.88.2"
        db.session.commit()

    flagged = coop_factory.decide_certification(original["id"], "verify")

    assert flagged.status_code == 409 and flagged.json["error"]["code"] == "certificate_number_taken"
    assert flagged.json["error"]["details"]["held_by"] == {"certification_id": copy["id"],
                                                           "cooperative_id": second["id"], "status": "submitted"}
    assert coop_factory.decide_certification(copy["id"], "reject", "Numéro d'un autre établissement").status_code == 200
    assert coop_factory.decide_certification(original["id"], "verify").status_code == 200


def test_the_public_check_names_the_holder_only_once_its_cooperative_is_verified(client, coop_factory):
    pending, manager = coop_factory.create()
    coop_factory.certification(manager, pending["id"], number="ORG.2024.55", kind="organic")

    hidden = verify(client, "ORG.2024.55")
    assert hidden.status_code == 200
    assert hidden.json["status"] == "submitted" and hidden.json["cooperative"] is None
    assert client.get(f"{API}/cooperatives/{pending['id']}").status_code == 404

    coop_factory.decide(pending["id"], "verify")
    assert verify(client, "ORG.2024.55").json["cooperative"]["id"] == pending["id"]

    coop_factory.decide(pending["id"], "suspend", "Contrôle en cours")
    assert verify(client, "ORG.2024.55").json["cooperative"] is None
