"""Tables of the PostgreSQL search backend (creatable on SQLite too, where they stay unused)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_KINDS = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")
_TSVECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
NO_LIMIT = date(9999, 12, 31)  # search_completions.sellable_until of documents no date limits


class SearchDocumentRow(db.Model):
    """One sellable product as matching sees it: filter, facet and sort columns, the names' terms and the vector.

    Every search reads this row for each match (the totals and facets are exact), so it holds nothing else:
    the texts shown and the write bookkeeping live in `search_document_texts`. Narrow rows keep the table in
    the buffer cache (measured at 100,000 products: 195 MB with the texts, ~50 MB without).
    """

    __tablename__ = "search_documents"

    product_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    category_slug: Mapped[str] = mapped_column(sa.String(80))
    region: Mapped[str] = mapped_column(sa.String(80))
    certification_kinds: Mapped[list[str]] = mapped_column(_KINDS)
    cooperative_id: Mapped[int] = mapped_column(sa.BigInteger)
    price_min: Mapped[int] = mapped_column(sa.BigInteger)
    in_stock: Mapped[bool] = mapped_column(sa.Boolean)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    sellable_until: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    name_text: Mapped[str] = mapped_column(sa.Text)
    search_vector: Mapped[str] = mapped_column(_TSVECTOR)
    fingerprint: Mapped[str] = mapped_column(sa.String(200), default="")

    __table_args__ = (
        # Searches read the index far more often than products change: no pending list to merge per query.
        sa.Index("ix_search_documents_search_vector", "search_vector", postgresql_using="gin",
                 postgresql_with={"fastupdate": "off"}),
        sa.Index("ix_search_documents_name_text_trgm", "name_text", postgresql_using="gin",
                 postgresql_ops={"name_text": "gin_trgm_ops"}),
        sa.Index("ix_search_documents_category_slug", "category_slug"),
        sa.Index("ix_search_documents_cooperative_id", "cooperative_id"),
        sa.Index("ix_search_documents_price_min", "price_min"),
        sa.Index("ix_search_documents_created_at", "created_at"),
        # suggest looks for documents past their last sellable day: usually none, found without a scan
        sa.Index("ix_search_documents_sellable_until", "sellable_until"),
    )


class SearchDocumentText(db.Model):
    """The texts of a search document: what a hit shows, and what its row added to the vocabulary and
    completions (so an update or removal can take it back)."""

    __tablename__ = "search_document_texts"

    product_id: Mapped[int] = mapped_column(
        sa.BigInteger, sa.ForeignKey("search_documents.product_id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    names: Mapped[dict] = mapped_column(_JSON)
    descriptions: Mapped[dict] = mapped_column(_JSON)
    meta_text: Mapped[str] = mapped_column(sa.Text)
    body_text: Mapped[str] = mapped_column(sa.Text)
    vocabulary: Mapped[list] = mapped_column(_JSON)
    completions: Mapped[list] = mapped_column(_JSON)


class SearchTerm(db.Model):
    """Vocabulary of indexed words (normalised -> display form) with the number of documents using it."""

    __tablename__ = "search_terms"

    word: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    surface: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    doc_count: Mapped[int] = mapped_column(sa.Integer)

    __table_args__ = (
        sa.Index("ix_search_terms_word_trgm", "word", postgresql_using="gin",
                 postgresql_ops={"word": "gin_trgm_ops"}),
    )


class SearchCompletion(db.Model):
    """Product and category names by normalised prefix key (whole name, or the tail from a later word), counted
    by the last day the documents holding them are sellable (NO_LIMIT for none)."""

    __tablename__ = "search_completions"

    key: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    display: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    sellable_until: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    whole: Mapped[bool] = mapped_column(sa.Boolean)
    doc_count: Mapped[int] = mapped_column(sa.Integer)

    __table_args__ = (
        sa.Index("ix_search_completions_key_prefix", "key", postgresql_ops={"key": "text_pattern_ops"}),
    )


SEARCH_TABLES = (SearchDocumentRow.__table__, SearchDocumentText.__table__, SearchTerm.__table__,
                 SearchCompletion.__table__)


def create_postgres_extensions(connection: sa.Connection) -> None:
    """Create the extensions the search tables need (called from the migration)."""
    connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
    connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
