"""Translated text: {"fr", "ar", "en"}, at least one of fr or ar; display_name by Accept-Language."""
from __future__ import annotations

from flask import g, has_request_context, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

LANGUAGES = ("fr", "ar", "en")
FALLBACK_ORDER = ("fr", "ar", "en")


class TranslatedSchema(Schema):
    fr = fields.String(validate=validate.Length(max=5000))
    ar = fields.String(validate=validate.Length(max=5000))
    en = fields.String(validate=validate.Length(max=5000))

    @validates_schema
    def needs_french_or_arabic(self, data, **kwargs):
        if not (data.get("fr") or "").strip() and not (data.get("ar") or "").strip():
            raise ValidationError("Give at least a French (fr) or Arabic (ar) text.", "_schema")


def preferred_language() -> str | None:
    """`g.language` when a route set one (e.g. search's `lang`), else the best match of Accept-Language."""
    if not has_request_context():
        return None
    if "accepted_language" not in g:  # asked once per text shown: parse the header once per request
        g.accepted_language = request.accept_languages.best_match(LANGUAGES)
    return g.get("language") or g.accepted_language


def pick(text: dict[str, str] | None, language: str | None = None) -> str:
    """The text in the asked language, else the first of fr → ar → en that is present."""
    if not text:
        return ""
    language = language or preferred_language()
    for lang in ((language,) if language else ()) + FALLBACK_ORDER:
        if text.get(lang):
            return text[lang]
    return ""
