"""The counters of sent reports per unit and status, and of sightings per rumour and unit, kept by the
database's triggers, always equal a recount of the reports; the queue, the units page and the rumours
read them at a constant number of queries whatever the number of reports."""

import re

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import fragments
from reports.models import Report, ReportKind, ReportStatus, Rumour, RumourUnitCount, UnitReportCount
from reports.services import (
    report_accept,
    report_reject,
    report_return,
    report_save,
    reports_bulk_accept,
    rumour_create,
    rumour_link,
)
from tests.factories import UserFactory
from tests.reports.conftest import make_report, report_data

pytestmark = [pytest.mark.django_db]


def counters() -> dict:
    return {
        (unit, status): n
        for unit, status, n in UnitReportCount.objects.values_list("unit_id", "status", "reports")
        if n
    }


def recount() -> dict:
    rows = (
        Report.objects.exclude(status=ReportStatus.DRAFT)
        .order_by()
        .values_list("unit_id", "status")
        .annotate(n=Count("pk"))
    )
    return {(unit, status): n for unit, status, n in rows}


def sighting_counters() -> dict:
    rows = RumourUnitCount.objects.values_list("rumour_id", "unit_id", "sightings")
    return {(rumour, unit): n for rumour, unit, n in rows if n}


def sighting_recount() -> dict:
    rows = (
        Report.objects.exclude(status=ReportStatus.DRAFT)
        .filter(rumour__isnull=False)
        .order_by()
        .values_list("rumour_id", "unit_id")
        .annotate(n=Count("pk"))
    )
    return {(rumour, unit): n for rumour, unit, n in rows}


def test_every_kind_of_write_keeps_the_counters_equal_to_a_recount(
    unit_staff, collaborator, other_collaborator, grassroots, other_union
):
    draft = make_report(collaborator, submit=False, title="Bản nháp")
    assert counters() == recount() == {}
    sent = [make_report(collaborator, title=f"Ý kiến {i}") for i in range(4)]
    make_report(other_collaborator, title="Ở phường khác")
    assert counters() == recount()
    assert counters()[(grassroots.pk, ReportStatus.SUBMITTED)] == 4

    report_accept(actor=unit_staff, report=sent[0])
    report_return(actor=unit_staff, report=sent[1], reason="Bổ sung địa điểm")
    report_reject(actor=unit_staff, report=sent[2], reason="Trùng lặp")
    assert counters() == recount()
    # sent again after being returned
    report_save(author=collaborator, token=sent[1].client_token, data=report_data(title="Ý kiến 1"), submit=True)
    reports_bulk_accept(actor=unit_staff, reports=Report.objects.filter(pk__in=[sent[1].pk, sent[3].pk]))
    report_save(author=collaborator, token=draft.client_token, data=report_data(title="Bản nháp"), submit=True)
    assert counters() == recount()

    # writes that bypass the services: a bulk update of status and unit, a deletion
    Report.objects.filter(pk=sent[0].pk).update(status=ReportStatus.ARCHIVED)
    Report.objects.filter(pk=sent[2].pk).update(unit=other_union)
    Report.objects.filter(pk=sent[3].pk).delete()
    Report.objects.filter(pk=draft.pk).update(status=ReportStatus.DRAFT)
    assert counters() == recount()
    assert counters()[(other_union.pk, ReportStatus.REJECTED)] == 1


def test_sightings_per_rumour_and_unit_equal_a_recount(unit_staff, collaborator, other_collaborator):
    first = make_report(collaborator, kind=ReportKind.RUMOUR, title="Tin đồn cắt giảm")
    second = make_report(collaborator, kind=ReportKind.RUMOUR, title="Tin đồn cắt giảm nữa")
    rumour = rumour_create(actor=unit_staff, title="Cắt giảm công nhân", report=first)
    rumour_link(actor=unit_staff, report=second, rumour=rumour)
    elsewhere = make_report(other_collaborator, kind=ReportKind.RUMOUR, title="Tin đồn ở phường khác")
    Report.objects.filter(pk=elsewhere.pk).update(rumour=rumour)
    assert sighting_counters() == sighting_recount()
    assert sum(sighting_counters().values()) == 3
    other = Rumour.objects.create(title="Tin đồn khác")
    Report.objects.filter(pk=second.pk).update(rumour=other)  # as a merge of rumours would
    Report.objects.filter(pk=first.pk).update(status=ReportStatus.DRAFT)
    assert sighting_counters() == sighting_recount()
    other.delete()
    assert sighting_counters() == sighting_recount()


