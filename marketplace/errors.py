"""The one error shape of the API: {"error": {"code", "message", "details"}}.

Packages raise `AppError` subclasses carrying a code (a `str` Enum member or a plain string); the handlers
registered here turn those, and every HTTP or unexpected exception, into that shape.
"""
from __future__ import annotations

import logging
from enum import Enum, StrEnum
from typing import Any

from flask import Flask, jsonify
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class MarketplaceError(StrEnum):
    """The codes of marketplace/: HTTP-level errors, accounts and tokens, state changes, exchange rates."""

    BAD_REQUEST = "bad_request"
    MALFORMED_JSON = "malformed_json"
    AUTHENTICATION_REQUIRED = "authentication_required"
    UNAUTHORIZED = "unauthorized"
    INVALID_TOKEN = "invalid_token"
    INVALID_CREDENTIALS = "invalid_credentials"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    EMAIL_TAKEN = "email_taken"
    INVALID_TRANSITION = "invalid_transition"
    EXCHANGE_RATE_MISSING = "exchange_rate_missing"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    VALIDATION_ERROR = "validation_error"
    INVALID_VALUE = "invalid_value"
    RATE_LIMITED = "rate_limited"
    INTERNAL_ERROR = "internal_error"


class AppError(Exception):
    status = 400
    default_code: str = MarketplaceError.BAD_REQUEST

    def __init__(self, code: str | Enum | None = None, message: str = "", details: dict[str, Any] | None = None,
                 *, status: int | None = None):
        super().__init__(message)
        self.code = str(code.value if isinstance(code, Enum) else (code or self.default_code))
        self.message = message or self.code.replace("_", " ")
        self.details = details or {}
        if status is not None:
            self.status = status


class BadRequest(AppError):
    status, default_code = 400, MarketplaceError.BAD_REQUEST


class Unauthorized(AppError):
    status, default_code = 401, MarketplaceError.UNAUTHORIZED


class Forbidden(AppError):
    status, default_code = 403, MarketplaceError.FORBIDDEN


class NotFound(AppError):
    status, default_code = 404, MarketplaceError.NOT_FOUND


class Conflict(AppError):
    status, default_code = 409, MarketplaceError.CONFLICT


class PayloadTooLarge(AppError):
    status, default_code = 413, MarketplaceError.PAYLOAD_TOO_LARGE


class UnsupportedMediaType(AppError):
    status, default_code = 415, MarketplaceError.UNSUPPORTED_MEDIA_TYPE


class ValidationFailed(AppError):
    """422; `details` maps each bad field to its list of messages."""
    status, default_code = 422, MarketplaceError.VALIDATION_ERROR


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"description": "stable code; each package's errors.py lists its own"})
    message = fields.String(required=True, metadata={"description": "for people; may change"})
    details = fields.Dict(required=True, metadata={
        "description": "422: the messages of each bad field; otherwise facts about the refusal (may be empty)"})


class ErrorSchema(Schema):
    """What every error response carries; the OpenAPI document uses it for every documented error."""

    error = fields.Nested(ErrorBodySchema, required=True)


def error_response(status: int, code: str, message: str, details: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


_HTTP_CODES = {
    400: MarketplaceError.BAD_REQUEST, 401: MarketplaceError.UNAUTHORIZED, 403: MarketplaceError.FORBIDDEN,
    404: MarketplaceError.NOT_FOUND, 405: MarketplaceError.METHOD_NOT_ALLOWED, 409: MarketplaceError.CONFLICT,
    413: MarketplaceError.PAYLOAD_TOO_LARGE, 415: MarketplaceError.UNSUPPORTED_MEDIA_TYPE,
    422: MarketplaceError.VALIDATION_ERROR, 429: MarketplaceError.RATE_LIMITED,
}


def _field_messages(messages: dict) -> dict:
    """webargs nests messages under the request location ("json", "query", "form", "files"); callers want fields."""
    details: dict = {}
    for location, errors in messages.items():
        if isinstance(errors, dict):
            details.update(errors)
        else:
            details[location] = errors
    return details


def handle_app_error(error: AppError):
    return error_response(error.status, error.code, error.message, error.details)


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    if status >= 500:
        return handle_unexpected(error)
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if status == 400 and messages:
        return error_response(400, MarketplaceError.MALFORMED_JSON, "The request body is not valid JSON.")
    if status == 422 and messages:
        return error_response(422, MarketplaceError.VALIDATION_ERROR, "Some fields are invalid.", _field_messages(messages))
    message = {
        404: "No such resource.",
        405: "This method is not allowed here.",
        413: "The request body is too large.",
        429: "Too many attempts; wait a minute and try again.",
    }.get(status, error.description or error.name)
    response = error_response(status, _HTTP_CODES.get(status, error.name.lower().replace(" ", "_")), message)
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_unexpected(error: Exception):
    log.exception("Unhandled error", exc_info=error)
    return error_response(500, MarketplaceError.INTERNAL_ERROR, "Something went wrong on our side; it has been logged.")


def handle_integrity_error(error: Exception):
    """A unique or foreign-key constraint caught a race the service checks did not see first: logged with the
    constraint's name (a 409 that keeps happening is a missing check), answered 409."""
    from marketplace.extensions import db

    db.session.rollback()
    log.warning("integrity error on constraint %s: %s", constraint_name(error), getattr(error, "orig", error))
    return error_response(409, MarketplaceError.CONFLICT, "This conflicts with existing data; reload and try again.")


def constraint_name(error: Exception) -> str:
    """The violated constraint as the database names it (PostgreSQL), else the driver's message (SQLite)."""
    original = getattr(error, "orig", error)
    name = getattr(getattr(original, "diag", None), "constraint_name", None)
    return name or str(original).splitlines()[0]


def handle_data_error(error: Exception):
    """A value the database cannot store (e.g. a NUL character for PostgreSQL) that validation let through."""
    from marketplace.extensions import db

    db.session.rollback()
    return error_response(422, MarketplaceError.INVALID_VALUE, "A value in the request cannot be stored or searched.")


def register_error_handlers(app: Flask) -> None:
    from sqlalchemy.exc import DataError, IntegrityError

    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(Exception, handle_unexpected)
