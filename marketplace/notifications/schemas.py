from marshmallow import Schema, fields, validate

from marketplace.notifications.models import NotificationStatus
from marketplace.pagination import PageArgsSchema


class MyNotificationSchema(Schema):
    id = fields.Integer()
    event = fields.String()
    channel = fields.String(metadata={"description": "email or sms"})
    recipient = fields.String(metadata={"description": "the e-mail address or the phone number (E.164)"})
    language = fields.String()
    status = fields.String(metadata={"description": "queued, sent or failed (failed messages are retried)"})
    attempts = fields.Integer()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class NotificationSchema(MyNotificationSchema):
    last_error = fields.String(allow_none=True)


class NotificationQuerySchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(list(NotificationStatus)))
    recipient = fields.String(validate=validate.Length(min=1, max=254))
    event = fields.String(validate=validate.Length(min=1, max=60))
