"""Search engine layer: plain documents in, ids and facets out; no knowledge of the catalog models."""
from catalog.search.backend import SearchBackend, SearchUnavailable, make_backend
from catalog.search.documents import SearchDocument, SearchHit, SearchQuery, SearchResult

__all__ = ["SearchBackend", "SearchDocument", "SearchHit", "SearchQuery", "SearchResult", "SearchUnavailable",
           "make_backend"]
