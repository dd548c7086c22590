"""Counters kept by adding differences: one INSERT … ON CONFLICT DO UPDATE for many rows."""

import functools

from django.db import connection
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

CHUNK = 500


def upsert_add(table: str, key_columns: list[str], value_columns: list[str], rows: list[tuple]) -> None:
    """Add each row's values to the row with the same key, creating it if missing (PostgreSQL and
    SQLite ≥ 3.24 alike). ``rows`` are (*key, *values) tuples; give them in one order everywhere so
    concurrent transactions lock rows alike."""
    execute_statements(upsert_statements(table, key_columns, value_columns, rows))


def upsert_statements(
    table: str, key_columns: list[str], value_columns: list[str], rows: list[tuple], *, add: bool = True
) -> list[tuple[str, list]]:
    """The (sql, params) statements of ``upsert_add`` (``add=False``: the values replace the row's), for a
    caller that sends them together with others (``execute_statements``)."""
    return [
        (
            _upsert_sql(table, tuple(key_columns), tuple(value_columns), add, len(chunk)),
            [v for row in chunk for v in row],
        )
        for chunk in (rows[start : start + CHUNK] for start in range(0, len(rows), CHUNK))
    ]


@functools.lru_cache(maxsize=256)
def _upsert_sql(table: str, key_columns: tuple, value_columns: tuple, add: bool, count: int) -> str:
    """Built once per shape: the tallies write a few rows in the transaction of every report sent."""
    quote = connection.ops.quote_name
    columns = key_columns + value_columns
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    if add:
        updates = ", ".join(f"{quote(c)} = {quote(table)}.{quote(c)} + excluded.{quote(c)}" for c in value_columns)
    else:
        updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in value_columns)
    # Identifiers come from the models (quoted); every value is a parameter.
    return (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES {', '.join([placeholders] * count)} "
        f"ON CONFLICT ({', '.join(quote(c) for c in key_columns)}) DO UPDATE SET {updates}"
    )


def insert_statements(model, objs: list, *, ignore_conflicts: bool = False) -> list[tuple[str, list]]:
    """The (sql, params) statements that insert new ``objs`` of ``model`` as ``bulk_create`` would (built by
    Django's compiler: defaults, ``auto_now_add``, the database's own SQL), without reading back their ids
    and without signals: for a caller that sends them with its other writes in one round trip
    (``execute_statements``). ``ignore_conflicts``: a row that breaks a unique constraint is left out."""
    if not objs:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert_statements")
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    statements = []
    for start in range(0, len(objs), CHUNK):
        query = InsertQuery(model, on_conflict=on_conflict)
        query.insert_values(fields, objs[start : start + CHUNK])
        statements += [(sql, list(params)) for sql, params in query.get_compiler(connection=connection).as_sql()]
    return statements


def execute_statements(statements: list[tuple[str, list]]) -> None:
    """Run (sql, params) statements in order. On PostgreSQL in one round trip: the driver binds the
    parameters on the client, so several ``;``-separated statements go as one string (not with
    server-side binding, which takes one statement at a time). Elsewhere (SQLite) one by one."""
    if not statements:
        return
    with connection.cursor() as cursor:
        if len(statements) > 1 and _several_per_execute():
            cursor.execute(";\n".join(sql for sql, _ in statements), [p for _, params in statements for p in params])
            return
        for sql, params in statements:
            cursor.execute(sql, params)


def _several_per_execute() -> bool:
    return connection.vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get("server_side_binding")
