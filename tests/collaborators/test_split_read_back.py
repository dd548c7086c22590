"""A split read back on every page: the units tree and pages, the roster, the dashboard, the summaries and the
quality page show, for the 2025 Hanoi case, the figures before the split with the district federation and
those after it with the ward unions (the reporting period 15/06–14/07/2025 straddles the split)."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from collaborators.selectors.units import units_with_counts
from reports.services import report_accept
from summaries.models import ReportingPeriod
from summaries.services.summaries import summary_compile, summary_schedule
from tests.collaborators.test_unit_split import at, hanoi, split  # noqa: F401 (hanoi: the fixture)
from tests.summaries.conftest import make_report

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

JULY = date(2025, 7, 1)  # the period 15/06/2025 – 14/07/2025, named by its month


@pytest.fixture
def restructured(hanoi):  # noqa: F811
    h = hanoi
    before = make_report(h["school_collab"], sent_at=at(2025, 6, 20, 10))  # at the district's school
    with time_machine.travel(at(2025, 6, 21, 9), tick=False):
        report_accept(actor=h["admin"], report=before)
    make_report(h["district_collab"], sent_at=at(2025, 6, 25, 10))  # open at the split: follows its author
    split(h)
    make_report(h["school_collab"], sent_at=at(2025, 7, 5, 10))  # the school is under ward 1 now
    make_report(h["school_collab"], sent_at=at(2025, 7, 6, 10))
    return h


def page(client, user, url, **params):
    with time_machine.travel(at(2025, 7, 10, 9), tick=False):
        client.force_login(user)
        return client.get(url, params)


def dashboard_reports(client, user, unit) -> int:
    response = page(client, user, "/dashboard/", unit=unit.pk, period="2025-07")
    assert response.status_code == 200
    return response.context["activity"]["reports"]


def test_the_dashboard_keeps_the_days_before_the_split_with_the_district(client, restructured):
    h = restructured
    w1, w2, w3 = h["wards"]
    figures = {u.code: dashboard_reports(client, h["admin"], u) for u in (h["city"], h["district"], w1, w2, w3)}
    # By hand: the school's report of 20/06 is the district's; the school's two of July are ward 1's; the
    # report still open at the split went with its author to ward 2.
    assert figures == {"LDLD-HN": 4, "LDLD-D01": 1, "CD-00004": 2, "CD-00008": 1, "CD-00025": 0}


def test_the_summaries_of_the_period_split_the_same_way(restructured):
    h = restructured
    w1, w2, _w3 = h["wards"]
    totals = {}
    with time_machine.travel(at(2025, 7, 20, 9), tick=False):
        period = ReportingPeriod.objects.month_of(date(2025, 7, 1))
        for unit in (h["district"], w1, w2):
            summary, _created = summary_schedule(scope=unit, period=period)
            assert summary_compile(summary_id=summary.pk)
            summary.refresh_from_db()
            totals[unit.code] = summary.statistics["totals"]["reports"]
    assert totals == {"LDLD-D01": 1, "CD-00004": 2, "CD-00008": 1}


def test_the_units_pages_show_the_ended_district_its_successors_and_the_moved_branches(client, restructured):
    h = restructured
    w1, w2, w3 = h["wards"]
    district = page(client, h["admin"], reverse("roster:unit_detail", args=[h["district"].pk]))
    html = district.content.decode()
    assert district.status_code == 200 and 'data-testid="unit-ended-notice"' in html
    assert "30/06/2025" in html
    for ward in (w1, w2, w3):
        assert ward.name in html
    ward = page(client, h["admin"], reverse("roster:unit_detail", args=[w1.pk])).content.decode()
    assert h["district"].name in ward and h["school"].name in ward  # its predecessor, its new branch
    history = page(client, h["admin"], reverse("roster:unit_history", args=[h["school"].pk])).content.decode()
    assert "LDLD-D01" in history and "CD-00004" in history  # the school's move, dated, in its history
    tree = page(client, h["admin"], reverse("roster:unit_tree")).content.decode()
    assert w1.name in tree


def test_the_roster_lists_the_people_under_their_successor_and_keeps_their_move(client, restructured):
    h = restructured
    w1, w2, _w3 = h["wards"]
    listed = page(client, h["admin"], reverse("roster:person_list"), unit=w1.pk).context["page"].object_list
    assert {p.username for p in listed} == {"bdstaff", "school"}
    listed = page(client, h["admin"], reverse("roster:person_list"), unit=w2.pk).context["page"].object_list
    assert {p.username for p in listed} == {"bdcollab"}
    assert (
        not page(client, h["admin"], reverse("roster:person_list"), unit=h["district"].pk).context["page"].object_list
    )
    history = page(client, h["admin"], reverse("roster:person_history", args=[h["district_collab"].pk]))
    assert history.status_code == 200 and h["district"].name in history.content.decode()


def test_the_quality_page_counts_each_report_where_it_is_filed_now(client, restructured):
    h = restructured
    w1, w2, _w3 = h["wards"]
    response = page(
        client, h["admin"], "/roster/quality/", unit=h["city"].pk, start="2025-07", end="2025-07", by="units"
    )
    rows = {row["unit"].code: row["sent"] for row in response.context["units"]["rows"]}
    # The school's three reports are filed at the school, now under ward 1 (the review queue lists them
    # there too); the open report went to ward 2 with its author.
    assert rows["CD-00004"] == 3 and rows["CD-00008"] == 1 and rows["LDLD-D01"] == 0


def test_the_units_pages_count_the_reports_before_the_split_with_the_district(client, restructured):
    h = restructured
    w1, w2, w3 = h["wards"]
    with time_machine.travel(at(2025, 7, 10, 9), tick=False):
        listed = units_with_counts(h["admin"], [h["district"], w1, w2, w3, h["school"], h["city"]])
    figures = {unit.code: list(unit.figures.values()) for unit in listed}
    # By hand: the school's report of 20/06 stays with the district; its two of July are ward 1's; the open
    # report followed its author to ward 2; the school itself keeps all three of its own; the city all four.
    assert figures == {
        "LDLD-D01": [1],
        "CD-00004": [2],
        "CD-00008": [1],
        "CD-00025": [0],
        "CS-BD-01": [3],
        "LDLD-HN": [4],
    }
    # The city's page lists the district and the wards under it with those figures.
    html = page(client, h["admin"], reverse("roster:unit_detail", args=[h["city"].pk]), ended="1").content.decode()
    assert h["district"].name in html and w1.name in html
