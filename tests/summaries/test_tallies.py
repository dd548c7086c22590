"""The monthly tallies equal an independent recount of the reports, after every kind of write."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from collaborators.models import ReportingActivity
from reports.models import Direction, Report, ReportKind, ReportStatus
from reports.services import report_accept, report_reject, report_return, report_save, rumour_create, rumour_link
from summaries.columns import ALL_COLUMNS, COLUMNS, COUNTED_Q
from summaries.models import RumourMonthTally, UnitMonthTally
from summaries.services.tallies import reports_tally, tallies_catch_up, tallies_rebuild
from tests.summaries.conftest import local, make_report

pytestmark = pytest.mark.clock


def recount(unit_path: str, month: date) -> Counter:
    """Straight from the reports with the Q definitions: one aggregate per month."""
    start = local(month.year, month.month, 1, 0)
    end = local(month.year + month.month // 12, month.month % 12 + 1, 1, 0)
    reports = Report.objects.filter(
        COUNTED_Q, unit__path__startswith=unit_path, first_submitted_at__gte=start, first_submitted_at__lt=end
    )
    counts = reports.aggregate(**{f"n_{name}": Count("pk", filter=q) for name, _p, q in COLUMNS})
    return Counter({k.removeprefix("n_"): v for k, v in counts.items() if v})


def tallied(unit, month: date) -> Counter:
    total = Counter()
    for row in UnitMonthTally.objects.filter(unit=unit, month=month).values(*ALL_COLUMNS):
        total.update({k: v for k, v in row.items() if v})
    return Counter({k: v for k, v in total.items() if k in {name for name, _p, _q in COLUMNS}})


@pytest.fixture
def mixed(collaborator, other_collaborator, unit_staff, topics):
    """Reports of every kind and state, in two months, in two unions."""
    oct_, nov = local(2026, 10, 12), local(2026, 11, 3)
    made = [
        make_report(collaborator, sent_at=oct_, direction=Direction.POSITIVE, topic=topics[0]),
        make_report(collaborator, sent_at=oct_, direction=Direction.NEGATIVE, topic=topics[1], urgent=True),
        make_report(collaborator, sent_at=oct_, kind=ReportKind.HOT_SPOT, topic=topics[1]),
        make_report(
            collaborator, sent_at=nov, kind=ReportKind.PROPOSAL, topic=topics[2], observed_on=date(2026, 10, 30)
        ),
        make_report(other_collaborator, sent_at=oct_, direction=Direction.MIXED, topic=topics[0]),
        make_report(other_collaborator, sent_at=nov, kind=ReportKind.QUESTION, topic=topics[0]),
    ]
    report_accept(actor=unit_staff, report=made[0])
    report_reject(actor=unit_staff, report=made[1], reason="Trùng lặp với báo cáo khác")
    report_return(actor=unit_staff, report=made[2], reason="Bổ sung địa điểm")
    return made


def test_tallies_equal_a_recount_for_the_city_and_each_union(mixed, city, union, other_union):
    for unit in (city, union, other_union):
        for month in (date(2026, 10, 1), date(2026, 11, 1)):
            assert tallied(unit, month) == recount(unit.path, month), (unit.code, month)
    assert tallied(city, date(2026, 10, 1))["total"] == 4
    assert tallied(union, date(2026, 10, 1))["status_rejected"] == 1
    delays = UnitMonthTally.objects.filter(unit=union, month=date(2026, 11, 1)).values_list("delay_4", "delay_3")
    assert [sum(column) for column in zip(*delays, strict=True)] == [1, 0]  # observed 30/10, sent 3/11: 4 days


def test_grassroots_units_are_not_rolled_up(mixed, grassroots):
    assert not UnitMonthTally.objects.filter(unit=grassroots).exists()


def test_a_review_moves_a_report_between_columns_without_a_recount(mixed, city, unit_staff):
    month = date(2026, 10, 1)
    before = tallied(city, month)
    report = mixed[2]  # returned hot spot, now fixed and sent again, then accepted
    report_save(author=report.author, token=report.client_token, data={"place": "Xưởng may số 2"}, submit=True)
    report_accept(actor=unit_staff, report=Report.objects.get(pk=report.pk))
    after = tallied(city, month)
    assert after["status_returned"] == before["status_returned"] - 1
    assert after["status_accepted"] == before["status_accepted"] + 1
    assert after["total"] == before["total"]
    assert after == recount(city.path, month)


def test_the_author_s_changes_to_a_returned_report_move_it_before_it_is_sent_again(mixed, city, topics):
    month = date(2026, 10, 1)
    report = mixed[2]  # a returned hot spot on topics[1]
    before = tallied(city, month)
    report_save(author=report.author, token=report.client_token, data={"kind": ReportKind.OPINION}, submit=False)
    after = tallied(city, month)
    assert Report.objects.get(pk=report.pk).status == ReportStatus.RETURNED
    assert (after["kind_opinion"], after["hot"]) == (before["kind_opinion"] + 1, before["hot"] - 1)
    assert after == recount(city.path, month)


def test_a_new_alert_level_moves_a_report_into_the_hot_spots(mixed, city, unit_staff):
    from reports.models import AlertLevel
    from reports.services import report_set_alert

    month = date(2026, 10, 1)
    before = tallied(city, month)
    report_set_alert(actor=unit_staff, report=mixed[0], level=AlertLevel.HOT_SPOT)
    after = tallied(city, month)
    assert after["hot"] == before["hot"] + 1
    assert after == recount(city.path, month)


def test_tallying_twice_changes_nothing(mixed, city):
    month = date(2026, 10, 1)
    before = tallied(city, month)
    assert reports_tally(report_ids=[r.pk for r in mixed]) == 0
    assert tallies_catch_up() == 0
    assert tallied(city, month) == before


def test_catch_up_repairs_a_write_that_bypassed_save(mixed, city):
    month = date(2026, 10, 1)
    Report.objects.filter(pk=mixed[0].pk).update(direction=Direction.NEGATIVE)  # no signal
    assert tallied(city, month) != recount(city.path, month)
    assert tallies_catch_up() == 1
    assert tallied(city, month) == recount(city.path, month)


def test_drafts_and_nothing_new_notes_do_not_count_but_nothing_new_counts_as_reporting(collaborator, city, topics):
    import uuid

    from reports.services import report_nothing_new

    report_save(author=collaborator, token=uuid.uuid4(), data={"title": "Nháp", "kind": "opinion"}, submit=False)
    note, _ = report_nothing_new(author=collaborator, token=uuid.uuid4())
    assert not UnitMonthTally.objects.filter(unit=city).exists()
    assert ReportingActivity.objects.filter(person=collaborator).count() == 1


def test_rumour_sightings_per_month(collaborator, other_collaborator, unit_staff, federation_admin, city, union):
    first = make_report(collaborator, kind=ReportKind.RUMOUR, sent_at=local(2026, 10, 2))
    rumour = rumour_create(actor=unit_staff, title="Tin đồn cắt thưởng Tết", report=first)
    second = make_report(collaborator, kind=ReportKind.RUMOUR, sent_at=local(2026, 10, 20))
    rumour_link(actor=unit_staff, report=second, rumour=rumour)
    third = make_report(other_collaborator, kind=ReportKind.RUMOUR, sent_at=local(2026, 10, 21))
    # A sighting in another union is linked by the federation, whose scope covers both.
    rumour_link(actor=federation_admin, report=third, rumour=rumour)
    rows = dict(
        RumourMonthTally.objects.filter(month=date(2026, 10, 1), rumour_id=rumour.pk).values_list(
            "unit__code", "sightings"
        )
    )
    assert rows == {"CITY": 3, "WARD-A": 2, "WARD-B": 1}


def test_rebuild_gives_the_same_tallies(mixed, city, union):
    def rows():  # rows emptied by a move are left at zero by the incremental path
        values = UnitMonthTally.objects.values_list("unit_id", "month", "topic_id", "policy_id", *ALL_COLUMNS)
        return sorted(row for row in values if any(row[4:]))

    snapshot = rows()
    assert snapshot
    tallies_rebuild()
    assert rows() == snapshot


def test_moving_a_unit_moves_its_reports_between_unions(mixed, federation_admin, grassroots, union, other_union):
    from collaborators.services.units import unit_move

    month = date(2026, 10, 1)
    unit_move(actor=federation_admin, unit=grassroots, new_parent=other_union)
    union.refresh_from_db()
    other_union.refresh_from_db()
    assert tallied(union, month) == recount(union.path, month) == Counter()
    assert tallied(other_union, month) == recount(other_union.path, month)
    assert tallied(other_union, month)["total"] == 4


def test_a_report_deleted_outside_the_services_is_taken_out_by_the_catch_up(mixed, city):
    # No service deletes a sent report (only drafts, which count nowhere): a deletion is a write
    # outside the services, repaired by the catch-up like any other.
    month = date(2026, 10, 1)
    Report.objects.get(pk=mixed[4].pk).delete()
    assert tallied(city, month) != recount(city.path, month)
    assert tallies_catch_up() == 1
    assert tallied(city, month) == recount(city.path, month)
    assert tallies_catch_up() == 0
    assert ReportStatus.SUBMITTED  # the enum is importable for the other tests
    assert timedelta(0) == timedelta(0)


def test_rebuild_command_counts_existing_reports(mixed, city):
    from io import StringIO

    from django.core.management import call_command

    month = date(2026, 10, 1)
    UnitMonthTally.objects.all().delete()
    out = StringIO()
    call_command("rebuild_tallies", stdout=out)
    assert "6 reports counted" in out.getvalue()
    assert tallied(city, month) == recount(city.path, month)


def test_a_moved_branch_still_counts_its_days_before_the_move_under_its_old_ancestors(
    mixed, city, union, other_union, grassroots
):
    from collaborators.models import Unit, UnitMove
    from summaries.services.tallies import units_retally

    oct_, nov = date(2026, 10, 1), date(2026, 11, 1)
    # Moved on the 1st of November (as a merge moves its sub-units): October stays with the old union.
    Unit.objects.move(grassroots, other_union, pos="last-child")
    grassroots.refresh_from_db()
    UnitMove.objects.create(unit=grassroots, old_parent=union, new_parent=other_union, moved_on=nov)
    assert units_retally(units=[grassroots]) == 1  # the November report; October's are counted as they were
    union.refresh_from_db()
    other_union.refresh_from_db()
    assert tallied(union, oct_)["total"] == 3 and tallied(union, nov) == Counter()
    assert tallied(other_union, oct_)["total"] == 1  # its own collaborator's report only
    assert tallied(other_union, nov) == recount(other_union.path, nov)
    assert tallied(other_union, nov)["total"] == 2
    for month in (oct_, nov):
        assert tallied(city, month) == recount(city.path, month)
    # The old union is off the branch's path today: its id is read in one more query, and the report, as
    # counted already, writes nothing (on PostgreSQL the moves come with the report's own read).
    with CaptureQueriesContext(connection) as queries:
        assert reports_tally(report_ids=[mixed[0].pk]) == 0
    assert len(queries) == (2 if connection.vendor == "postgresql" else 3)
    assert units_retally(units=[grassroots]) == 0
    # An October report sent again after the move (one report's tally) still counts under the old union.
    returned, other_before = Report.objects.get(pk=mixed[2].pk), tallied(other_union, oct_)
    report_save(author=returned.author, token=returned.client_token, data={"place": "Xưởng may số 2"}, submit=True)
    assert tallied(union, oct_)["total"] == 3 and tallied(union, oct_)["status_returned"] == 0
    assert tallied(union, oct_)["status_submitted"] == 1
    assert tallied(other_union, oct_) == other_before
    assert tallied(city, oct_) == recount(city.path, oct_)


def test_the_tally_of_one_sent_report_is_two_round_trips_on_postgresql(collaborator, city, union):
    from collaborators.models import QualityTally
    from summaries.models import ReportTally

    month = date(2026, 10, 1)
    report = make_report(collaborator, sent_at=local(2026, 10, 12))
    # As if it had never been counted.
    ReportTally.objects.all().delete()
    UnitMonthTally.objects.all().delete()
    QualityTally.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        assert reports_tally(report_ids=[report.pk]) == 1
    statements = [q["sql"] for q in queries.captured_queries]
    assert statements[0].startswith("SELECT") and '"reports_report"' in statements[0]
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in statements[0]  # locked as read, with its last count
    writes = ['"summaries_unitmonthtally"', '"collaborators_qualitytally"', '"summaries_reporttally"']
    if connection.vendor == "postgresql":  # the units and moves read with the report; the upserts together
        assert len(statements) == 2
        assert '"collaborators_unitmove"' in statements[0] and "UNION ALL" not in statements[0]
        positions = [statements[1].index(f"INSERT INTO {table}") for table in writes]
        assert positions == sorted(positions)
    else:  # the units and moves in a second read, each upsert on its own
        assert len(statements) == 5
        assert statements[1].startswith("SELECT") and "UNION ALL" in statements[1]
        assert '"collaborators_unitmove"' in statements[1]
        assert [next(t for t in writes if t in sql) for sql in statements[2:]] == writes
    for unit in (city, union):
        assert tallied(unit, month) == recount(unit.path, month)
    assert QualityTally.objects.get(person=collaborator).sent == 1
    assert ReportTally.objects.get(report_id=report.pk).counted["columns"][0] == "total"
    assert reports_tally(report_ids=[report.pk]) == 0
