"""Certifications: submission with a document checked by content, the admin queue and decisions, effective
expiry, the public number check and the expiring-soon command."""
from datetime import timedelta

import pytest

from cooperatives import signals, validators
from cooperatives.documents import MAX_DOCUMENT_BYTES
from cooperatives.demo import tiny_pdf
from marketplace.clock import now
from tests.cooperatives.conftest import API, certification_form, jpeg_bytes, png_bytes


def days(n: int) -> str:
    return (validators.today() + timedelta(days=n)).isoformat()


# --- submission --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("document, filename, declared, stored_type", [
    (tiny_pdf("ONSSA"), "onssa.pdf", "application/pdf", "application/pdf"),
    (jpeg_bytes(), "scan.jpg", "image/jpeg", "image/jpeg"),
    (png_bytes(), "scan.png", "image/png", "image/png"),
    # the content decides: a PDF declared as a PNG is stored and served as a PDF
    (tiny_pdf("ONSSA"), "scan.png", "image/png", "application/pdf"),
    (png_bytes(), "document.pdf", "application/pdf", "image/png"),
])
def test_a_manager_submits_a_certification_whose_type_comes_from_its_content(
        client, coop_factory, document, filename, declared, stored_type):
    cooperative, manager = coop_factory.create()

    response = coop_factory.submit(manager, cooperative["id"], document=document, filename=filename,
                                   content_type=declared, product_ids="")
    served = client.get(f"{API}/certifications/{response.json['id']}/document", headers=manager.headers)

    assert response.status_code == 201, response.json
    assert response.json["status"] == "submitted" and response.json["product_ids"] == []
    assert served.status_code == 200
    assert served.mimetype == stored_type
    assert served.data == document
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_the_stored_file_has_a_random_name_and_a_traversal_name_is_harmless(app, coop_factory, tmp_path):
    cooperative, manager = coop_factory.create()

    response = coop_factory.submit(manager, cooperative["id"], filename="../../etc/passwd.pdf")

    assert response.status_code == 201
    [stored] = coop_factory.stored_documents()
    assert stored.parent.name == "certifications"
    assert "passwd" not in stored.name and len(stored.stem) == 32
    assert not (tmp_path / "etc").exists()


@pytest.mark.parametrize("document, filename, declared, status, code", [
    (b"<html><script>alert(1)</script></html>", "onssa.pdf", "application/pdf", 415, "document_type_not_allowed"),
    (b"MZ\x90\x00 executable", "onssa.pdf", "application/pdf", 415, "document_type_not_allowed"),
    (b"GIF89a......", "onssa.png", "image/png", 415, "document_type_not_allowed"),
    (b"", "empty.pdf", "application/pdf", 415, "document_type_not_allowed"),
    (b"\x89PNG\r\n\x1a\n" + b"broken", "scan.png", "image/png", 422, "document_corrupt"),
    (b"\xff\xd8\xff" + b"\x00" * 40, "scan.jpg", "image/jpeg", 422, "document_corrupt"),
])
def test_documents_that_are_not_a_pdf_jpeg_or_png_are_refused_and_nothing_is_stored(
        coop_factory, table_counts, document, filename, declared, status, code):
    cooperative, manager = coop_factory.create()
    before = table_counts()

    response = coop_factory.submit(manager, cooperative["id"], document=document, filename=filename,
                                   content_type=declared)

    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert "document" in response.json["error"]["details"]
    assert table_counts() == before and coop_factory.stored_documents() == []


def test_a_document_of_10_mb_is_accepted_and_one_byte_more_is_a_413(coop_factory, table_counts):
    cooperative, manager = coop_factory.create()
    pdf = tiny_pdf("big")
    xref = pdf.index(b"xref\n")
    # comment lines between the last object and the cross-reference table keep the PDF readable
    padding = b"%" + b"0" * (MAX_DOCUMENT_BYTES - len(pdf) - 100) + b"\n"
    exactly = pdf[:xref] + padding + pdf[xref:].replace(f"startxref\n{xref}".encode(),
                                                         f"startxref\n{xref + len(padding)}".encode())
    exactly += b"\n" * (MAX_DOCUMENT_BYTES - len(exactly))
    assert len(exactly) == MAX_DOCUMENT_BYTES
    before = table_counts()

    too_big = coop_factory.submit(manager, cooperative["id"], document=exactly + b"%")
    assert too_big.status_code == 413
    assert too_big.json["error"]["code"] == "document_too_large"
    assert table_counts() == before and coop_factory.stored_documents() == []

    assert coop_factory.submit(manager, cooperative["id"], document=exactly).status_code == 201


