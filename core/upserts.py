"""Counters kept by adding differences: one INSERT … ON CONFLICT DO UPDATE for many rows."""

from django.db import connection


def upsert_add(table: str, key_columns: list[str], value_columns: list[str], rows: list[tuple]) -> None:
    """Add each row's values to the row with the same key, creating it if missing (PostgreSQL and
    SQLite ≥ 3.24 alike). ``rows`` are (*key, *values) tuples; give them in one order everywhere so
    concurrent transactions lock rows alike."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = key_columns + value_columns
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{quote(c)} = {quote(table)}.{quote(c)} + excluded.{quote(c)}" for c in value_columns)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            # Identifiers come from the models (quoted); every value is a parameter.
            sql = (
                f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
                f"VALUES {', '.join([placeholders] * len(chunk))} "
                f"ON CONFLICT ({', '.join(quote(c) for c in key_columns)}) DO UPDATE SET {updates}"
            )
            cursor.execute(sql, [value for row in chunk for value in row])
