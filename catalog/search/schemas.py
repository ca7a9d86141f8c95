from typing import Any

from marshmallow import Schema, fields, validate

from catalog.presentation import ProductView
from catalog.schemas import ProductFilterSchema, ProductSummarySchema
from catalog.search.documents import SORTS
from marketplace.i18n import LANGUAGES


class SearchArgsSchema(ProductFilterSchema):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    sort = fields.String(load_default="relevance", validate=validate.OneOf(SORTS))
    lang = fields.String(validate=validate.OneOf(LANGUAGES))


class SearchItemSchema(ProductSummarySchema):
    highlight = fields.String(metadata={"description": "the matched words wrapped in <mark>"})

    def write(self, view: ProductView, language: str | None) -> dict[str, Any]:
        data = super().write(view, language)
        data["highlight"] = view.highlight
        return data


class FacetValueSchema(Schema):
    value = fields.String()
    count = fields.Integer()


class FacetsSchema(Schema):
    category = fields.List(fields.Nested(FacetValueSchema))
    region = fields.List(fields.Nested(FacetValueSchema))
    certification = fields.List(fields.Nested(FacetValueSchema))


class SearchPageSchema(Schema):
    items = fields.List(fields.Nested(SearchItemSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    facets = fields.Nested(FacetsSchema)
    did_you_mean = fields.String(allow_none=True)


class SuggestArgsSchema(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=100))


class SuggestionsSchema(Schema):
    items = fields.List(fields.String())
