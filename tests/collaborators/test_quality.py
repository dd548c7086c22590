"""Collaborators' quality per person and per unit over chosen reporting periods (the 15th to the 14th):
figures equal a recount over the reports in the test, scope, sorting, the links to the review queue,
periods, the dashboard's compact table and a constant number of queries."""

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from collaborators.models import QualityTally, Role
from guidance.services.pulse import pulse_answer_record, pulse_create, pulse_open
from reports.filters import ReportFilter
from reports.models import Direction, Report, ReportKind, ReportStatus, Topic
from reports.selectors import review_queue
from reports.services import report_accept, report_reject, report_return, report_save
from summaries.services.tallies import tallies_rebuild
from tests.clock import frozen_clock
from tests.factories import UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 10, 9, 0, tzinfo=HANOI)
URL = "/roster/quality/"

_clock = frozen_clock(NOW)


def at(y, m, d, h=10, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=HANOI)


def send(author, moment, *, observed_days_before=0, **fields):
    data = {
        "kind": ReportKind.OPINION,
        "topic": Topic.objects.order_by("order", "pk").first(),
        "title": "Công nhân bàn tán về tăng lương tối thiểu vùng",
        "content": "Phần lớn đồng tình, một số lo giá cả tăng theo.",
        "observed_on": moment.date() - timedelta(days=observed_days_before),
        "direction": Direction.NEGATIVE,
    }
    data.update(fields)
    with time_machine.travel(moment, tick=False):
        report, _ = report_save(author=author, token=uuid.uuid4(), data=data, submit=True)
    return report


@pytest.fixture
def world(union, grassroots, other_union, collaborator, other_collaborator, unit_staff):
    second = UnitFactory(parent=union, code="QUAL-2", name="Công đoàn cơ sở Bệnh viện")
    b = UserFactory(unit=second, role=Role.COLLABORATOR, full_name="Trần Thị Bình")
    a = collaborator
    reports = []
    # Period 11/2026 is 15/10 to 14/11; 12/2026 is 15/11 to 14/12 (Hanoi time).
    r1 = send(a, at(2026, 11, 14, 23, 30), observed_days_before=2)  # period 11, the last half hour
    r2 = send(a, at(2026, 11, 15, 0, 30), observed_days_before=0)  # period 12, the first half hour
    r3 = send(a, at(2026, 11, 20), observed_days_before=20)  # period 12, 15 or more days
    r4 = send(a, at(2026, 12, 1), observed_days_before=4)
    r5 = send(b, at(2026, 11, 25), observed_days_before=1)
    r6 = send(b, at(2026, 12, 2), observed_days_before=3)
    r7 = send(other_collaborator, at(2026, 11, 26), observed_days_before=1)  # another union
    reports += [r1, r2, r3, r4, r5, r6, r7]
    with time_machine.travel(at(2026, 12, 5), tick=False):
        report_accept(actor=unit_staff, report=r1)
        report_accept(actor=unit_staff, report=r2)
        report_return(actor=unit_staff, report=r3, reason="Thiếu nơi xảy ra")
        report_reject(actor=unit_staff, report=r5, reason="Trùng lặp")
        report_accept(actor=unit_staff, report=r6)
    # A request for opinion answered by b in period 12.
    with time_machine.travel(at(2026, 12, 3), tick=False):
        pulse = pulse_create(
            author=unit_staff,
            data={
                "question": "Công nhân nghĩ gì về lương tối thiểu vùng?",
                "details": "",
                "topic": Topic.objects.order_by("order", "pk").first(),
                "focus_policy": None,
                "target_units": [union],
                "mode": "all",
                "per_unit": None,
                "deadline": timezone.now() + timedelta(days=3),
            },
        )
        pulse_open(actor=unit_staff, pulse=pulse)
        pulse_answer_record(report=r6, person=b, pulse_id=pulse.pk)
    return {"a": a, "b": b, "second": second, "reports": reports, "pulse": pulse}


def period_of(moment) -> date:
    """The period by hand: from the 15th, a day reports in the next month."""
    day = timezone.localtime(moment).date()
    if day.day >= 15:
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return day.replace(day=1)


