"""Request and response schemas of certifications: submission, the review queue, decisions, the public check."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema
from webargs.fields import DelimitedList

from cooperatives import validators
from cooperatives.models import CERTIFICATION_KINDS, CERTIFICATION_STATUSES, CertificationStatus
from cooperatives.multipart import Upload
from cooperatives.schemas import CooperativeRefSchema, Text, effective_status_today, plausible_date, reason_needed
from marketplace.ids import Id
from marketplace.pagination import PageArgsSchema, page_schema

CERTIFICATION_DECISIONS = ("verify", "reject", "revoke")


class CertificationSubmissionSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(CERTIFICATION_KINDS))
    number = Text(required=True, validate=validate.Regexp(
        validators.CERTIFICATE_NUMBER_PATTERN, error="4 to 40 letters, digits, dots, dashes or slashes."))
    issuer = Text(required=True, validate=validate.Length(min=2, max=200))
    issued_on = fields.Date(required=True, validate=plausible_date)
    expires_on = fields.Date(load_default=None, allow_none=True)
    product_ids = DelimitedList(Id(strict=False), load_default=list,
                                metadata={"description": "comma-separated product ids; empty = all products"})
    document = Upload(required=True, metadata={"description": "PDF, JPEG or PNG, at most 10 MB"})

    @pre_load
    def blank_optional_fields_are_absent(self, data, **kwargs):
        """An HTML form sends empty optional fields as empty strings."""
        return {key: value for key, value in data.items()
                if not (key in ("expires_on", "product_ids") and value == "")}

    @validates_schema
    def expires_after_issue(self, data, **kwargs):
        if data.get("expires_on") and data.get("issued_on") and data["expires_on"] <= data["issued_on"]:
            raise ValidationError("Must be after issued_on.", "expires_on")


class CertificationQueueArgsSchema(PageArgsSchema):
    status = fields.String(load_default=CertificationStatus.SUBMITTED.value,
                           validate=validate.OneOf(CERTIFICATION_STATUSES))


class CertificationDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(CERTIFICATION_DECISIONS))
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def reason_is_required_except_to_verify(self, data, **kwargs):
        reason_needed(data, unless="verify")


class CertificateNumberArgsSchema(Schema):
    number = Text(required=True, validate=validate.Length(min=1, max=60))


class CertificationSchema(Schema):
    id = fields.Integer()
    cooperative_id = fields.Integer()
    kind = fields.String()
    number = fields.String()
    issuer = fields.String()
    issued_on = fields.Date()
    expires_on = fields.Date(allow_none=True)
    product_ids = fields.List(fields.Integer())
    status = fields.Function(effective_status_today, metadata={"type": "string", "enum": list(CERTIFICATION_STATUSES)})
    decided_by = fields.Integer(attribute="decided_by_id", allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class QueuedCooperativeSchema(CooperativeRefSchema):
    status = fields.String()


class QueuedCertificationSchema(CertificationSchema):
    cooperative = fields.Nested(QueuedCooperativeSchema)


class CertificateCheckSchema(Schema):
    number = fields.String()
    kind = fields.String()
    status = fields.Function(effective_status_today, metadata={"type": "string"})
    expires_on = fields.Date(allow_none=True)
    cooperative = fields.Nested(CooperativeRefSchema, attribute="holder", allow_none=True,
                                metadata={"description": "the holder, when its cooperative is verified"})


CertificationPageSchema = page_schema(CertificationSchema, "CertificationPage")
QueuedCertificationPageSchema = page_schema(QueuedCertificationSchema, "QueuedCertificationPage")
