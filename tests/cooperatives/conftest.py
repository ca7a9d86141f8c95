"""`coop_factory`: cooperatives, members and certifications built through the HTTP API (bodies from tests.factories)."""
from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from cooperatives import validators
from cooperatives.demo import tiny_pdf
from tests.factories import (  # noqa: F401  (the package's tests import these from here)
    certification_form,
    cooperative_body,
    jpeg_bytes,
    member_body,
    png_bytes,
    unique_ice,
    valid_rib,
)

API = "/api/v1"


class CooperativeFactory:
    """Builds cooperatives, members and certifications over HTTP; one admin does the verifying."""

    def __init__(self, client, users, private_root: Path):
        self.client, self.users, self.private_root = client, users, private_root

    @property
    def admin(self):
        return self.users.shared_admin()

    def create(self, manager=None, **overrides) -> tuple[dict, object]:
        manager = manager or self.users.cooperative()
        response = self.client.post(f"{API}/cooperatives", json=cooperative_body(**overrides), headers=manager.headers)
        assert response.status_code == 201, response.json
        return response.json, manager

    def decide(self, cooperative_id: int, decision: str, reason: str | None = None) -> dict:
        response = self.client.post(f"{API}/admin/cooperatives/{cooperative_id}/decision",
                                    json={"decision": decision, "reason": reason}, headers=self.admin.headers)
        assert response.status_code == 200, response.json
        return response.json

    def verified(self, manager=None, **overrides) -> tuple[dict, object]:
        cooperative, manager = self.create(manager, **overrides)
        return self.decide(cooperative["id"], "verify"), manager

    def add_member(self, manager, cooperative_id: int, **overrides) -> dict:
        response = self.client.post(f"{API}/cooperatives/{cooperative_id}/members", json=member_body(**overrides),
                                    headers=manager.headers)
        assert response.status_code == 201, response.json
        return response.json

    def submit(self, manager, cooperative_id: int, *, document: bytes | None = None, filename: str = "onssa.pdf",
               content_type: str = "application/pdf", **fields):
        data = {name: value for name, value in certification_form(**fields).items() if value is not None}
        data["document"] = (io.BytesIO(tiny_pdf("test") if document is None else document), filename, content_type)
        return self.client.post(f"{API}/cooperatives/{cooperative_id}/certifications", data=data,
                                content_type="multipart/form-data", headers=manager.headers)

    def certification(self, manager, cooperative_id: int, **fields) -> dict:
        response = self.submit(manager, cooperative_id, **fields)
        assert response.status_code == 201, response.json
        return response.json

    def decide_certification(self, certification_id: int, decision: str, reason: str | None = None):
        return self.client.post(f"{API}/admin/certifications/{certification_id}/decision",
                                json={"decision": decision, "reason": reason}, headers=self.admin.headers)

    def verified_certification(self, manager, cooperative_id: int, **fields) -> dict:
        certification = self.certification(manager, cooperative_id, **fields)
        response = self.decide_certification(certification["id"], "verify")
        assert response.status_code == 200, response.json
        return response.json

    def stored_documents(self) -> list[Path]:
        return sorted(p for p in self.private_root.rglob("*") if p.is_file())


@pytest.fixture
def coop_factory(app, client, users) -> CooperativeFactory:
    return CooperativeFactory(client, users, Path(app.config["PRIVATE_MEDIA_ROOT"]))


@pytest.fixture
def table_counts(app):
    """Row counts of the package's tables (and the audit log), to assert that a refused request stored nothing."""
    from sqlalchemy import func, select

    from cooperatives.models import Certification, CertificationProduct, Cooperative, Member, cooperative_managers
    from marketplace.audit import AuditEntry
    from marketplace.extensions import db

    def count() -> dict[str, int]:
        with app.app_context():
            return {table: db.session.scalar(select(func.count()).select_from(table))
                    for table in (Cooperative.__table__, Member.__table__, Certification.__table__,
                                  CertificationProduct.__table__, cooperative_managers, AuditEntry.__table__)}

    return count
