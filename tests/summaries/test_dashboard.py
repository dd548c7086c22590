"""The dashboard (/dashboard/): scoping, figures against an independent recount, the lists behind
the figures, constant query counts, and the period filter."""

import json
import re
from collections import Counter
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from collaborators.filters import PeopleFilter
from collaborators.models import CollaboratorProfile, CollaboratorStatus, Role
from collaborators.selectors import people_visible_to
from core import fragments
from reports.filters import ReportFilter
from reports.models import AlertLevel, Direction, Report, ReportKind
from reports.selectors import review_queue
from reports.services import report_accept, report_reject, report_return, rumour_create, rumour_link
from summaries.columns import COUNTED_Q
from summaries.services.tallies import DASHBOARD_FRAGMENTS
from tests.clock import frozen_clock
from tests.factories import UnitFactory, UserFactory
from tests.summaries.conftest import local, make_report

pytestmark = pytest.mark.clock
_clock = frozen_clock()  # the tests build their dates from "now"

URL = "/dashboard/"
OCT, SEP = date(2025, 10, 1), date(2025, 9, 1)


def active(person):
    CollaboratorProfile.objects.update_or_create(user=person, defaults={"status": CollaboratorStatus.ACTIVE})
    return person


def login(client, user):
    client.force_login(user)
    return client


def recount(unit, month: date, **filters) -> Counter:
    """Straight from the reports, without the tallies: per kind, status, direction and topic."""
    end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    reports = Report.objects.filter(
        COUNTED_Q,
        unit__path__startswith=unit.path,
        first_submitted_at__gte=local(month.year, month.month, 1, 0),
        first_submitted_at__lt=local(end.year, end.month, 1, 0),
        **filters,
    )
    counts = Counter(total=reports.count())
    for field in ("kind", "status", "direction", "topic_id"):
        for row in reports.values(field).annotate(n=Count("pk")):
            counts[f"{field}:{row[field]}"] += row["n"]
    hot = Q(kind=ReportKind.HOT_SPOT) | Q(alert_level=AlertLevel.HOT_SPOT)
    counts["hot"] = reports.filter(hot).count()
    counts["urgent"] = reports.filter(urgent=True).count()
    return counts


@pytest.fixture
def federation_staff(city):
    return UserFactory(unit=city, role=Role.STAFF, username="citystaff")


@pytest.fixture
def data(collaborator, other_collaborator, unit_staff, other_staff, topics, grassroots):
    """Reports in two unions over two months, of several kinds, statuses, directions and topics."""
    active(collaborator)
    active(other_collaborator)
    second = active(UserFactory(unit=grassroots, role=Role.COLLABORATOR, full_name="Trần Văn Bình"))
    oct_, sep = local(2025, 10, 8), local(2025, 9, 20)
    made = [
        make_report(collaborator, sent_at=oct_, direction=Direction.POSITIVE, topic=topics[0]),
        make_report(collaborator, sent_at=oct_, direction=Direction.NEGATIVE, topic=topics[0], urgent=True),
        make_report(collaborator, sent_at=oct_, direction=Direction.NEGATIVE, topic=topics[1]),
        make_report(collaborator, sent_at=oct_, kind=ReportKind.HOT_SPOT, topic=topics[1]),
        make_report(second, sent_at=oct_, kind=ReportKind.PROPOSAL, topic=topics[2], observed_on=date(2025, 10, 1)),
        make_report(second, sent_at=oct_, kind=ReportKind.RUMOUR, topic=topics[2], direction=Direction.MIXED),
        make_report(collaborator, sent_at=sep, direction=Direction.POSITIVE, topic=topics[0]),
        make_report(collaborator, sent_at=sep, kind=ReportKind.QUESTION, topic=topics[1]),
        # The other union: never in the union's figures.
        make_report(other_collaborator, sent_at=oct_, direction=Direction.NEGATIVE, topic=topics[0]),
        make_report(other_collaborator, sent_at=oct_, kind=ReportKind.HOT_SPOT, topic=topics[0]),
    ]
    report_accept(actor=unit_staff, report=made[0])
    report_reject(actor=unit_staff, report=made[2], reason="Trùng lặp")
    report_return(actor=unit_staff, report=made[3], reason="Bổ sung địa điểm")
    rumour = rumour_create(actor=unit_staff, title="Tin đồn cắt giảm lao động", report=made[5])
    rumour_link(actor=unit_staff, report=Report.objects.get(pk=made[5].pk), rumour=rumour)
    return {"reports": made, "rumour": rumour}