def _badges(response) -> dict:
    html = response.content.decode()
    found = re.findall(r'data-testid="status-count-(\w+)"[^>]*>[^<]*<span[^>]*>([^<]*)</span>', html)
    return dict(found)


def test_the_queue_shows_the_counters_and_its_queries_do_not_grow(
    client, unit_staff, collaborator, other_collaborator, django_assert_num_queries
):
    for i in range(3):
        make_report(collaborator, title=f"Chờ {i}")
    make_report(other_collaborator, title="Ngoài phạm vi")
    client.force_login(unit_staff)
    url = reverse("reports:list")
    client.get(url)  # the session and the caches warmed
    client.get(url, {"status": ""})  # this filter's form too (reports written do not move it)
    fragments.bump(fragments.FIGURES)  # the status counts read from the counters, not from the cache
    with CaptureQueriesContext(connection) as first:
        response = client.get(url)
    queries = len(first)
    assert response.context["status_total"] == 3
    # Again: the status counts and the page's rows come from the cache (no report is read).
    with django_assert_num_queries(queries - 2) as again:
        assert client.get(url).context["status_total"] == 3
    assert not [q["sql"] for q in again.captured_queries if 'FROM "reports_report"' in q["sql"]]
    assert _badges(response)[ReportStatus.SUBMITTED] == "3"
    assert response.context["page"].paginator.count == 3

    for i in range(12):
        report_accept(actor=unit_staff, report=make_report(collaborator, title=f"Thêm {i}"))
    with django_assert_num_queries(queries) as captured:
        response = client.get(url, {"status": ""})
    assert response.context["status_total"] == 15
    assert _badges(response) == {
        ReportStatus.SUBMITTED: "3",
        ReportStatus.RETURNED: "0",
        ReportStatus.ACCEPTED: "12",
        ReportStatus.REJECTED: "0",
        ReportStatus.ARCHIVED: "0",
    }
    assert response.context["page"].paginator.count == 15
    # nothing of this was counted from the reports table
    counting = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT(")]
    assert not [sql for sql in counting if 'FROM "reports_report"' in sql.split(" WHERE ")[0]]


def test_the_queue_filtered_by_a_unit_reads_that_subtrees_counters(client, city, unit_staff, collaborator, union):
    admin = UserFactory(username="cityadmin2", unit=city, role="admin")
    make_report(collaborator, title="Ở cơ sở")
    client.force_login(admin)
    response = client.get(reverse("reports:list"), {"unit": union.pk})
    assert response.context["status_total"] == 1
    assert response.context["page"].paginator.count == 1


def test_other_filters_count_each_status_up_to_the_cap(client, english, unit_staff, collaborator, monkeypatch):
    monkeypatch.setattr("reports.views.review.COUNT_CAP", 2)
    for i in range(3):
        make_report(collaborator, title=f"Ý kiến lương {i}")
    report_accept(actor=unit_staff, report=make_report(collaborator, title="Ý kiến lương đã nhận"))
    client.force_login(unit_staff)
    with CaptureQueriesContext(connection) as capped:
        response = client.get(reverse("reports:list"), {"kind": ReportKind.OPINION})
    badges = _badges(response)
    # at most cap + 1 = 3 of the 4 opinions were read: every figure is a lower bound
    assert all(badge.endswith("+") for badge in badges.values())
    assert sum(int(badge[:-1]) for badge in badges.values()) == 3
    assert response.context["status_total"] == 2
    assert response.context["page"].paginator.capped
    assert [q["sql"] for q in capped.captured_queries if "LIMIT 3" in q["sql"]]
    assert "More than 2 reports" in response.content.decode()
    response = client.get(reverse("reports:list"), {"kind": ReportKind.OPINION, "status": "accepted"})
    assert _badges(response)[ReportStatus.ACCEPTED].endswith("+")
    assert not response.context["page"].paginator.capped
    assert response.context["page"].paginator.count == 1


def _counting(captured) -> list[str]:
    """The queries counting reports (the filter form's unit picker counts units on its first rendering)."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if "COUNT(" in q["sql"].upper() and 'FROM "reports_report"' in q["sql"]
    ]


def test_a_search_counts_its_statuses_once_until_a_report_is_written(client, unit_staff, collaborator):
    for i in range(3):
        make_report(collaborator, title=f"Lương tháng {i}")
    client.force_login(unit_staff)
    url = reverse("reports:list")
    params = {"q": "lương", "status": ""}
    assert client.get(url, params).context["status_total"] == 3
    with CaptureQueriesContext(connection) as again:
        response = client.get(url, params)
    assert not _counting(again)  # the sampled counts came from the cache, the page's count from them
    assert response.context["status_total"] == 3
    assert response.context["page"].paginator.count == 3
    assert not response.context["page"].paginator.capped
    report_accept(actor=unit_staff, report=make_report(collaborator, title="Lương mới"))
    response = client.get(url, params)
    assert response.context["status_total"] == 4
    assert _badges(response)[ReportStatus.ACCEPTED] == "1"
    assert response.context["page"].paginator.count == 4


def test_counts_of_reports_waiting_too_long_are_read_every_time(client, unit_staff, collaborator):
    make_report(collaborator, title="Chờ")
    client.force_login(unit_staff)
    url = reverse("reports:list")
    client.get(url, {"overdue": "true"})
    with CaptureQueriesContext(connection) as again:
        client.get(url, {"overdue": "true"})
    assert _counting(again)  # the clock moves these figures without any write


def test_the_page_count_of_a_capped_search_of_every_status_is_the_samples(
    client, english, unit_staff, collaborator, monkeypatch
):
    monkeypatch.setattr("reports.views.review.COUNT_CAP", 2)
    for i in range(4):
        make_report(collaborator, title=f"Lương {i}")
    client.force_login(unit_staff)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("reports:list"), {"q": "lương", "status": ""})
    assert response.context["page"].paginator.capped
    assert response.context["page"].paginator.count == 2
    assert "More than 2 reports" in response.content.decode()
    assert len(_counting(captured)) == 1  # the sample's, not a second count for the page


def test_the_rumour_list_names_five_units_counts_the_rest_and_its_queries_do_not_grow(
    client, english, city, unit_staff, union, django_assert_num_queries
):
    from collaborators.models import Role, UnitKind
    from tests.factories import UnitFactory

    admin = UserFactory(username="cityadmin3", unit=city, role="admin")
    rumour = rumour_create(actor=admin, title="Tin đồn lan rộng")
    units = [UnitFactory(parent=union, kind=UnitKind.GRASSROOTS, code=f"G{i}", name=f"Cơ sở {i}") for i in range(3)]

    def sight(unit, n):
        author = UserFactory(unit=unit, role=Role.COLLABORATOR)
        for i in range(n):
            report = make_report(author, kind=ReportKind.RUMOUR, title=f"Nghe nói {i}")
            rumour_link(actor=admin, report=report, rumour=rumour)

    for index, unit in enumerate(units):
        sight(unit, index + 1)
    client.force_login(unit_staff)
    url = reverse("reports:rumour_list")
    client.get(url)
    fragments.bump(fragments.FIGURES)  # measured without the cached sightings per unit
    with CaptureQueriesContext(connection) as first:
        listed = client.get(url).context["page"][0]
    assert listed.units_seen == ["Cơ sở 2", "Cơ sở 1", "Cơ sở 0"]  # most sightings first
    assert listed.in_scope == 6 and listed.units_more == 0

    more = [UnitFactory(parent=union, kind=UnitKind.GRASSROOTS, code=f"H{i}", name=f"Đơn vị {i}") for i in range(4)]
    for unit in more:
        sight(unit, 1)
    with django_assert_num_queries(len(first)):
        response = client.get(url)
    listed = response.context["page"][0]
    assert listed.in_scope == 10
    assert len(listed.units_seen) == 5 and listed.units_more == 2
    assert "and 2 more units" in response.content.decode()


def test_a_rumour_only_in_a_draft_is_not_listed_for_staff(client, unit_staff, collaborator):
    rumour = Rumour.objects.create(title="Chỉ trong bản nháp")  # listed for no unit
    draft = make_report(collaborator, submit=False, kind=ReportKind.RUMOUR, title="Nháp")
    Report.objects.filter(pk=draft.pk).update(rumour=rumour)
    assert rumour not in Rumour.objects.visible_to(unit_staff)
    sent = make_report(collaborator, kind=ReportKind.RUMOUR, title="Đã gửi")
    Report.objects.filter(pk=sent.pk).update(rumour=rumour)
    assert rumour in Rumour.objects.visible_to(unit_staff)


# --- the streamed CSV export ------------------------------------------------------------------


def _small_chunks(monkeypatch, rows: int) -> int:
    """Make the export send a few rows a chunk; returns how many. On PostgreSQL the rows are written by
    COPY and sent by size (one byte a chunk: each row its own chunk); elsewhere by Python, ``rows`` a chunk."""
    if connection.vendor == "postgresql":
        monkeypatch.setattr("core.spreadsheets.COPY_CHUNK_BYTES", 1)
        return 1
    monkeypatch.setattr("reports.services.exports.BATCH", rows)
    return rows


def test_the_csv_export_streams_in_batches_reads_in_chunks_and_records_the_rows_sent(
    client, unit_staff, collaborator, monkeypatch
):
    import csv
    import io

    from collaborators.models import ExportRecord

    per_chunk = _small_chunks(monkeypatch, 3)
    for i in range(7):
        make_report(collaborator, title=f"=cmd {i}")
    client.force_login(unit_staff)
    response = client.get(reverse("reports:export", kwargs={"fmt": "csv"}))
    assert response.streaming
    record = ExportRecord.objects.get()
    assert record.row_count == 0  # recorded before the first row leaves
    chunks = list(response.streaming_content)
    assert len(chunks) == 1 + -(-7 // per_chunk)  # the header, then the rows a chunk at a time (3 + 3 + 1)
    body = b"".join(chunks)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 8
    assert sorted(row[8] for row in rows[1:]) == [f"'=cmd {i}" for i in range(7)]  # neutralised
    record.refresh_from_db()
    assert record.row_count == 7


def test_a_csv_download_stopped_early_records_the_rows_sent(unit_staff, collaborator, monkeypatch):
    from collaborators.models import ExportRecord

    per_chunk = _small_chunks(monkeypatch, 2)
    for i in range(5):
        make_report(collaborator, title=f"Báo cáo {i}")
    from reports.selectors import review_queue
    from reports.services.exports import reports_export_stream

    chunks = reports_export_stream(actor=unit_staff, reports=review_queue(unit_staff), parameters={})
    next(chunks)  # the header
    for _ in range(2 // per_chunk):
        next(chunks)  # two rows in all
    chunks.close()  # the client went away: the server closes the response and its iterator
    record = ExportRecord.objects.get()
    assert record.row_count == 2


# --- the report form's POST ---------------------------------------------------------------------


def test_sending_a_new_report_without_files_saves_and_sends_it_in_one_step(client, collaborator, unit_staff):
    from reports.models import EventKind, Topic
    from tests.reports.test_submit import form

    topic = Topic.objects.order_by("pk").first()
    client.force_login(collaborator)
    client.post(reverse("reports:new"), form(topic))  # the session and caches warmed
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("reports:new"), form(topic, title="Gửi một lần"))
    assert response.status_code == 302
    report = Report.objects.get(title="Gửi một lần")
    assert report.status == ReportStatus.SUBMITTED and report.first_submitted_at is not None
    assert sorted(report.events.values_list("kind", flat=True)) == sorted([EventKind.CREATED, EventKind.SUBMITTED])
    assert report.history.count() == 1  # written once, already sent
    # 38 when the draft was saved first and then sent, 33 when a draft row was then updated to sent, 32 with
    # the collaborator's quality tally; 19 since the token is looked up once and a new token's report is
    # inserted without a savepoint, both events are one INSERT, the chosen topic is read once, the person's
    # unit is not read (no rumour chosen), a new report skips the look-up of the request it answers, and the
    # tally locks, reads and finds its last count in one query without a savepoint of its own; 18 since a
    # new token's report is inserted without looking the token up first. Here 21: the session is written in
    # the report's transaction (a savepoint, the UPDATE, its release) and, as a test's transaction never
    # commits, again by the middleware; outside a test the middleware finds it written (test_submit.py).
    # 20 since the tally reads the moves and the ids of the report's units in one query; on PostgreSQL 18, as
    # its three upserts (the unit-month tally, the quality tally, what the report was counted as) go in one;
    # 17 there since the moves and the ids of the report's units come with the report's own read. Now 16
    # (SQLite) and 12 (PostgreSQL): the session is written by one UPDATE in the report's transaction (no
    # savepoint), and the events and the reporting fact go in one round trip on PostgreSQL; 11 there since
    # the tallies' writes go in that round trip too. Now 10 (PostgreSQL) and 15 (SQLite): the chosen topic is
    # checked against the active topics kept in the cache, not read.
    assert len(queries) == (10 if connection.vendor == "postgresql" else 15)
    assert not [q["sql"] for q in queries.captured_queries if '"reports_topic"' in q["sql"]]
    assert [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "reports_report" in q["sql"]
    ] == []
    assert counters()[(report.unit_id, ReportStatus.SUBMITTED)] == 2
