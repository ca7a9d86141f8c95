"""Request and response schemas of cooperatives, members and unions, and the field types and checks they share
with the certifications' schemas (`cooperatives.certification_schemas`)."""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from cooperatives import validators
from cooperatives.models import (COOPERATIVE_STATUSES, DISTRIBUTION_POLICIES, GENDERS, LEGAL_FORMS, MEMBER_ROLES,
                                 PAYOUT_METHODS, REGIONS, SECTORS, CertificationStatus, CooperativeStatus)
from marketplace.clock import today
from marketplace.i18n import LANGUAGES, TranslatedSchema, pick
from marketplace.ids import Id
from marketplace.pagination import PageArgsSchema, page_schema

COOPERATIVE_DECISIONS = ("verify", "reject", "suspend", "reinstate")
MAX_BPS = 10_000


class Text(fields.String):
    """A string with surrounding whitespace removed."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Ice(fields.String):
    """A Moroccan ICE, checked with its control digits, loaded as 15 digits."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return validators.normalize_ice(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as error:
            raise ValidationError(str(error)) from None


class PhoneNumber(fields.String):
    """A valid phone number (Moroccan when written without a country code), loaded as E.164."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return validators.normalize_phone(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as error:
            raise ValidationError(str(error)) from None


def not_in_future(day: date) -> None:
    if day > today():
        raise ValidationError("Cannot be in the future.")


def plausible_date(day: date) -> None:
    if day.year < 1900:
        raise ValidationError("Give a date after 1900.")
    not_in_future(day)


def plausible_birth_year(year: int) -> None:
    youngest = validators.youngest_birth_year()
    if not 1900 <= year <= youngest:
        raise ValidationError(f"Give a year between 1900 and {youngest} (members are at least "
                              f"{validators.MIN_MEMBER_AGE}).")


def effective_status_today(certification) -> str:
    return certification.effective_status(today())


def reason_needed(data: dict, *, unless: str) -> None:
    if data["decision"] != unless and not (data.get("reason") or "").strip():
        raise ValidationError("Give a reason for this decision.", "reason")


# --- cooperatives -----------------------------------------------------------------------------------------------

class Rib(fields.String):
    """A Moroccan RIB, checked with its key, loaded as 24 digits."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return validators.normalize_rib(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as error:
            raise ValidationError(str(error)) from None


class CooperativeCreateSchema(Schema):
    name = Text(required=True, validate=validate.Length(min=2, max=200))
    legal_form = fields.String(load_default="cooperative", validate=validate.OneOf(LEGAL_FORMS))
    registration_number = Text(required=True, validate=validate.Regexp(
        validators.REGISTRATION_NUMBER_PATTERN, error="Letters, digits, spaces, dots, slashes and dashes (≤ 60)."))
    ice = Ice(required=True, metadata={"description": "15 digits whose last 2 are control digits (mod 97)"})
    region = fields.String(required=True, validate=validate.OneOf(REGIONS))
    province = Text(required=True, validate=validate.Length(min=2, max=100))
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    founded_on = fields.Date(required=True, validate=plausible_date)
    description = fields.Nested(TranslatedSchema, required=True)
    contact_email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = PhoneNumber(load_default=None, allow_none=True)
    distribution_policy = fields.String(load_default="contribution", validate=validate.OneOf(DISTRIBUTION_POLICIES))
    bank_account = Rib(load_default=None, allow_none=True, metadata={
        "description": "the cooperative's RIB (24 digits), where settlement runs pay its reserve"})


class CooperativeUpdateSchema(CooperativeCreateSchema):
    """Every field optional (load it with partial=True); the rates are for administrators only."""

    commission_bps = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_BPS))
    reserve_bps = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_BPS))


class CooperativeListArgsSchema(PageArgsSchema):
    region = fields.String(validate=validate.OneOf(REGIONS))
    sector = fields.String(validate=validate.OneOf(SECTORS))
    legal_form = fields.String(validate=validate.OneOf(LEGAL_FORMS))
    q = Text(validate=validate.Length(min=1, max=100))
    status = fields.String(validate=validate.OneOf(COOPERATIVE_STATUSES), metadata={"description": "admins only"})


class CooperativeQueueArgsSchema(PageArgsSchema):
    status = fields.String(load_default=CooperativeStatus.PENDING.value, validate=validate.OneOf(COOPERATIVE_STATUSES))


class CooperativeDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(COOPERATIVE_DECISIONS))
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def reason_is_required_except_to_verify(self, data, **kwargs):
        reason_needed(data, unless="verify")


class ManagerInviteSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class UnionMembershipSchema(Schema):
    union_id = Id(required=True, allow_none=True,
                  metadata={"description": "the union to ask to join (202, a join request); null leaves (200)"})


class CooperativeRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    region = fields.String()


class CertificationSummarySchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    number = fields.String()
    status = fields.Function(effective_status_today, metadata={"type": "string"})
    expires_on = fields.Date(allow_none=True)


class CooperativeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    legal_form = fields.String()
    registration_number = fields.String()
    ice = fields.String()
    region = fields.String()
    province = fields.String()
    sector = fields.String()
    founded_on = fields.Date(allow_none=True)
    description = fields.Dict(keys=fields.String(), values=fields.String())
    display_description = fields.Function(lambda cooperative: pick(cooperative.description),
                                          metadata={"type": "string"})
    contact_email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    status = fields.String()
    union_id = fields.Integer(allow_none=True)
    commission_bps = fields.Integer()
    reserve_bps = fields.Integer()
    distribution_policy = fields.String()
    bank_account = fields.Function(lambda cooperative: validators.mask_account(cooperative.bank_account),
                                   allow_none=True, metadata={"type": "string", "description": "masked (•••• 1234)"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    verified_at = fields.DateTime(allow_none=True)
    certifications = fields.Method("valid_certifications", metadata={
        "type": "array", "items": {"type": "object"}, "description": "verified certifications in force"})

    def valid_certifications(self, cooperative) -> list[dict]:
        day = today()
        valid = [c for c in cooperative.certifications if c.effective_status(day) == CertificationStatus.VERIFIED]
        return CertificationSummarySchema(many=True).dump(valid)


class CooperativeDetailSchema(CooperativeSchema):
    member_cooperatives = fields.Method("verified_member_cooperatives", metadata={
        "type": "array", "items": {"type": "object"}, "description": "for a union: its verified members"})

    def verified_member_cooperatives(self, cooperative) -> list[dict]:
        members = [member for member in cooperative.member_cooperatives if member.is_verified]
        return CooperativeRefSchema(many=True).dump(members)


# --- held changes of legal identifiers ----------------------------------------------------------------------------

class CooperativeChangeSchema(Schema):
    id = fields.Integer()
    cooperative_id = fields.Integer()
    changes = fields.Dict(keys=fields.String(), values=fields.String(),
                          metadata={"description": "the legal identifiers as corrected"})
    current = fields.Dict(keys=fields.String(), values=fields.String(),
                          metadata={"description": "the values in force until the change is approved"})
    status = fields.String(metadata={"enum": ["pending", "approved", "rejected"]})
    requested_by = fields.Integer(attribute="requested_by_id", allow_none=True)
    decided_by = fields.Integer(attribute="decided_by_id", allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class EditedCooperativeSchema(CooperativeDetailSchema):
    pending_change = fields.Nested(CooperativeChangeSchema, allow_none=True, metadata={
        "description": "the held change of legal identifiers (202), or null when everything applied (200)"})


class ChangeQueueArgsSchema(PageArgsSchema):
    status = fields.String(load_default="pending", validate=validate.OneOf(["pending", "approved", "rejected"]))


class ChangeDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def reason_is_required_to_reject(self, data, **kwargs):
        reason_needed(data, unless="approve")


# --- union join requests ------------------------------------------------------------------------------------------

class JoinRequestSchema(Schema):
    id = fields.Integer()
    cooperative = fields.Nested(CooperativeRefSchema)
    union_id = fields.Integer()
    status = fields.String(metadata={"enum": ["pending", "accepted", "refused", "withdrawn"]})
    requested_by = fields.Integer(attribute="requested_by_id", allow_none=True)
    decided_by = fields.Integer(attribute="decided_by_id", allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class JoinRequestArgsSchema(PageArgsSchema):
    status = fields.String(load_default="pending",
                           validate=validate.OneOf(["pending", "accepted", "refused", "withdrawn"]))


class JoinDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["accept", "refuse"]))
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def reason_is_required_to_refuse(self, data, **kwargs):
        reason_needed(data, unless="accept")


class ManagerSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    full_name = fields.String()


class ManagersSchema(Schema):
    cooperative_id = fields.Integer(attribute="id")
    managers = fields.List(fields.Nested(ManagerSchema))


# --- members ----------------------------------------------------------------------------------------------------

class MemberCreateSchema(Schema):
    full_name = Text(required=True, validate=validate.Length(min=2, max=200))
    gender = fields.String(required=True, validate=validate.OneOf(GENDERS))
    birth_year = fields.Integer(required=True, strict=True, validate=plausible_birth_year)
    role = fields.String(load_default="member", validate=validate.OneOf(MEMBER_ROLES))
    joined_on = fields.Date(required=True, validate=plausible_date)
    capital_shares = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=1_000_000))
    payout_method = fields.String(required=True, validate=validate.OneOf(PAYOUT_METHODS))
    payout_account = Text(load_default=None, allow_none=True, validate=validate.Length(max=64), metadata={
        "description": "a RIB (24 digits) for bank_transfer, a phone number for mobile_wallet, none for cash"})
    phone = PhoneNumber(load_default=None, allow_none=True, metadata={
        "description": "a mobile number receives an SMS when a payout is sent to the member"})
    language = fields.String(load_default="fr", validate=validate.OneOf(LANGUAGES),
                             metadata={"description": "the language of the member's SMS: fr, ar or en"})


class MemberUpdateSchema(MemberCreateSchema):
    """Every field optional (load it with partial=True)."""


class MemberListArgsSchema(PageArgsSchema):
    include_left = fields.Boolean(load_default=False)


class MemberSchema(Schema):
    id = fields.Integer()
    cooperative_id = fields.Integer()
    full_name = fields.String()
    gender = fields.String()
    birth_year = fields.Integer()
    role = fields.String()
    joined_on = fields.Date()
    left_on = fields.Date(allow_none=True)
    capital_shares = fields.Integer()
    payout_method = fields.String()
    payout_account = fields.String(allow_none=True, metadata={"description": "masked (•••• 1234) except for managers"})
    phone = fields.String(allow_none=True, metadata={"description": "masked (•••• 5678) except for managers"})
    language = fields.String()


CooperativePageSchema = page_schema(CooperativeSchema, "CooperativePage")
CooperativeChangePageSchema = page_schema(CooperativeChangeSchema, "CooperativeChangePage")
JoinRequestPageSchema = page_schema(JoinRequestSchema, "JoinRequestPage")
MemberPageSchema = page_schema(MemberSchema, "MemberPage")
