"""The one error shape of the API: {"error": {"code", "message", "details"}}.

Packages raise `AppError` subclasses carrying a code (a `str` Enum member or a plain string); the handlers
registered here turn those, and every HTTP or unexpected exception, into that shape.
"""
from __future__ import annotations

import logging
from enum import Enum
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    status = 400
    default_code = "bad_request"

    def __init__(self, code: str | Enum | None = None, message: str = "", details: dict[str, Any] | None = None,
                 *, status: int | None = None):
        super().__init__(message)
        self.code = str(code.value if isinstance(code, Enum) else (code or self.default_code))
        self.message = message or self.code.replace("_", " ")
        self.details = details or {}
        if status is not None:
            self.status = status


class BadRequest(AppError):
    status, default_code = 400, "bad_request"


class Unauthorized(AppError):
    status, default_code = 401, "unauthorized"


class Forbidden(AppError):
    status, default_code = 403, "forbidden"


class NotFound(AppError):
    status, default_code = 404, "not_found"


class Conflict(AppError):
    status, default_code = 409, "conflict"


class PayloadTooLarge(AppError):
    status, default_code = 413, "payload_too_large"


class UnsupportedMediaType(AppError):
    status, default_code = 415, "unsupported_media_type"


class ValidationFailed(AppError):
    """422; `details` maps each bad field to its list of messages."""
    status, default_code = 422, "validation_error"


def error_response(status: int, code: str, message: str, details: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
    429: "rate_limited",
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
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    if status == 422 and messages:
        return error_response(422, "validation_error", "Some fields are invalid.", _field_messages(messages))
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
    return error_response(500, "internal_error", "Something went wrong on our side; it has been logged.")


def handle_integrity_error(error: Exception):
    """A unique or foreign-key constraint caught a race the service checks did not see first."""
    from marketplace.extensions import db

    db.session.rollback()
    return error_response(409, "conflict", "This conflicts with existing data; reload and try again.")


def handle_data_error(error: Exception):
    """A value the database cannot store (e.g. a NUL character for PostgreSQL) that validation let through."""
    from marketplace.extensions import db

    db.session.rollback()
    return error_response(422, "invalid_value", "A value in the request cannot be stored or searched.")


def register_error_handlers(app: Flask) -> None:
    from sqlalchemy.exc import DataError, IntegrityError

    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(Exception, handle_unexpected)
