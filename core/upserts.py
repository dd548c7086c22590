"""Counters kept by adding differences: one INSERT … ON CONFLICT DO UPDATE for many rows."""

from django.db import connection

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
    if not rows:
        return []
    quote = connection.ops.quote_name
    columns = key_columns + value_columns
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    if add:
        updates = ", ".join(f"{quote(c)} = {quote(table)}.{quote(c)} + excluded.{quote(c)}" for c in value_columns)
    else:
        updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in value_columns)
    statements = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        # Identifiers come from the models (quoted); every value is a parameter.
        sql = (
            f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
            f"VALUES {', '.join([placeholders] * len(chunk))} "
            f"ON CONFLICT ({', '.join(quote(c) for c in key_columns)}) DO UPDATE SET {updates}"
        )
        statements.append((sql, [value for row in chunk for value in row]))
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