def recount(*, path, first, last):
    """Figures per person and per unit path from the reports themselves, by plain loops."""
    people, units = defaultdict(lambda: defaultdict(list)), defaultdict(lambda: defaultdict(list))
    for report in Report.objects.select_related("unit"):
        if report.status == ReportStatus.DRAFT or report.nothing_new or report.first_submitted_at is None:
            continue
        if not report.unit.path.startswith(path) or not first <= period_of(report.first_submitted_at) <= last:
            continue
        for bucket in (people[report.author_id], units[report.unit.path]):
            bucket["statuses"].append(report.status)
            if report.observed_on:
                sent = timezone.localtime(report.first_submitted_at).date()
                bucket["delays"].append(max((sent - report.observed_on).days, 0))
    return people, units


def expected(bucket) -> dict:
    statuses = bucket["statuses"]
    accepted, rejected = statuses.count("accepted"), statuses.count("rejected")
    delays = sorted(min(d, 15) for d in bucket["delays"])
    return {
        "sent": len(statuses),
        "accepted": accepted,
        "returned": statuses.count("returned"),
        "rejected": rejected,
        "acceptance": round(100.0 * accepted / (accepted + rejected), 1) if accepted + rejected else None,
        "delay": delays[(len(delays) - 1) // 2] if delays else None,
    }


def shown(row) -> dict:
    return {k: row[k] for k in ("sent", "accepted", "returned", "rejected", "acceptance", "delay")}


def get(client, user, **params):
    with time_machine.travel(NOW, tick=False):
        client.force_login(user)
        return client.get(URL, params)


def test_people_figures_equal_a_recount_over_each_choice_of_periods(client, world, union, unit_staff):
    for first, last in ((date(2026, 11, 1), date(2026, 11, 1)), (date(2026, 12, 1), date(2026, 12, 1))):
        response = get(client, unit_staff, start=f"{first:%Y-%m}", end=f"{last:%Y-%m}")
        assert response.status_code == 200
        people, _units = recount(path=union.path, first=first, last=last)
        rows = {row["person_id"]: row for row in response.context["people"]}
        assert set(rows) == set(people)
        for person_id, bucket in people.items():
            assert shown(rows[person_id]) == expected(bucket), person_id
    both = get(client, unit_staff, start="2026-11", end="2026-12")
    people, _units = recount(path=union.path, first=date(2026, 11, 1), last=date(2026, 12, 1))
    rows = {row["person_id"]: row for row in both.context["people"]}
    assert shown(rows[world["a"].pk]) == expected(people[world["a"].pk])
    assert rows[world["a"].pk]["sent"] == 4 and rows[world["a"].pk]["delay"] == 2
    assert rows[world["b"].pk]["answered"] == 1 and rows[world["a"].pk]["answered"] == 0


def test_the_report_of_the_14th_late_evening_counts_in_that_period_and_the_15th_in_the_next(client, world, unit_staff):
    november = {r["person_id"]: r for r in get(client, unit_staff, start="2026-11", end="2026-11").context["people"]}
    assert november[world["a"].pk]["sent"] == 1  # 14/11 23:30
    december = {r["person_id"]: r for r in get(client, unit_staff, start="2026-12", end="2026-12").context["people"]}
    assert december[world["a"].pk]["sent"] == 3  # 15/11 00:30 onwards


def test_unit_figures_equal_a_recount_of_each_subtree(client, world, union, grassroots, unit_staff):
    response = get(client, unit_staff, start="2026-11", end="2026-12", by="units")
    _people, units = recount(path=union.path, first=date(2026, 11, 1), last=date(2026, 12, 1))
    rows = {row["unit"].pk: row for row in response.context["units"]["rows"]}
    for unit in (grassroots, world["second"]):
        merged = defaultdict(list)
        for path, bucket in units.items():
            if path.startswith(unit.path):
                for key, values in bucket.items():
                    merged[key] += values
        assert shown(rows[unit.pk]) == expected(merged)
    assert response.context["total"]["sent"] == 6
    assert 'data-testid="quality-units"' in response.content.decode()


def test_staff_of_a_ward_see_only_their_subtree(client, world, union, grassroots, other_collaborator):
    ward_staff = UserFactory(unit=grassroots, role=Role.STAFF)
    response = get(client, ward_staff, start="2026-11", end="2026-12")
    assert {row["person_id"] for row in response.context["people"]} == {world["a"].pk}
    assert "Trần Thị Bình" not in response.content.decode()
    # Another unit, or a unit above their own, is a 404, like any object out of scope.
    assert get(client, ward_staff, unit=world["second"].pk).status_code == 404
    assert get(client, ward_staff, unit=union.pk).status_code == 404
    assert get(client, other_collaborator).status_code == 404


def test_collaborators_do_not_see_the_page(client, world, collaborator):
    assert get(client, collaborator).status_code == 404


def test_sorting_by_each_figure_both_ways(client, world, unit_staff):
    for key in ("sent", "acceptance", "returned", "rejected", "delay", "answered", "name"):
        for sort in (key, f"-{key}"):
            rows = get(client, unit_staff, start="2026-11", end="2026-12", sort=sort).context["people"]
            values = [row[key] if key != "name" else row["name"].casefold() for row in rows]
            present = [v for v in values if v is not None]
            assert present == sorted(present, reverse=sort.startswith("-")), sort
            assert values[: len(present)] == present  # people without the figure come last
    html = get(client, unit_staff, start="2026-11", end="2026-12", sort="-sent").content.decode()
    assert 'aria-sort="descending"' in html and "sort=sent" in html


def test_each_number_links_to_exactly_the_reports_behind_it(client, world, union, unit_staff):
    response = get(client, unit_staff, start="2026-11", end="2026-12")
    units = get(client, unit_staff, start="2026-11", end="2026-12", by="units").context
    rows = list(response.context["people"]) + list(units["units"]["rows"]) + [units["units"]["own"], units["total"]]
    checked = answers = 0
    client.force_login(unit_staff)
    for row in rows:
        for figure, url in row["links"].items():
            if url is None:
                assert row[figure] == 0
                continue
            if figure == "answered":
                # The answers to requests for opinion behind the figure, listed by the requests' answers page.
                with time_machine.travel(NOW, tick=False):
                    page = client.get(url)
                assert page.status_code == 200 and page.context["page"].paginator.count == row[figure], url
                answers += 1
                continue
            params = QueryDict(urlsplit(url).query)
            with time_machine.travel(NOW, tick=False):
                listed = ReportFilter(params, queryset=review_queue(unit_staff), user=unit_staff)
                assert listed.is_valid(), listed.errors
                assert listed.qs.count() == row[figure], url
            checked += 1
    assert checked >= 10 and answers >= 3  # b's row, the second unit's row, the total
    # The queue page itself opens with these filters.
    with time_machine.travel(NOW, tick=False):
        page = client.get(response.context["people"][0]["links"]["sent"])
    assert page.status_code == 200 and page.context["page"].paginator.count == response.context["people"][0]["sent"]


def test_the_answers_link_lists_the_persons_answers_of_the_periods_within_scope(
    client, world, union, grassroots, unit_staff
):
    a, b = world["a"], world["b"]
    with time_machine.travel(at(2026, 12, 4), tick=False):
        pulse_answer_record(report=world["reports"][3], person=a, pulse_id=world["pulse"].pk)
    rows = {r["person_id"]: r for r in get(client, unit_staff, start="2026-12", end="2026-12").context["people"]}
    assert rows[a.pk]["answered"] == rows[b.pk]["answered"] == 1
    row = next(
        r for r in get(client, unit_staff, start="2026-12", end="2026-12").context["people"] if r["person_id"] == b.pk
    )
    assert row["answered"] == 1
    url = row["links"]["answered"]
    with time_machine.travel(NOW, tick=False):
        client.force_login(unit_staff)
        page = client.get(url)
        listed = list(page.context["page"].object_list)
        assert [(r.person_id, r.report_id) for r in listed] == [(b.pk, world["reports"][5].pk)]
        assert "Công nhân nghĩ gì về lương tối thiểu vùng?" in page.content.decode()
        # Another period lists none, as the figure there is 0.
        other = client.get(url.replace("2026-12", "2026-11"))
        assert other.status_code == 200 and other.context["page"].paginator.count == 0
        # A ward's staff, whose subtree b was not asked in, get an empty list from the same link; a's is theirs.
        client.force_login(UserFactory(unit=grassroots, role=Role.STAFF))
        assert client.get(url).context["page"].paginator.count == 0
        assert client.get(rows[a.pk]["links"]["answered"]).context["page"].paginator.count == 1
        total = get(client, unit_staff, start="2026-12", end="2026-12", by="units").context["total"]
        assert total["answered"] == 2
        assert client.get(total["links"]["answered"]).context["page"].paginator.count == 2
        # Collaborators do not see it; a period that is not one is a 404.
        client.force_login(b)
        assert client.get(url).status_code == 404
        client.force_login(unit_staff)
        assert client.get(url.replace("2026-12", "12/2026")).status_code == 404


def test_wrong_periods_fall_back_with_a_message(client, world, unit_staff):
    response = get(client, unit_staff, start="2026-12", end="2026-11")
    assert response.status_code == 200
    assert (response.context["first"], response.context["last"]) == (date(2026, 12, 1), date(2026, 12, 1))
    assert response.context["form"].errors["end"]
    assert get(client, unit_staff, start="12/2026", end="x" * 500).status_code == 200


def test_the_page_reads_a_constant_number_of_queries(client, world, union, unit_staff, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(unit_staff)

    def count():
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"start": "2026-11", "end": "2026-12"}).status_code == 200
        return len(queries)

    before = count()
    for i in range(5):
        person = UserFactory(unit=world["second"], role=Role.COLLABORATOR)
        send(person, at(2026, 12, 3 + i % 3), observed_days_before=i)
    assert count() == before


