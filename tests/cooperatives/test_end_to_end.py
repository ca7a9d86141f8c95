"""The whole verification story over HTTP, as the cooperative, the administrator and a buyer live it."""
from datetime import timedelta

from cooperatives import validators
from cooperatives.demo import tiny_pdf
from marketplace.clock import now
from tests.cooperatives.conftest import API, cooperative_body, member_body, valid_rib


def test_a_cooperative_is_registered_verified_and_certified_and_the_public_learns_the_truth(
        client, users, coop_factory, time_machine):
    fatima, admin, buyer = users.cooperative(), users.admin(), users.buyer()
    coop_factory._admin = admin

    # Fatima registers her harissa cooperative, adds members and submits two ONSSA authorisations.
    cooperative = client.post(f"{API}/cooperatives", json=cooperative_body(
        name="Coopérative Féminine Oued Maleh", region="casablanca-settat", province="Mohammedia",
        sector="food_processing"), headers=fatima.headers).json
    cid = cooperative["id"]
    assert cooperative["status"] == "pending"
    rib = valid_rib()
    president = client.post(f"{API}/cooperatives/{cid}/members", json=member_body(
        full_name="Fatima Zahra Aït Ali", role="president", payout_account=rib), headers=fatima.headers)
    client.post(f"{API}/cooperatives/{cid}/members", json=member_body(
        full_name="Naima Ouchen", birth_year=2001, payout_method="mobile_wallet", payout_account="0661234567"),
        headers=fatima.headers)
    assert president.status_code == 201
    good = coop_factory.certification(fatima, cid, number="AS.13.241.2018", issued_on="2018-04-10",
                                      expires_on=(validators.today() + timedelta(days=20)).isoformat())
    blurry = coop_factory.certification(fatima, cid, number="AS.13.999.2020", issued_on="2020-01-01",
                                        document=tiny_pdf("blurry"))

    # The administrator finds both in the queues.
    pending = client.get(f"{API}/admin/cooperatives", query_string={"status": "pending"}, headers=admin.headers).json
    submitted = client.get(f"{API}/admin/certifications", query_string={"status": "submitted"},
                           headers=admin.headers).json
    assert [c["id"] for c in pending["items"]] == [cid]
    assert [c["id"] for c in submitted["items"]] == [good["id"], blurry["id"]]
    assert client.get(f"{API}/certifications/{good['id']}/document", headers=admin.headers).status_code == 200

    # She verifies the cooperative, rejects one certification (a reason is required) and verifies the other.
    verified = client.post(f"{API}/admin/cooperatives/{cid}/decision", json={"decision": "verify"},
                           headers=admin.headers)
    no_reason = client.post(f"{API}/admin/certifications/{blurry['id']}/decision", json={"decision": "reject"},
                            headers=admin.headers)
    rejected = client.post(f"{API}/admin/certifications/{blurry['id']}/decision",
                           json={"decision": "reject", "reason": "Document illisible"}, headers=admin.headers)
    accepted = client.post(f"{API}/admin/certifications/{good['id']}/decision", json={"decision": "verify"},
                           headers=admin.headers)
    assert verified.json["status"] == "verified"
    assert no_reason.status_code == 422 and "reason" in no_reason.json["error"]["details"]
    assert rejected.json["status"] == "rejected" and accepted.json["status"] == "verified"

    # A buyer checks the numbers: the verified one, the rejected one and an unknown one.
    check = client.get(f"{API}/certifications/verify", query_string={"number": "AS.13.241.2018"},
                       headers=buyer.headers).json
    assert check["status"] == "verified"
    assert check["cooperative"] == {"id": cid, "name": "Coopérative Féminine Oued Maleh",
                                    "region": "casablanca-settat"}
    assert client.get(f"{API}/certifications/verify",
                      query_string={"number": "AS.13.999.2020"}).json["status"] == "rejected"
    assert client.get(f"{API}/certifications/verify", query_string={"number": "AS.00.000.0000"}).status_code == 404
    public = client.get(f"{API}/cooperatives/{cid}").json
    assert [c["number"] for c in public["certifications"]] == ["AS.13.241.2018"]

    # Another cooperative's manager reads none of the private data.
    _, khadija = coop_factory.verified()
    for url in (f"{API}/cooperatives/{cid}/members", f"{API}/certifications/{good['id']}/document"):
        assert client.get(url, headers=khadija.headers).status_code == 404
    assert client.patch(f"{API}/cooperatives/{cid}", json={"name": "Coopérative Pirate"},
                        headers=khadija.headers).status_code == 404
    seen_by_khadija = client.get(f"{API}/cooperatives/{cid}/certifications", headers=khadija.headers).json
    assert {c["status"] for c in seen_by_khadija["items"]} == {"verified"}
    # and the manager sees the RIB while the administrator sees it masked
    ribs = {m["payout_account"] for m in
            client.get(f"{API}/cooperatives/{cid}/members", headers=fatima.headers).json["items"]}
    masked = {m["payout_account"] for m in
              client.get(f"{API}/cooperatives/{cid}/members", headers=admin.headers).json["items"]}
    assert rib in ribs and f"•••• {rib[-4:]}" in masked and rib not in masked

    # Three weeks later the certificate has expired, and the public check says so.
    time_machine.move_to(now() + timedelta(days=21))
    assert client.get(f"{API}/certifications/verify",
                      query_string={"number": "AS.13.241.2018"}).json["status"] == "expired"
    assert client.get(f"{API}/cooperatives/{cid}").json["certifications"] == []

    # Every decision is in the audit log.
    def audit(entity_type, entity_id):
        return [(e["from_state"], e["to_state"], e["reason"], e["actor_id"]) for e in reversed(client.get(
            f"{API}/admin/audit-log", query_string={"entity_type": entity_type, "entity_id": entity_id},
            headers=admin.headers).json["items"])]

    assert audit("cooperatives", cid) == [(None, "pending", "registered", fatima.id),
                                          ("pending", "verified", None, admin.id)]
    assert audit("certifications", blurry["id"]) == [(None, "submitted", "submitted", fatima.id),
                                                      ("submitted", "rejected", "Document illisible", admin.id)]
    assert audit("certifications", good["id"])[-1] == ("submitted", "verified", None, admin.id)
