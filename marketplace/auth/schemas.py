import phonenumbers
from marshmallow import Schema, ValidationError, fields, validate

from marketplace.auth.models import Role
from marketplace.i18n import LANGUAGES


class PhoneNumber(fields.String):
    """A valid phone number (Moroccan when written without a country code), loaded as E.164."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            number = phonenumbers.parse(text, "MA")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise ValidationError("Give a valid phone number: 06… in Morocco, or +country code abroad.")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def language_field(**kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(LANGUAGES), metadata={
        "description": "the language of messages and documents sent to this user: fr, ar or en"}, **kwargs)


class RegisterSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=128))
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf([Role.BUYER, Role.COOPERATIVE]))
    language = language_field(load_default="fr")
    phone = PhoneNumber(load_default=None, allow_none=True)


class ProfileUpdateSchema(Schema):
    language = language_field(required=True)
    phone = PhoneNumber(allow_none=True)


class CredentialsSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    full_name = fields.String()
    role = fields.String()
    language = fields.String()
    phone = fields.String(allow_none=True)
    created_at = fields.DateTime()


class MeSchema(UserSchema):
    cooperative_ids = fields.List(fields.Integer())


class TokenSchema(Schema):
    token = fields.String()
    expires_at = fields.DateTime()
    user = fields.Nested(MeSchema)