def test_a_body_beyond_the_request_limit_is_a_413_in_the_error_shape(client, coop_factory):
    cooperative, manager = coop_factory.create()
    response = coop_factory.submit(manager, cooperative["id"], document=b"%PDF-" + b"0" * (12 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert coop_factory.stored_documents() == []


def test_a_missing_document_is_422(client, coop_factory, table_counts):
    cooperative, manager = coop_factory.create()
    before = table_counts()

    without_file = client.post(f"{API}/cooperatives/{cooperative['id']}/certifications", data=certification_form(),
                               content_type="multipart/form-data", headers=manager.headers)
    text_instead = client.post(f"{API}/cooperatives/{cooperative['id']}/certifications",
                               data={**certification_form(), "document": "%PDF-1.4"},
                               content_type="multipart/form-data", headers=manager.headers)

    assert without_file.status_code == 422 and "document" in without_file.json["error"]["details"]
    assert text_instead.status_code == 422 and "document" in text_instead.json["error"]["details"]
    assert table_counts() == before


def test_json_instead_of_multipart_is_422_on_every_field(client, coop_factory):
    cooperative, manager = coop_factory.create()
    response = client.post(f"{API}/cooperatives/{cooperative['id']}/certifications", json=certification_form(),
                           headers=manager.headers)
    assert response.status_code == 422
    assert {"kind", "number", "document"} <= set(response.json["error"]["details"])


@pytest.mark.parametrize("field, value", [
    ("kind", "halal"),
    ("number", "AB1"),
    ("number", "x" * 41),
    ("number", "AS 12 345"),
    ("issued_on", days(1)),
    ("issued_on", "yesterday"),
    ("expires_on", "2018-06-01"),  # not after issued_on
    ("product_ids", "1,two"),
    ("product_ids", "0"),
    ("product_ids", "-4"),
    ("issuer", ""),
    ("unknown", "1"),
])
def test_invalid_submission_fields_are_422(coop_factory, table_counts, field, value):
    cooperative, manager = coop_factory.create()
    before = table_counts()

    response = coop_factory.submit(manager, cooperative["id"], **{field: value})

    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]
    assert table_counts() == before and coop_factory.stored_documents() == []


def test_products_must_belong_to_the_cooperative_as_the_catalog_says(coop_factory, table_counts):
    cooperative, manager = coop_factory.create()

    def only_ten_and_eleven_are_ours(cooperative_id, product_ids):
        return [p for p in product_ids if p not in (10, 11)]

    registered = list(signals.certified_products_validators)  # the catalog's own validator, when it is installed
    signals.certified_products_validators[:] = [only_ten_and_eleven_are_ours]
    try:
        before = table_counts()
        refused = coop_factory.submit(manager, cooperative["id"], product_ids="10,12")
        assert table_counts() == before
        accepted = coop_factory.submit(manager, cooperative["id"], product_ids="11,10,10")
    finally:
        signals.certified_products_validators[:] = registered

    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "foreign_products"
    assert "product_ids" in refused.json["error"]["details"]
    assert accepted.status_code == 201 and accepted.json["product_ids"] == [10, 11]


def test_a_number_live_for_another_cooperative_is_a_409(coop_factory, table_counts):
    first, first_manager = coop_factory.verified()
    second, second_manager = coop_factory.verified()
    coop_factory.certification(first_manager, first["id"], number="AS.13.241.2018")
    before = table_counts()

    taken = coop_factory.submit(second_manager, second["id"], number="as.13.241.2018")

    assert taken.status_code == 409 and taken.json["error"]["code"] == "certificate_number_taken"
    assert table_counts() == before and len(coop_factory.stored_documents()) == 1


def test_the_same_number_may_be_renewed_by_its_holder_or_used_for_another_kind(coop_factory):
    first, first_manager = coop_factory.verified()
    second, second_manager = coop_factory.verified()
    coop_factory.verified_certification(first_manager, first["id"], number="AS.13.241.2018")

    renewal = coop_factory.submit(first_manager, first["id"], number="AS.13.241.2018")
    other_kind = coop_factory.submit(second_manager, second["id"], number="AS.13.241.2018", kind="organic")

    assert (renewal.status_code, other_kind.status_code) == (201, 201)


def test_a_rejected_number_may_be_submitted_by_another_cooperative(coop_factory):
    first, first_manager = coop_factory.verified()
    second, second_manager = coop_factory.verified()
    rejected = coop_factory.certification(first_manager, first["id"], number="AS.99.001")
    coop_factory.decide_certification(rejected["id"], "reject", "Not on the ONSSA list")

    assert coop_factory.submit(second_manager, second["id"], number="AS.99.001").status_code == 201


@pytest.mark.parametrize("role, status", [("buyer", 403), ("admin", 403), (None, 401)])
def test_only_cooperative_users_submit(coop_factory, users, role, status, table_counts):
    cooperative, _ = coop_factory.create()
    caller = users.new(role) if role else type("Anonymous", (), {"headers": {}})()
    before = table_counts()
    response = coop_factory.submit(caller, cooperative["id"])
    assert response.status_code == status
    assert table_counts() == before and coop_factory.stored_documents() == []


def test_another_cooperatives_manager_cannot_submit_for_it(coop_factory, table_counts):
    cooperative, _ = coop_factory.create()
    _, stranger = coop_factory.create()
    before = table_counts()
    assert coop_factory.submit(stranger, cooperative["id"]).status_code == 404
    assert table_counts() == before and coop_factory.stored_documents() == []


# --- documents and lists -----------------------------------------------------------------------------------------

def test_documents_are_for_the_cooperatives_managers_and_admins_only(client, coop_factory, users):
    cooperative, manager = coop_factory.verified()
    certification = coop_factory.verified_certification(manager, cooperative["id"])
    _, stranger = coop_factory.verified()
    url = f"{API}/certifications/{certification['id']}/document"

    assert client.get(url, headers=coop_factory.admin.headers).status_code == 200
    assert client.get(url, headers=stranger.headers).status_code == 404
    assert client.get(url, headers=users.buyer().headers).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get(f"{API}/certifications/999999/document", headers=manager.headers).status_code == 404


def test_the_public_sees_verified_and_expired_certifications_of_a_verified_cooperative(
        client, coop_factory, users, time_machine):
    cooperative, manager = coop_factory.verified()
    coop_factory.certification(manager, cooperative["id"], number="SUB.001")
    rejected = coop_factory.certification(manager, cooperative["id"], number="REJ.001")
    coop_factory.decide_certification(rejected["id"], "reject", "blurry scan")
    coop_factory.verified_certification(manager, cooperative["id"], number="OK.001", expires_on=None)
    coop_factory.verified_certification(manager, cooperative["id"], number="OLD.001", expires_on=days(2))
    time_machine.move_to(now() + timedelta(days=3))
    url = f"{API}/cooperatives/{cooperative['id']}/certifications"

    public = client.get(url).json
    for_stranger = client.get(url, headers=users.cooperative().headers).json
    for_manager = client.get(url, headers=manager.headers).json

    assert {(c["number"], c["status"]) for c in public["items"]} == {("OK.001", "verified"), ("OLD.001", "expired")}
    assert for_stranger == public
    assert {c["status"] for c in for_manager["items"]} == {"submitted", "rejected", "verified", "expired"}


def test_a_pending_cooperatives_certifications_are_private(client, coop_factory):
    cooperative, manager = coop_factory.create()
    coop_factory.certification(manager, cooperative["id"])
    url = f"{API}/cooperatives/{cooperative['id']}/certifications"
    assert client.get(url).status_code == 404
    assert client.get(url, headers=manager.headers).json["total"] == 1


def test_listing_certifications_runs_a_constant_number_of_queries(client, coop_factory, queries):
    cooperative, manager = coop_factory.verified()
    url = f"{API}/cooperatives/{cooperative['id']}/certifications"

    def measure() -> int:
        queries.reset()
        assert client.get(url, headers=manager.headers).status_code == 200
        return queries.count

    coop_factory.certification(manager, cooperative["id"])
    with_one = measure()
    for _ in range(4):
        coop_factory.certification(manager, cooperative["id"])
    assert measure() == with_one


# --- the admin queue and decisions -------------------------------------------------------------------------------

def test_the_queue_lists_submitted_certifications_oldest_first_with_their_cooperative(client, coop_factory, queries):
    cooperative, manager = coop_factory.create()
    first = coop_factory.certification(manager, cooperative["id"])
    second = coop_factory.certification(manager, cooperative["id"])
    other, other_manager = coop_factory.create()
    third = coop_factory.certification(other_manager, other["id"])
    coop_factory.verified_certification(manager, cooperative["id"])

    queue = client.get(f"{API}/admin/certifications", query_string={"status": "submitted"},
                       headers=coop_factory.admin.headers).json

    assert [c["id"] for c in queue["items"]] == [first["id"], second["id"], third["id"]]
    assert queue["items"][2]["cooperative"] == {"id": other["id"], "name": other["name"],
                                                "region": other["region"], "status": "pending"}


@pytest.mark.parametrize("decision", ["reject", "revoke"])
def test_rejecting_or_revoking_needs_a_reason(coop_factory, decision, table_counts):
    cooperative, manager = coop_factory.verified()
    certification = coop_factory.certification(manager, cooperative["id"])
    before = table_counts()

    response = coop_factory.decide_certification(certification["id"], decision)

    assert response.status_code == 422 and "reason" in response.json["error"]["details"]
    assert table_counts() == before


def test_decisions_follow_the_allowed_transitions_and_are_audited(client, coop_factory):
    cooperative, manager = coop_factory.verified()
    certification = coop_factory.certification(manager, cooperative["id"])
    cid, admin = certification["id"], coop_factory.admin

    verified = coop_factory.decide_certification(cid, "verify")
    verify_again = coop_factory.decide_certification(cid, "verify")
    reject_verified = coop_factory.decide_certification(cid, "reject", "late")
    revoked = coop_factory.decide_certification(cid, "revoke", "Inspection négative")
    revive = coop_factory.decide_certification(cid, "verify")

    assert verified.status_code == 200 and verified.json["decided_by"] == admin.id and verified.json["decided_at"]
    assert [verify_again.status_code, reject_verified.status_code, revive.status_code] == [409, 409, 409]
    assert revoked.json["status"] == "revoked" and revoked.json["reason"] == "Inspection négative"
    history = client.get(f"{API}/admin/audit-log", query_string={"entity_type": "certifications", "entity_id": cid},
                         headers=admin.headers).json["items"]
    assert [(e["from_state"], e["to_state"]) for e in reversed(history)] == [
        (None, "submitted"), ("submitted", "verified"), ("verified", "revoked")]


def test_a_certificate_already_expired_cannot_be_verified(coop_factory, table_counts):
    cooperative, manager = coop_factory.verified()
    certification = coop_factory.certification(manager, cooperative["id"], issued_on="2015-01-01",
                                               expires_on=days(-1))
    before = table_counts()

    response = coop_factory.decide_certification(certification["id"], "verify")

    assert response.status_code == 409 and response.json["error"]["code"] == "certificate_expired"
    assert table_counts() == before


def test_a_certificate_expires_the_day_after_its_expiry_date_without_any_job(client, coop_factory, time_machine):
    cooperative, manager = coop_factory.verified()
    certification = coop_factory.verified_certification(manager, cooperative["id"], expires_on=days(10))
    url = f"{API}/certifications/verify"

    time_machine.move_to(now() + timedelta(days=10))
    on_the_day = client.get(url, query_string={"number": certification["number"]}).json
    time_machine.move_to(now() + timedelta(days=1))
    the_day_after = client.get(url, query_string={"number": certification["number"]}).json
    queue = client.get(f"{API}/admin/certifications", query_string={"status": "expired"},
                       headers=coop_factory.admin.headers).json

    assert on_the_day["status"] == "verified"
    assert the_day_after["status"] == "expired"
    assert [c["id"] for c in queue["items"]] == [certification["id"]]


def test_certification_signals_carry_the_transition_after_the_commit(coop_factory):
    cooperative, manager = coop_factory.verified()
    certification = coop_factory.certification(manager, cooperative["id"])
    seen = []

    def on_status(sender, from_state, to_state):
        seen.append((sender.id, from_state, to_state))

    with signals.certification_status_changed.connected_to(on_status):
        coop_factory.decide_certification(certification["id"], "verify")
        coop_factory.decide_certification(certification["id"], "revoke", "fraud")

    assert seen == [(certification["id"], "submitted", "verified"), (certification["id"], "verified", "revoked")]


@pytest.mark.parametrize("role, status", [("buyer", 403), ("cooperative", 403), (None, 401)])
def test_certification_admin_routes_are_for_admins(client, coop_factory, users, role, status, table_counts):
    cooperative, manager = coop_factory.verified()
    certification = coop_factory.certification(manager, cooperative["id"])
    headers = users.new(role).headers if role else {}
    before = table_counts()

    assert client.get(f"{API}/admin/certifications", headers=headers).status_code == status
    assert client.post(f"{API}/admin/certifications/{certification['id']}/decision", json={"decision": "verify"},
                       headers=headers).status_code == status
    assert table_counts() == before


@pytest.mark.parametrize("body", [{"decision": "approve"}, {"decision": None}, {"reason": "x"}, "verify"])
def test_malformed_certification_decisions_are_422(client, coop_factory, body):
    cooperative, manager = coop_factory.verified()
    certification = coop_factory.certification(manager, cooperative["id"])
    response = client.post(f"{API}/admin/certifications/{certification['id']}/decision", json=body,
                           headers=coop_factory.admin.headers)
    assert response.status_code == 422


# --- the public check --------------------------------------------------------------------------------------------

def test_the_public_check_tells_the_holder_kind_status_and_expiry(client, coop_factory):
    cooperative, manager = coop_factory.verified(region="casablanca-settat")
    certification = coop_factory.verified_certification(manager, cooperative["id"], number="AS.13.241.2018",
                                                        expires_on=None)

    response = client.get(f"{API}/certifications/verify", query_string={"number": " as.13.241.2018 "})

    assert response.status_code == 200
    assert response.json == {"number": certification["number"], "kind": "onssa_authorization", "status": "verified",
                             "expires_on": None, "cooperative": {"id": cooperative["id"], "name": cooperative["name"],
                                                                 "region": "casablanca-settat"}}


def test_the_public_check_prefers_the_verified_row_when_a_number_is_shared(client, coop_factory):
    honest, honest_manager = coop_factory.verified()
    other, other_manager = coop_factory.verified()
    rejected_copy = coop_factory.certification(other_manager, other["id"], number="AS.77.001")
    coop_factory.decide_certification(rejected_copy["id"], "reject", "Numéro d'un autre établissement")
    coop_factory.verified_certification(honest_manager, honest["id"], number="AS.77.001")

    response = client.get(f"{API}/certifications/verify", query_string={"number": "AS.77.001"})

    assert response.json["status"] == "verified" and response.json["cooperative"]["id"] == honest["id"]


@pytest.mark.parametrize("query, status", [({"number": "NOPE.0000"}, 404), ({}, 422), ({"number": ""}, 422),
                                           ({"number": "x" * 61}, 422)])
def test_the_public_check_of_an_unknown_or_missing_number(client, query, status):
    response = client.get(f"{API}/certifications/verify", query_string=query)
    assert response.status_code == status
    assert "error" in response.json


# --- the expiring-soon command -----------------------------------------------------------------------------------

def test_the_cli_lists_certifications_expiring_within_the_days_sorted_by_date(app, coop_factory):
    cooperative, manager = coop_factory.verified(name="Coopérative Tafyoucht")
    coop_factory.verified_certification(manager, cooperative["id"], number="LATER.001", expires_on=days(25))
    coop_factory.verified_certification(manager, cooperative["id"], number="SOON.001", kind="organic",
                                        expires_on=days(3))
    coop_factory.verified_certification(manager, cooperative["id"], number="FAR.001", expires_on=days(90))
    coop_factory.certification(manager, cooperative["id"], number="PENDING.001", expires_on=days(5))

    result = app.test_cli_runner().invoke(args=["certifications", "expiring", "--days", "30"])

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split()[-1] for line in lines] == ["SOON.001", "LATER.001"]
    assert lines[0] == f"{days(3)}  Coopérative Tafyoucht  organic  SOON.001"


def test_the_cli_says_so_when_nothing_expires(app):
    result = app.test_cli_runner().invoke(args=["certifications", "expiring", "--days", "30"])
    assert result.output.strip() == "No certification expires within 30 days."
