from flask import g
from flask_smorest import Blueprint

from catalog.caching import public_response
from catalog.search import schemas, services

blp = Blueprint("search", __name__, url_prefix="/api/v1", description="Full-text product search")


@blp.route("/search", methods=["GET"])
@public_response
@blp.arguments(schemas.SearchArgsSchema, location="query")
@blp.response(200, schemas.SearchPageSchema)
def search(args):
    """Search sellable products: accent- and typo-tolerant, French, Arabic and English, with facets."""
    if args.get("lang"):
        g.language = args["lang"]
    return services.search_products(args)


@blp.route("/search/suggest", methods=["GET"])
@public_response
@blp.arguments(schemas.SuggestArgsSchema, location="query")
@blp.response(200, schemas.SuggestionsSchema)
def suggest(args):
    """Up to 10 completions for a prefix, for search-as-you-type."""
    return services.suggest(args["q"])