def test_the_figures_survive_a_rebuild_of_the_tallies(world, union):
    kept = sorted(QualityTally.objects.values_list("person_id", "unit_id", "month", "sent", "accepted", "answered"))
    with time_machine.travel(NOW, tick=False):
        tallies_rebuild()
    assert (
        sorted(QualityTally.objects.values_list("person_id", "unit_id", "month", "sent", "accepted", "answered"))
        == kept
    )


def test_the_dashboard_shows_the_compact_table_linked_and_sortable(client, world, union, unit_staff):
    client.force_login(unit_staff)
    with time_machine.travel(NOW, tick=False):
        response = client.get("/dashboard/", {"period": "2026-12", "quality_sort": "-returned"})
    assert response.status_code == 200
    quality = response.context["quality"]
    people, _units = recount(path=union.path, first=date(2026, 12, 1), last=date(2026, 12, 1))
    rows = {row["person_id"]: row for row in quality["people"]}
    for person_id, bucket in people.items():
        assert shown(rows[person_id]) == expected(bucket)
    assert [row["returned"] for row in quality["people"]] == sorted(
        (row["returned"] for row in quality["people"]), reverse=True
    )
    html = response.content.decode()
    assert 'id="dashboard-quality"' in html and reverse("roster:quality") in html


@pytest.mark.parametrize("path", ["sql", "python"])
def test_the_migration_that_fills_the_figures_gives_the_rows_the_tallies_keep(world, path):
    """summaries 0004 fills QualityTally for reports counted before it existed: on PostgreSQL in two
    set-based statements, elsewhere row by row. Both give exactly the rows the live tallies wrote."""
    import importlib

    from django.apps import apps as global_apps
    from django.db import connection

    from collaborators.models.activity import QUALITY_REPORT_COLUMNS
    from summaries.models import ReportTally

    if path == "sql" and connection.vendor != "postgresql":
        pytest.skip("the set-based fill is PostgreSQL's")
    migration = importlib.import_module("summaries.migrations.0004_quality_tallies")

    def rows():
        values = ["person_id", "unit_id", "month", *QUALITY_REPORT_COLUMNS]
        return sorted(QualityTally.objects.values_list(*values))

    expected = rows()
    assert expected and any(row[3] for row in expected)  # the world's reports were counted
    # As before the migration: no quality rows, and snapshots that do not name the author and unit.
    QualityTally.objects.all().delete()
    for snapshot in ReportTally.objects.all():
        snapshot.counted = {k: v for k, v in snapshot.counted.items() if k not in ("author", "unit")}
        snapshot.save()
    if path == "sql":
        with connection.schema_editor() as editor:
            migration.fill(global_apps, editor)
    else:
        migration.fill_in_python(global_apps)
    assert rows() == expected
    assert all("author" in s.counted for s in ReportTally.objects.all() if s.counted)
