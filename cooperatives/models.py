"""Cooperatives (and unions of cooperatives), their members, managers and certifications."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask import current_app, has_app_context
from sqlalchemy import JSON, Column, ColumnElement, Date, ForeignKey, Integer, String, Table, Text, and_, or_
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.auth.models import User
from marketplace.dbtypes import UTCDateTime, utcnow
from marketplace.extensions import db

LEGAL_FORMS = ("cooperative", "union")


class CooperativeStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


COOPERATIVE_STATUSES = tuple(CooperativeStatus)
# Every move a cooperative's status can make (None: registration); decisions and edits pick theirs from here.
COOPERATIVE_TRANSITIONS: dict[str | None, set[str]] = {
    None: {CooperativeStatus.PENDING},
    CooperativeStatus.PENDING: {CooperativeStatus.VERIFIED, CooperativeStatus.REJECTED},
    # back to review when a legal identifier changes
    CooperativeStatus.VERIFIED: {CooperativeStatus.SUSPENDED, CooperativeStatus.PENDING},
    CooperativeStatus.REJECTED: {CooperativeStatus.PENDING},  # a manager's edit resubmits it
    CooperativeStatus.SUSPENDED: {CooperativeStatus.VERIFIED},
}
DISTRIBUTION_POLICIES = ("contribution", "equal", "shares")
SECTORS = ("agriculture", "argan", "beekeeping", "food_processing", "handicraft", "jewelry", "textile", "livestock",
           "services", "other")
REGIONS = ("tanger-tetouan-al-hoceima", "oriental", "fes-meknes", "rabat-sale-kenitra", "beni-mellal-khenifra",
           "casablanca-settat", "marrakech-safi", "draa-tafilalet", "souss-massa", "guelmim-oued-noun",
           "laayoune-sakia-el-hamra", "dakhla-oued-ed-dahab")

GENDERS = ("female", "male")
MEMBER_ROLES = ("president", "vice_president", "treasurer", "secretary", "member")
PAYOUT_METHODS = ("bank_transfer", "mobile_wallet", "cash")

CERTIFICATION_KINDS = ("onssa_authorization", "onssa_approval", "organic", "igp", "aop", "label_agricole",
                       "fair_trade", "other")
ONSSA_KINDS = ("onssa_authorization", "onssa_approval")
# What people read for each kind, in messages and documents.
CERTIFICATION_KIND_NAMES = {
    "onssa_authorization": {"fr": "Autorisation sanitaire ONSSA", "ar": "الترخيص الصحي ONSSA",
                            "en": "ONSSA sanitary authorisation"},
    "onssa_approval": {"fr": "Agrément sanitaire ONSSA", "ar": "الاعتماد الصحي ONSSA", "en": "ONSSA sanitary approval"},
    "organic": {"fr": "Agriculture biologique", "ar": "الفلاحة البيولوجية", "en": "Organic farming"},
    "igp": {"fr": "Indication géographique protégée (IGP)", "ar": "البيان الجغرافي المحمي", "en": "Protected geographical indication"},
    "aop": {"fr": "Appellation d'origine protégée (AOP)", "ar": "تسمية المنشأ المحمية", "en": "Protected designation of origin"},
    "label_agricole": {"fr": "Label agricole", "ar": "العلامة الفلاحية", "en": "Agricultural label"},
    "fair_trade": {"fr": "Commerce équitable", "ar": "التجارة المنصفة", "en": "Fair trade"},
    "other": {"fr": "Autre certificat", "ar": "شهادة أخرى", "en": "Other certificate"},
}


class CertificationStatus(StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"
    REVOKED = "revoked"
    EXPIRED = "expired"  # never stored: what a verified certificate is the day after its expiry date


CERTIFICATION_STATUSES = tuple(CertificationStatus)
CERTIFICATION_TRANSITIONS: dict[str | None, set[str]] = {
    None: {CertificationStatus.SUBMITTED},
    CertificationStatus.SUBMITTED: {CertificationStatus.VERIFIED, CertificationStatus.REJECTED},
    CertificationStatus.VERIFIED: {CertificationStatus.REVOKED},
}

DEFAULT_RESERVE_BPS = 1000


def effective_status(status: str, expires_on: date | None, today: date) -> str:
    """The stored status, except that a verified certificate past its expiry date is `expired`."""
    if status == CertificationStatus.VERIFIED and expires_on is not None and expires_on < today:
        return CertificationStatus.EXPIRED
    return status


def _platform_commission_bps() -> int:
    return int(current_app.config["PLATFORM_COMMISSION_BPS"]) if has_app_context() else 500


cooperative_managers = Table(
    "cooperative_managers",
    db.metadata,
    Column("cooperative_id", ForeignKey("cooperatives.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Cooperative(db.Model):
    __tablename__ = "cooperatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[str] = mapped_column(String(20), default="cooperative")
    registration_number: Mapped[str] = mapped_column(String(60))
    ice: Mapped[str] = mapped_column(String(15), unique=True)
    region: Mapped[str] = mapped_column(String(40), index=True)
    province: Mapped[str] = mapped_column(String(100))
    sector: Mapped[str] = mapped_column(String(30), index=True)
    founded_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[dict] = mapped_column(JSON, default=dict)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=CooperativeStatus.PENDING.value, index=True)
    union_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id", ondelete="SET NULL"), index=True)
    commission_bps: Mapped[int] = mapped_column(Integer, default=_platform_commission_bps)
    reserve_bps: Mapped[int] = mapped_column(Integer, default=DEFAULT_RESERVE_BPS)
    distribution_policy: Mapped[str] = mapped_column(String(20), default="contribution")
    bank_account: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    managers: Mapped[list[User]] = relationship(secondary=cooperative_managers)
    members: Mapped[list[Member]] = relationship(back_populates="cooperative", order_by="Member.id")
    certifications: Mapped[list[Certification]] = relationship(back_populates="cooperative",
                                                               order_by="Certification.id")
    union: Mapped[Cooperative | None] = relationship(remote_side=[id], back_populates="member_cooperatives")
    member_cooperatives: Mapped[list[Cooperative]] = relationship(back_populates="union", order_by="Cooperative.id")

    @property
    def is_verified(self) -> bool:
        return self.status == CooperativeStatus.VERIFIED

    @property
    def is_union(self) -> bool:
        return self.legal_form == "union"


class Member(db.Model):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    gender: Mapped[str] = mapped_column(String(10))
    birth_year: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20), default="member")
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    capital_shares: Mapped[int] = mapped_column(Integer, default=0)
    payout_method: Mapped[str] = mapped_column(String(20))
    payout_account: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="fr", server_default="fr")  # of the member's SMS

    cooperative: Mapped[Cooperative] = relationship(back_populates="members")

    def is_active_on(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or self.left_on > day)


class CertificationProduct(db.Model):
    """A product a certification covers. No foreign key: products live in a higher package (catalog)."""

    __tablename__ = "certification_products"

    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id", ondelete="CASCADE"),
                                                  primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class Certification(db.Model):
    __tablename__ = "certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    number: Mapped[str] = mapped_column(String(40), index=True)
    issuer: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=CertificationStatus.SUBMITTED.value, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    document_path: Mapped[str] = mapped_column(String(255))
    document_content_type: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    cooperative: Mapped[Cooperative] = relationship(back_populates="certifications")
    product_links: Mapped[list[CertificationProduct]] = relationship(
        cascade="all, delete-orphan", order_by=CertificationProduct.product_id, lazy="selectin")
    product_ids: AssociationProxy[list[int]] = association_proxy(
        "product_links", "product_id", creator=lambda product_id: CertificationProduct(product_id=product_id))

    def effective_status(self, today: date) -> str:
        return effective_status(self.status, self.expires_on, today)

    @classmethod
    def valid_on(cls, today: date) -> ColumnElement[bool]:
        """SQL: verified and not expired on `today`."""
        return and_(cls.status == CertificationStatus.VERIFIED, or_(cls.expires_on.is_(None), cls.expires_on >= today))


class CertificationReminder(db.Model):
    """A reminder sent about a certification's expiry (`30_days`, `7_days`, `expired`): each is sent once."""

    __tablename__ = "certification_reminders"

    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id", ondelete="CASCADE"),
                                                  primary_key=True)
    stage: Mapped[str] = mapped_column(String(10), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
