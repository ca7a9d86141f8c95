"""A Blueprint that reads one schema from a multipart body's fields and files together.

flask-smorest documents a single request body per view, and webargs reads `form` and `files` separately; the
`form_and_files` location gives both one schema, validated (unknown parts refused) and documented as
multipart/form-data.
"""
from __future__ import annotations

import flask_smorest
from marshmallow import ValidationError, fields
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict, FileStorage

LOCATION = "form_and_files"


class MultipartParser(FlaskParser):
    __location_map__ = {**FlaskParser.__location_map__, LOCATION: "load_form_and_files"}
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, LOCATION: None}

    def load_form_and_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             LOCATION: "multipart/form-data"}


class Upload(fields.Raw):
    """A file part of a multipart body (a plain text part is refused)."""

    def __init__(self, **kwargs):
        super().__init__(metadata={"type": "string", "format": "binary", **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise ValidationError("Send a file.")
        return value
