"""Search reads GIN trigram indexes on PostgreSQL (reports, rumours, people, guidance); SQLite keeps its scan."""

import pytest
from django.db import connection

from collaborators.models import User
from guidance.models import GuidanceNote
from reports.models import Report, Rumour
from tests.prerequisites import needs_postgresql

INDEXES = {
    "report_search_trgm": (Report, "reports_report"),
    "rumour_search_trgm": (Rumour, "reports_rumour"),
    "person_search_trgm": (User, "collaborators_user"),
    "note_search_trgm": (GuidanceNote, "guidance_guidancenote"),
}


def _needs_postgresql():
    needs_postgresql("the trigram indexes")


@pytest.mark.django_db
def test_the_trigram_extension_and_one_gin_index_per_searched_table_exist():
    _needs_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchall() == [("pg_trgm",)]
        cursor.execute("SELECT indexname, tablename, indexdef FROM pg_indexes WHERE indexname LIKE '%%_search_trgm'")
        found = {name: (table, definition) for name, table, definition in cursor.fetchall()}
    assert set(found) == set(INDEXES)
    for name, (_model, table) in INDEXES.items():
        assert found[name][0] == table
        assert "USING gin (search_text gin_trgm_ops)" in found[name][1]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(INDEXES))
def test_a_search_is_answered_from_the_trigram_index(name):
    """The ORM's ``search_text::text LIKE '%word%'`` matches the index (a B-tree cannot serve it)."""
    _needs_postgresql()
    model = INDEXES[name][0]
    queryset = model.objects.search("Lương tối thiểu")
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert name in plan, plan


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "index"), [("", "report_rank_all_idx"), ("submitted", "report_queue_rank_idx")])
def test_the_queue_reads_its_order_from_an_index_with_or_without_a_status(status, index):
    """The first page of the queue (any status, or one) is read in order from an index, not sorted."""
    _needs_postgresql()
    from reports.selectors import review_queue
    from tests.factories import UserFactory

    queryset = review_queue(UserFactory(is_superuser=True, role="admin"))
    if status:
        queryset = queryset.filter(status=status)
    sql, params = queryset[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
