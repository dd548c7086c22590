"""A report's indexes: every index is one more write of each report sent or reviewed."""

from django.db import connection

from reports.models import Report


def test_no_column_of_a_report_has_an_index_that_a_composite_one_already_starts_with(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Report._meta.db_table)
    indexes = [c["columns"] for c in constraints.values() if c["index"] and not c["primary_key"]]
    for column in ("author_id", "unit_id", "status"):
        assert [column] not in indexes, f"{column} has an index of its own"
        assert any(columns[0] == column and len(columns) > 1 for columns in indexes), f"no index starts with {column}"
