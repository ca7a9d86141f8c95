from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalog.schemas import ProductSummarySchema
from catalog.search.documents import SORTS
from cooperatives.models import CERTIFICATION_KINDS, REGIONS
from marketplace.i18n import LANGUAGES
from marketplace.pagination import PageArgsSchema

MAX_PRICE = 1_000_000_000


class SearchArgsSchema(PageArgsSchema):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    category = fields.String(validate=validate.Length(min=1, max=60))
    region = fields.String(validate=validate.OneOf(REGIONS))
    certification = fields.String(validate=validate.OneOf(CERTIFICATION_KINDS))
    cooperative_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    min_price = fields.Integer(validate=validate.Range(min=0, max=MAX_PRICE),
                               metadata={"description": "MAD minor units (centimes)"})
    max_price = fields.Integer(validate=validate.Range(min=0, max=MAX_PRICE))
    in_stock = fields.Boolean()
    sort = fields.String(load_default="relevance", validate=validate.OneOf(SORTS))
    lang = fields.String(validate=validate.OneOf(LANGUAGES))

    @validates_schema
    def price_range_is_ordered(self, data, **kwargs):
        if data.get("min_price") is not None and data.get("max_price") is not None \
                and data["min_price"] > data["max_price"]:
            raise ValidationError("max_price must not be below min_price.", "max_price")


class SearchItemSchema(ProductSummarySchema):
    highlight = fields.String(metadata={"description": "the matched words wrapped in <mark>"})


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
