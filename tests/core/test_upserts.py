"""Writes sent together in one round trip (core/upserts.py): inserts built by Django's own compiler."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from collaborators.models import ReportingActivity
from core.upserts import execute_statements, insert_statements
from reports.models import EventKind, ReportEvent
from tests.clock import A_WORKING_MORNING, frozen_clock
from tests.reports.conftest import make_report

_clock = frozen_clock(A_WORKING_MORNING, tick=False)


def test_inserts_of_two_models_go_in_one_round_trip_with_defaults_and_conflicts_left_out(collaborator):
    report = make_report(collaborator)
    ReportingActivity.objects.create(person=collaborator, month=date(2026, 11, 1), first_reported_on=date(2026, 11, 20))
    events = [ReportEvent(report=report, actor=collaborator, kind=EventKind.COMMENT, note=f"n{i}") for i in range(2)]
    facts = [
        ReportingActivity(person=collaborator, month=date(2026, 11, 1), first_reported_on=date(2026, 11, 15)),
        ReportingActivity(person=collaborator, month=date(2026, 12, 1), first_reported_on=date(2026, 12, 3)),
    ]
    statements = insert_statements(ReportEvent, events) + insert_statements(
        ReportingActivity, facts, ignore_conflicts=True
    )
    with CaptureQueriesContext(connection) as queries:
        execute_statements(statements)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    written = ReportEvent.objects.filter(report=report, kind=EventKind.COMMENT).order_by("note")
    assert [e.note for e in written] == ["n0", "n1"]
    assert all(e.created_at == A_WORKING_MORNING and not e.internal for e in written)  # auto_now_add and defaults
    kept = dict(ReportingActivity.objects.filter(person=collaborator).values_list("month", "first_reported_on"))
    # the period already recorded keeps its row; the new one is added
    assert kept == {date(2026, 11, 1): date(2026, 11, 20), date(2026, 12, 1): date(2026, 12, 3)}
    assert insert_statements(ReportEvent, []) == []
