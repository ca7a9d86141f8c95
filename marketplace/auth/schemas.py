from marshmallow import Schema, fields, validate

from marketplace.auth.models import Role


class RegisterSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=128))
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf([Role.BUYER, Role.COOPERATIVE]))


class CredentialsSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    full_name = fields.String()
    role = fields.String()
    created_at = fields.DateTime()


class MeSchema(UserSchema):
    cooperative_ids = fields.List(fields.Integer())


class TokenSchema(Schema):
    token = fields.String()
    expires_at = fields.DateTime()
    user = fields.Nested(MeSchema)