def context(response, name):
    return response.context[name]


# --- who may see what --------------------------------------------------------------------------


def test_anonymous_people_go_to_the_login_page(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_collaborators_get_404(client, collaborator):
    assert login(client, collaborator).get(URL).status_code == 404


def test_union_staff_see_their_own_subtree_only(client, data, unit_staff, union, other_union, grassroots):
    response = login(client, unit_staff).get(URL, {"period": "2025-10"})
    assert response.status_code == 200
    assert context(response, "unit") == union
    assert context(response, "headline")["total"]["n"] == recount(union, OCT)["total"] == 6
    assert response.context["compliance"]["active"] == 2  # the two collaborators under the union
    # A unit below theirs: allowed, and counted from the reports (below the rolled-up depth).
    response = client.get(URL, {"period": "2025-10", "unit": grassroots.pk})
    assert response.status_code == 200
    assert context(response, "headline")["total"]["n"] == recount(grassroots, OCT)["total"] == 6
    # Another union, or a unit that does not exist, or garbage: 404, never a hint that it exists.
    for unit in (other_union.pk, 999999, "abc"):
        assert client.get(URL, {"period": "2025-10", "unit": unit}).status_code == 404


def test_other_union_staff_get_404_for_this_union(client, data, other_staff, union, city):
    login(client, other_staff)
    assert client.get(URL, {"unit": union.pk}).status_code == 404
    assert client.get(URL, {"unit": city.pk}).status_code == 404  # above them: out of scope too
    response = client.get(URL, {"period": "2025-10"})
    assert response.status_code == 200
    assert context(response, "headline")["total"]["n"] == 2


def test_federation_staff_see_the_city(client, data, federation_staff, city, union, other_union):
    response = login(client, federation_staff).get(URL, {"period": "2025-10"})
    assert context(response, "unit") == city
    assert context(response, "headline")["total"]["n"] == recount(city, OCT)["total"] == 8
    units = [pk for pk, _label in response.context["form"].fields["unit"].choices]
    assert set(units) >= {city.pk, union.pk, other_union.pk}
    response = client.get(URL, {"period": "2025-10", "unit": other_union.pk})
    assert context(response, "headline")["total"]["n"] == 2


def test_the_unit_picker_lists_two_levels_but_accepts_any_unit_in_scope(
    client, data, federation_staff, city, union, grassroots
):
    login(client, federation_staff)
    listed = [str(value) for value, _label in client.get(URL).context["form"].fields["unit"].choices]
    assert str(grassroots.pk) not in listed  # three levels down: not listed …
    response = client.get(URL, {"unit": grassroots.pk})  # … but accepted
    assert response.status_code == 200
    assert context(response, "unit") == grassroots


# --- the figures ---------------------------------------------------------------------------------


def test_figures_equal_an_independent_recount(client, data, unit_staff, union, topics):
    response = login(client, unit_staff).get(URL, {"period": "2025-10"})
    now, before = recount(union, OCT), recount(union, SEP)
    headline = context(response, "headline")
    assert headline["previous"]["n"] == before["total"] == 2
    assert headline["change"] == 200.0

    over_time = {row["month"]: row for row in context(response, "over_time")}
    assert len(over_time) == 12
    for month, counts in ((OCT, now), (SEP, before)):
        row = over_time[month]
        assert row["total"]["n"] == counts["total"]
        assert [c["n"] for c in row["kinds"]] == [counts[f"kind:{k}"] for k in ReportKind.values]
    assert over_time[date(2025, 8, 1)]["total"]["n"] == 0

    directions = {row["name"]: row for row in context(response, "directions")}
    for topic in topics:
        row = directions[topic.name]
        per_topic = recount(union, OCT, topic=topic)
        assert row["total"]["n"] == per_topic["total"]
        assert [c["n"] for c in row["directions"]] == [per_topic[f"direction:{d}"] for d in Direction.values]

    top = {row["name"]: row for row in context(response, "top_topics")}
    assert top[topics[0].name]["now"]["n"] == now[f"topic_id:{topics[0].pk}"] == 2
    assert top[topics[0].name]["before"]["n"] == before[f"topic_id:{topics[0].pk}"] == 1

    activity = context(response, "activity")
    assert activity["accepted"] == now["status:accepted"] == 1
    assert activity["acceptance_rate"] == 50.0  # one accepted, one rejected
    assert activity["median_delay"] == 7  # observed 01/10, sent 08/10
    statuses = {row["key"]: row["count"]["n"] for row in activity["statuses"]}
    assert statuses == {s: now[f"status:{s}"] for s in statuses}

    hot = context(response, "hot")
    assert hot["open"][0]["month"]["n"] == now["hot"] == 1
    assert hot["open"][0]["returned"]["n"] == 1  # the returned hot spot
    assert hot["open"][1]["submitted"]["n"] == 1  # the rapid report, still submitted
    assert {r.pk for r in hot["items"]} == {data["reports"][1].pk, data["reports"][3].pk}

    rumours = context(response, "rumours")
    assert [item["rumour"] for item in rumours["items"]] == [data["rumour"]]
    assert rumours["items"][0]["sightings"]["n"] == 1
    assert rumours["sightings"] == 1
    body = response.content.decode()
    assert reverse("reports:rumour_detail", args=[data["rumour"].pk]) in body
    assert reverse("reports:detail", args=[data["reports"][1].pk]) in body


def test_topic_and_policy_filters_narrow_the_report_figures(client, data, unit_staff, union, topics):
    response = login(client, unit_staff).get(URL, {"period": "2025-10", "topic": topics[0].pk})
    assert context(response, "headline")["total"]["n"] == recount(union, OCT, topic=topics[0])["total"] == 2
    link = context(response, "headline")["total"]["url"]
    assert parse_qs(urlsplit(link).query)["topic"] == [str(topics[0].pk)]


def _report_cells(value):
    """Every {n, url} cell of the page that links to the review queue."""
    if isinstance(value, dict):
        if set(value) == {"n", "url"}:
            if value["url"] and value["url"].startswith(reverse("reports:list")):
                yield value
            return
        for item in value.values():
            yield from _report_cells(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _report_cells(item)


def test_every_linked_figure_equals_the_list_behind_it(client, data, unit_staff, federation_staff):
    for user in (unit_staff, federation_staff):
        client.logout()
        response = login(client, user).get(URL, {"period": "2025-10"})
        cells = []
        for name in ("headline", "over_time", "directions", "policies", "top_topics", "hot", "rumours", "activity"):
            cells += list(_report_cells(response.context[name]))
        assert len(cells) > 20
        for cell in cells:
            params = QueryDict(urlsplit(cell["url"]).query)
            assert "status" in params  # otherwise the queue shows only what waits for review
            listed = ReportFilter(params, queryset=review_queue(user), user=user)
            assert listed.is_valid(), (cell, listed.errors)
            assert listed.qs.count() == cell["n"], cell["url"]


def test_following_a_link_lists_exactly_the_counted_reports(client, data, unit_staff, union):
    response = login(client, unit_staff).get(URL, {"period": "2025-10"})
    row = next(r for r in context(response, "over_time") if r["month"] == OCT)
    opinion = row["kinds"][ReportKind.values.index(ReportKind.OPINION)]
    listed = client.get(opinion["url"])
    assert listed.status_code == 200
    shown = {report.pk for report in listed.context["page"]}
    expected = set(
        Report.objects.filter(COUNTED_Q, unit__path__startswith=union.path, kind=ReportKind.OPINION)
        .filter(first_submitted_at__gte=local(2025, 10, 1, 0), first_submitted_at__lt=local(2025, 11, 1, 0))
        .values_list("pk", flat=True)
    )
    assert shown == expected
    assert len(shown) == opinion["n"] == 3


def test_compliance_this_month_and_its_roster_links(client, unit_staff, union, grassroots, collaborator):
    active(collaborator)
    absent = active(UserFactory(unit=grassroots, role=Role.COLLABORATOR, full_name="Đỗ Thị Vắng"))
    direct = active(UserFactory(unit=union, role=Role.COLLABORATOR, full_name="Ngô Văn Trực"))
    make_report(collaborator)  # now: this month
    make_report(direct, kind=ReportKind.PROPOSAL)
    response = login(client, unit_staff).get(URL)
    compliance = context(response, "compliance")
    assert (compliance["active"], compliance["reported"], compliance["missing_count"]) == (3, 2, 1)
    assert compliance["rate"] == pytest.approx(66.7)
    assert [person["name"] for person in compliance["missing"]] == [absent.full_name]
    assert absent.full_name in response.content.decode()
    cells = [compliance["active_cell"], compliance["reported_cell"], compliance["missing_cell"]]
    cells += [c for row in compliance["rows"] for c in (row["active"], row["reported"], row["missing"])]
    linked = [cell for cell in cells if cell["url"]]
    assert len(linked) == 6  # the union's three, and the grassroots unit's active, reported, missing
    for cell in linked:
        params = QueryDict(urlsplit(cell["url"]).query)
        people = PeopleFilter(params, queryset=people_visible_to(unit_staff), user=unit_staff)
        assert people.qs.count() == cell["n"], cell["url"]
    assert context(response, "headline")["rate"] == pytest.approx(66.7)


def test_a_past_month_does_not_link_to_the_roster_s_current_month_filter(client, data, unit_staff):
    compliance = context(login(client, unit_staff).get(URL, {"period": "2025-10"}), "compliance")
    assert compliance["missing_cell"]["url"] is None
    assert compliance["active_cell"]["url"]


# --- the period filter ---------------------------------------------------------------------------


@pytest.mark.parametrize("period", ["2025-13", "13/2025", "10/20255", "abc", "2999-01", "1999-12"])
def test_a_bad_period_gets_a_message_and_the_current_month(client, unit_staff, english, period):
    response = login(client, unit_staff).get(URL, {"period": period})
    assert response.status_code == 200
    form = context(response, "form")
    assert "period" in form.errors
    assert context(response, "month") == timezone.localdate().replace(day=1)
    body = response.content.decode()
    assert "Showing the current month" in body


def test_a_month_typed_as_people_write_it_is_read(client, unit_staff):
    response = login(client, unit_staff).get(URL, {"period": "10/2025"})
    assert not context(response, "form").errors
    assert context(response, "month") == date(2025, 10, 1)


def test_the_default_is_the_current_local_month(client, unit_staff, union):
    response = login(client, unit_staff).get(URL)
    assert context(response, "month") == timezone.localdate().replace(day=1)
    assert context(response, "unit") == union
    assert 'id="dashboard-data"' in response.content.decode()


# --- queries do not grow with the data ---------------------------------------------------------


def _queries(client, params) -> int:
    client.get(URL, params)  # the reporting period row exists from here on
    fragments.bump(DASHBOARD_FRAGMENTS)  # every block is built again, not read from the cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries)


def _grow(parent, collaborators, *, units, reports, topics, staff):
    """``units`` more units under ``parent``, each with an active collaborator, and ``reports`` reports."""
    people = list(collaborators)
    for _index in range(units):
        unit = UnitFactory(parent=parent)
        people.append(active(UserFactory(unit=unit, role=Role.COLLABORATOR)))
    made = []
    for index in range(reports):
        kind = [ReportKind.OPINION, ReportKind.HOT_SPOT, ReportKind.RUMOUR, ReportKind.PROPOSAL][index % 4]
        made.append(
            make_report(
                people[index % len(people)],
                sent_at=local(2025, 10 - (index // 4) % 3, 1 + index % 27),  # each kind in 10/2025 from the start
                kind=kind,
                topic=topics[index % len(topics)],
                direction=Direction.values[index % 4],
                urgent=index % 5 == 0,
                observed_on=date(2025, 8, 1),
            )
        )
    for report in made[::3]:
        report_accept(actor=staff, report=report)
    rumour = rumour_create(actor=staff, title=f"Tin đồn {len(made)}")
    for report in made:
        if report.kind == ReportKind.RUMOUR:
            rumour_link(actor=staff, report=Report.objects.get(pk=report.pk), rumour=rumour)


@pytest.mark.parametrize("who", ["federation", "union", "grassroots"])
def test_query_count_does_not_grow_with_units_or_reports(
    client, who, city, union, grassroots, collaborator, unit_staff, federation_staff, topics
):
    active(collaborator)
    viewer = federation_staff if who == "federation" else unit_staff
    parent = {"federation": city, "union": union, "grassroots": grassroots}[who]
    params = {"period": "2025-10", "unit": parent.pk}
    login(client, viewer)
    _grow(parent, [collaborator], units=2, reports=5, topics=topics, staff=federation_staff)
    small = _queries(client, params)
    _grow(parent, [collaborator], units=8, reports=45, topics=topics, staff=federation_staff)
    large = _queries(client, params)
    assert Report.objects.filter(unit__path__startswith=parent.path).count() >= 50
    assert large == small, (small, large)
    assert context(client.get(URL, params), "headline")["total"]["n"] == recount(parent, OCT)["total"]


def test_filtered_page_query_count_is_constant_too(client, city, collaborator, federation_staff, topics):
    active(collaborator)
    params = {"period": "2025-10", "topic": topics[0].pk}
    login(client, federation_staff)
    _grow(city, [collaborator], units=2, reports=5, topics=topics, staff=federation_staff)
    small = _queries(client, params)
    _grow(city, [collaborator], units=8, reports=45, topics=topics, staff=federation_staff)
    assert _queries(client, params) == small


# --- the blocks are cached per scope, period and version -----------------------------------------


def _without_csrf(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)


def _shown_total(response) -> int:
    """The headline's number of reports as the page prints it (not the view's context)."""
    html = response.content.decode().split('data-testid="headline-total">')[1]
    return int(re.match(r"(?:<a [^>]*>|<span[^>]*>)([\d.]+)<", html).group(1).replace(".", ""))


def _charts(response) -> dict:
    html = response.content.decode()
    return json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)[1])


def test_blocks_come_from_the_cache_until_a_write_changes_the_figures(client, data, unit_staff, union):
    login(client, unit_staff)
    params = {"period": "2025-10"}
    first = client.get(URL, params)
    with CaptureQueriesContext(connection) as cached_queries:
        second = client.get(URL, params)
    fragments.bump(DASHBOARD_FRAGMENTS)
    with CaptureQueriesContext(connection) as full_queries:
        client.get(URL, params)
    assert _without_csrf(second.content.decode()) == _without_csrf(first.content.decode())
    assert len(cached_queries) < len(full_queries) - 10, (len(cached_queries), len(full_queries))

    # A write that changes a figure: the next page shows it, without waiting for the cache to expire.
    accepted = recount(union, OCT)["status:accepted"]
    report_accept(actor=unit_staff, report=Report.objects.get(pk=data["reports"][1].pk))
    assert recount(union, OCT)["status:accepted"] == accepted + 1
    page = client.get(URL, params)
    activity = _charts(page)["chart-activity"]
    shown = dict(zip(activity["keys"], activity["datasets"][0]["data"], strict=True))
    assert shown["accepted"] == accepted + 1
    assert _without_csrf(page.content.decode()) != _without_csrf(first.content.decode())


def test_the_filter_fields_are_kept_until_a_unit_or_topic_is_written(client, data, federation_staff, union):
    from reports.models import Topic

    login(client, federation_staff)
    params = {"period": "2025-10"}
    with CaptureQueriesContext(connection) as rendered:
        first = client.get(URL, params)
    # The picker's list is read once (an optional choice does not read it again for ``required``).
    assert len([q for q in rendered.captured_queries if "parent_path" in q["sql"]]) == 1
    with CaptureQueriesContext(connection) as kept:
        second = client.get(URL, params)
    assert _without_csrf(second.content.decode()) == _without_csrf(first.content.decode())
    assert not [q for q in kept.captured_queries if "parent_path" in q["sql"]]  # no unit listed with its branches
    assert not [q for q in kept.captured_queries if "reports_topic" in q["sql"]]
    union.name = "Công đoàn phường Đổi Tên"
    union.save()
    assert "Công đoàn phường Đổi Tên" in client.get(URL, params).content.decode()
    Topic.objects.create(code="moi", name="Chủ đề mới thêm")
    assert "Chủ đề mới thêm" in client.get(URL, params).content.decode()
    # Other filters, other fields: the chosen month and a month that cannot be read each show as given.
    september = client.get(URL, {"period": "2025-09"}).content.decode()
    assert 'name="period" value="2025-09"' in september and "is-invalid" not in september
    assert "is-invalid" in client.get(URL, {"period": "13/2025"}).content.decode()  # its error, not kept fields


def test_each_scope_and_filter_has_its_own_blocks(client, data, federation_staff, city, union, topics):
    login(client, federation_staff)
    pages = [
        client.get(URL, {"period": "2025-10"}),
        client.get(URL, {"period": "2025-10", "unit": union.pk}),
        client.get(URL, {"period": "2025-10", "unit": union.pk, "topic": topics[0].pk}),
        client.get(URL, {"period": "2025-10", "topic": topics[0].pk}),
    ]
    expected = [
        recount(city, OCT)["total"],
        recount(union, OCT)["total"],
        recount(union, OCT, topic=topics[0])["total"],
        recount(city, OCT, topic=topics[0])["total"],
    ]
    assert len(set(expected)) == 4, expected  # the data tells the four pages apart
    assert [_shown_total(page) for page in pages] == expected
    # Again, now from the cache: each page its own figures.
    again = [
        client.get(URL, {"period": "2025-10"}),
        client.get(URL, {"period": "2025-10", "unit": union.pk}),
        client.get(URL, {"period": "2025-10", "unit": union.pk, "topic": topics[0].pk}),
        client.get(URL, {"period": "2025-10", "topic": topics[0].pk}),
    ]
    assert [_shown_total(page) for page in again] == expected
