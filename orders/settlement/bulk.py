"""Bulk reads and writes of a settlement run: a batch of parcels is read and written in a few statements, whatever
its size.

On PostgreSQL rows go as columns of arrays (`INSERT … SELECT * FROM unnest(…)`, one statement with one parameter
a column) or through COPY; psycopg would otherwise send one INSERT a row, and a multi-row VALUES costs more to
build and parse than it saves. Elsewhere (SQLite) the table's own insert is executed with every row.
"""
from __future__ import annotations

from collections.abc import Iterable

from psycopg import sql as pg_sql
from sqlalchemy import ColumnElement, any_, bindparam, insert
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.extensions import db

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def among(column, values: Iterable) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `= ANY(%s)` with one array parameter, so a query naming thousands of
    values stays one short text (the driver parses each text it has not seen, and an IN list changes with its
    length)."""
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def insert_rows(model, rows: list[dict]) -> None:
    """Insert rows of `model`'s table (each with the same keys, scalar values, their own defaults given)."""
    if not rows:
        return
    table, connection = model.__table__, db.session.connection()
    if connection.dialect.name != "postgresql":
        # the table's insert, not the model's: the ORM's bulk insert splits the rows by which columns are None
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    statement = pg_sql.SQL("COPY {} ({}) FROM STDIN").format(
        pg_sql.Identifier(table.name), pg_sql.SQL(", ").join(map(pg_sql.Identifier, columns)))
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def insert_new(model, rows: list[dict], *, unique: str, returning: tuple[str, ...]) -> list[tuple]:
    """Insert the rows whose `unique` column is not taken yet (`ON CONFLICT DO NOTHING`: a concurrent writer of
    the same value makes this one wait, then skip it); the `returning` columns of the rows inserted."""
    if not rows:
        return []
    table, connection = model.__table__, db.session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        return connection.execute(_INSERTS[dialect.name](table).on_conflict_do_nothing(index_elements=[unique])
                                  .returning(*(table.c[name] for name in returning)), rows).all()
    columns = list(rows[0])
    arrays = [pg_sql.SQL("%s::{}[]").format(pg_sql.SQL(table.c[column].type.compile(dialect)))
              for column in columns]
    statement = pg_sql.SQL("INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) "
                           "ON CONFLICT ({unique}) DO NOTHING RETURNING {returning}").format(
        table=pg_sql.Identifier(table.name), columns=pg_sql.SQL(", ").join(map(pg_sql.Identifier, columns)),
        arrays=pg_sql.SQL(", ").join(arrays), unique=pg_sql.Identifier(unique),
        returning=pg_sql.SQL(", ").join(map(pg_sql.Identifier, returning)))
    parameters = tuple([row[column] for row in rows] for column in columns)
    return [tuple(row) for row in connection.exec_driver_sql(
        statement.as_string(connection.connection.driver_connection), parameters).all()]
