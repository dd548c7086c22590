"""The read log: every view of a person's page, a report, an attachment, a summary and every export or
download is recorded (who, when, what, whose, from where), append-only; other pages write nothing.
Administrators search it by person, object and date within their scope; a person sees who read theirs."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from collaborators.models import Role
from privacy.models import ReadEntry, ReadKind
from reports.services.attachments import attachment_add
from summaries.models import ReportingPeriod
from summaries.services.summaries import summary_compile, summary_schedule
from tests.factories import UserFactory
from tests.reports.conftest import make_report
from tests.reports.test_attachments import pdf_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MOMENT = datetime(2026, 11, 20, 9, 30, tzinfo=HANOI)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(MOMENT, tick=False):
        yield


@pytest.fixture
def report(collaborator):
    return make_report(collaborator, title="Lo ngại về lương tháng 13")


def only_entry(**lookup):
    entries = list(ReadEntry.objects.filter(**lookup))
    assert len(entries) == 1, entries
    return entries[0]


def test_a_persons_page_is_recorded_with_who_when_what_and_the_address(client, unit_staff, collaborator):
    client.force_login(unit_staff)
    assert (
        client.get(reverse("roster:person_detail", args=[collaborator.pk]), REMOTE_ADDR="10.1.2.3").status_code == 200
    )
    entry = only_entry(kind=ReadKind.PERSON)
    assert (entry.reader, entry.subject, entry.address) == (unit_staff, collaborator, "10.1.2.3")
    assert entry.at == MOMENT and entry.object_id == str(collaborator.pk) and entry.label == collaborator.full_name


def test_a_report_and_its_attachment_are_recorded_as_the_authors_data(
    client, unit_staff, collaborator, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    report = make_report(collaborator, submit=False, title="Có tệp")
    attachment = attachment_add(report=report, uploaded_file=upload("bien-ban.pdf", pdf_bytes()), actor=collaborator)
    client.force_login(collaborator)
    assert client.get(reverse("reports:attachment", args=[report.pk, attachment.pk])).status_code == 200
    entry = only_entry(kind=ReadKind.ATTACHMENT)
    assert entry.subject == collaborator and "bien-ban.pdf" in entry.label
    sent = make_report(collaborator, title="Báo cáo đã gửi")
    client.force_login(unit_staff)
    assert client.get(reverse("reports:detail", args=[sent.pk])).status_code == 200
    entry = only_entry(kind=ReadKind.REPORT)
    assert (entry.reader, entry.subject, entry.object_id) == (unit_staff, collaborator, str(sent.pk))


def test_exports_and_summaries_are_recorded(client, unit_staff, union, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORTING_PERIOD_START_DAY = 1
    client.force_login(unit_staff)
    assert client.get(reverse("reports:export", kwargs={"fmt": "csv"})).status_code == 200
    assert client.get(reverse("roster:export", kwargs={"fmt": "csv"})).status_code == 200
    assert {e.label for e in ReadEntry.objects.filter(kind=ReadKind.EXPORT)} == {"reports.csv", "roster.csv"}
    summary, _ = summary_schedule(scope=union, period=ReportingPeriod.objects.month_of(date(2026, 10, 1)))
    assert summary_compile(summary_id=summary.pk)
    assert client.get(reverse("summaries:detail", args=[summary.pk])).status_code == 200
    entry = only_entry(kind=ReadKind.SUMMARY)
    assert entry.object_id == str(summary.pk) and entry.reader == unit_staff


def test_own_data_download_is_recorded(client, collaborator):
    client.force_login(collaborator)
    assert client.get(reverse("roster:my_data")).status_code == 200
    assert only_entry(kind=ReadKind.OWN_DATA).subject == collaborator


def test_other_pages_write_nothing(client, unit_staff, collaborator, report):
    client.force_login(unit_staff)
    for path in ["/", reverse("reports:list"), reverse("roster:person_list"), reverse("notifications:list")]:
        assert client.get(path).status_code == 200, path
    client.force_login(collaborator)
    assert client.get("/").status_code == 200
    assert not ReadEntry.objects.exists()


def test_a_page_out_of_scope_is_404_and_not_recorded(client, other_staff, collaborator, report):
    client.force_login(other_staff)
    assert client.get(reverse("roster:person_detail", args=[collaborator.pk])).status_code == 404
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404
    assert not ReadEntry.objects.exists()


def test_entries_are_append_only(client, unit_staff, collaborator):
    client.force_login(unit_staff)
    client.get(reverse("roster:person_detail", args=[collaborator.pk]))
    entry = ReadEntry.objects.get()
    entry.label = "changed"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    assert ReadEntry.objects.get().label == collaborator.full_name


def test_recording_a_read_costs_one_query(client, unit_staff, collaborator, django_assert_num_queries):
    from django.test import RequestFactory

    from privacy.services import read_record

    request = RequestFactory().get("/roster/1/")
    request.user = unit_staff
    with django_assert_num_queries(1):
        read_record(request=request, kind=ReadKind.PERSON, obj=collaborator, subject=collaborator.pk, label="x")


def test_administrators_search_by_person_object_and_date_within_their_scope(
    client, unit_staff, collaborator, other_collaborator, report, union, other_staff
):
    admin = UserFactory(username="unionadmin", full_name="Trần Văn Quản", unit=union, role=Role.ADMIN)
    client.force_login(unit_staff)
    client.get(reverse("roster:person_detail", args=[collaborator.pk]))
    client.get(reverse("reports:detail", args=[report.pk]))
    client.force_login(other_staff)
    client.get(reverse("roster:person_detail", args=[other_collaborator.pk]))
    assert ReadEntry.objects.count() == 3
    client.force_login(admin)
    page = client.get(reverse("roster:read_log"))
    assert page.status_code == 200
    assert [e.kind for e in page.context["entries"]] == [ReadKind.REPORT, ReadKind.PERSON]  # not the other union's
    by_person = client.get(reverse("roster:read_log"), {"person": "pham van hung"}).context["entries"]
    assert len(by_person) == 2
    by_object = client.get(reverse("roster:read_log"), {"obj": "lương tháng"}).context["entries"]
    assert [e.kind for e in by_object] == [ReadKind.REPORT]
    by_id = client.get(reverse("roster:read_log"), {"obj": str(report.pk), "kind": "report"}).context["entries"]
    assert len(by_id) == 1
    assert client.get(reverse("roster:read_log"), {"date_from": "2026-11-20", "date_to": "2026-11-20"}).context[
        "entries"
    ]
    assert not client.get(reverse("roster:read_log"), {"date_from": "2026-11-21"}).context["entries"]
    # The widest dates a field accepts mean "no bound"; an id in another script's digits is read as words.
    widest = client.get(reverse("roster:read_log"), {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert widest.status_code == 200 and len(widest.context["entries"]) == 2
    assert client.get(reverse("roster:read_log"), {"obj": "²"}).context["entries"] == []
    html = client.get(reverse("roster:read_log")).content.decode()
    assert unit_staff.full_name in html and "Nhật ký xem dữ liệu" in html


def test_staff_do_not_reach_the_read_log(client, unit_staff):
    client.force_login(unit_staff)
    assert client.get(reverse("roster:read_log")).status_code == 404


def test_a_collaborator_sees_who_opened_their_profile_and_reports(client, unit_staff, collaborator, report):
    client.force_login(unit_staff)
    client.get(reverse("roster:person_detail", args=[collaborator.pk]))
    client.get(reverse("reports:detail", args=[report.pk]))
    client.force_login(collaborator)
    client.get(reverse("roster:person_detail", args=[collaborator.pk]))  # their own look is not listed
    page = client.get(reverse("roster:my_reads"))
    entries = page.context["entries"]
    assert [(e.reader, e.kind) for e in entries] == [(unit_staff, ReadKind.REPORT), (unit_staff, ReadKind.PERSON)]
    assert unit_staff.full_name in page.content.decode()


def test_the_report_history_the_api_and_the_training_sheets_are_recorded_and_other_api_reads_are_not(
    client, unit_staff, collaborator, report, federation_admin, city, union, settings, tmp_path
):
    from datetime import timedelta

    from django.utils import timezone

    from tests.api.conftest import api_client, token_for
    from trainings import services as trainings

    settings.MEDIA_ROOT = tmp_path
    client.force_login(unit_staff)
    assert client.get(reverse("reports:history", args=[report.pk])).status_code == 200
    assert only_entry(kind=ReadKind.REPORT).path.endswith("/history/")
    ReadEntry.objects.all().delete()
    api = api_client(token_for(unit_staff))
    for name, args in [("api:units", []), ("api:dashboard", []), ("api:notes", []), ("api:sessions", [])]:
        assert api.get(reverse(name, args=args)).status_code == 200, name
    assert not ReadEntry.objects.exists()  # reads of no one's personal data
    assert api.get(reverse("api:report", args=[report.pk])).status_code == 200
    assert api.get(reverse("api:person", args=[collaborator.pk])).status_code == 200
    assert api.get(reverse("api:reports")).status_code == 200
    assert api.get(reverse("api:people")).status_code == 200
    entries = {(e.kind, e.object_id or e.label) for e in ReadEntry.objects.filter(reader=unit_staff)}
    assert entries == {
        (ReadKind.REPORT, str(report.pk)),
        (ReadKind.PERSON, str(collaborator.pk)),
        (ReadKind.EXPORT, "API: báo cáo"),
        (ReadKind.EXPORT, "API: danh sách người"),
    }
    starts = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    session = trainings.session_create(
        actor=federation_admin, unit=city, target_units=[union], title="Tập huấn", venue="Hội trường",
        starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=10, registration_deadline=None,
    )  # fmt: skip
    trainings.session_publish(actor=federation_admin, session=session)
    material = trainings.material_add(
        actor=federation_admin, session=session, title="Tài liệu", file=upload("tai-lieu.pdf", pdf_bytes())
    )
    client.force_login(federation_admin)
    assert client.get(reverse("trainings:attendance_sheet", args=[session.pk])).status_code == 200
    assert client.get(reverse("trainings:material_download", args=[session.pk, material.pk])).status_code == 200
    labels = {e.label for e in ReadEntry.objects.filter(reader=federation_admin, kind=ReadKind.EXPORT)}
    assert labels == {"Tập huấn: bảng điểm danh", "Tài liệu"}
