"""Guidance, requests for opinion, trainings, roster, dashboard and summaries through the API: the apps'
services and selectors, the same scope as the pages."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guidance.models import PulseRecipient, Receipt
from guidance.services import guidance_publish, guidance_save
from guidance.services.pulse import pulse_create, pulse_open
from reports.models import Report
from summaries.models import ReportingPeriod, Summary
from summaries.services.summaries import summary_schedule
from tests.api.conftest import ALL_SCOPES, api_client, token_for
from tests.clock import frozen_clock
from trainings import services as trainings
from trainings.models import Registration, RegistrationStatus

pytestmark = pytest.mark.django_db
_clock = frozen_clock()  # the tests build their dates from "now"


def post(client, url, body=None, **headers):
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return client.post(url, body or {}, content_type="application/json", **extra)


@pytest.fixture
def note(unit_staff, union):
    draft = guidance_save(
        author=unit_staff, data={"title": "Định hướng", "body": "<p>Nội dung</p>", "target_units": [union]}
    )
    return guidance_publish(actor=unit_staff, note=draft)


def test_a_collaborator_acknowledges_a_note_once(collaborator, note, other_staff):
    client = api_client(token_for(collaborator, ["read", "submit"]))
    listed = client.get(reverse("api:notes")).json()["results"]
    assert [row["id"] for row in listed] == [note.pk] and listed[0]["is_acknowledged"] is False
    first = post(client, reverse("api:note_acknowledge", args=[note.pk]))
    second = post(client, reverse("api:note_acknowledge", args=[note.pk]))
    assert first.status_code == second.status_code == 200
    assert first.json()["acknowledged_at"] == second.json()["acknowledged_at"]
    assert Receipt.objects.filter(note=note, person=collaborator, acknowledged_at__isnull=False).count() == 1
    other = api_client(token_for(other_staff, ALL_SCOPES))
    assert post(other, reverse("api:note_acknowledge", args=[note.pk])).status_code == 404
    assert other.get(reverse("api:note", args=[note.pk])).status_code == 404


def test_a_note_comes_with_its_body_as_the_page_shows_it(collaborator, unit_staff, union):
    """``body`` is what the author typed (Markdown); ``body_html`` the same sanitised HTML as the page's."""
    body = "Đồng chí lưu ý:\n\n- **không** chia sẻ tin chưa kiểm chứng\n- xem [hướng dẫn](https://ldld.hanoi.vn)\n\n<script>alert(1)</script>"
    draft = guidance_save(author=unit_staff, data={"title": "Định hướng", "body": body, "target_units": [union]})
    note = guidance_publish(actor=unit_staff, note=draft)
    row = api_client(token_for(collaborator)).get(reverse("api:note", args=[note.pk])).json()
    assert row["body"] == body
    assert "<li><strong>không</strong> chia sẻ tin chưa kiểm chứng</li>" in row["body_html"]
    assert '<a href="https://ldld.hanoi.vn"' in row["body_html"] and "<p>Đồng chí lưu ý:</p>" in row["body_html"]
    assert "<script" not in row["body_html"]
    page = Client()
    page.force_login(collaborator)
    assert row["body_html"] in page.get(reverse("guidance:detail", args=[note.pk])).content.decode()


def test_a_read_token_cannot_acknowledge(collaborator, note):
    response = post(api_client(token_for(collaborator)), reverse("api:note_acknowledge", args=[note.pk]))
    assert response.status_code == 403 and not Receipt.objects.filter(acknowledged_at__isnull=False).exists()


@pytest.fixture
def pulse(unit_staff, union, topic, collaborator):
    draft = pulse_create(
        author=unit_staff,
        data={
            "question": "Ý kiến về tăng lương tối thiểu?",
            "topic": topic,
            "target_units": [union],
            "mode": "all",
            "deadline": timezone.now() + timedelta(days=3),
        },
    )
    return pulse_open(actor=unit_staff, pulse=draft)


def test_an_answer_to_a_request_is_a_report_linked_to_it_once(collaborator, pulse, topic):
    client = api_client(token_for(collaborator, ["read", "submit"]))
    url = reverse("api:pulse_answer", args=[pulse.pk])
    body = {"content": "Công nhân đồng tình, mong sớm áp dụng.", "direction": "positive"}
    first = post(client, url, body, idempotency_key="ans-1")
    second = post(client, url, body, idempotency_key="ans-1")
    assert (first.status_code, second.status_code) == (201, 200)
    report = Report.objects.get(author=collaborator)
    assert (report.topic, report.kind, report.title) == (topic, "opinion", pulse.question)  # the request's defaults
    recipient = PulseRecipient.objects.get(pulse=pulse, person=collaborator)
    assert recipient.report == report and recipient.answered_at is not None
    listed = client.get(reverse("api:pulse", args=[pulse.pk])).json()
    assert listed["answered"] == 1


def test_someone_not_asked_cannot_answer(other_collaborator, pulse):
    client = api_client(token_for(other_collaborator, ALL_SCOPES))
    response = post(client, reverse("api:pulse_answer", args=[pulse.pk]), {"content": "x"}, idempotency_key="k")
    assert response.status_code == 404 and not Report.objects.exists()


@pytest.fixture
def session(federation_admin, union):
    starts_at = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    created = trainings.session_create(
        actor=federation_admin,
        unit=union,
        target_units=[union],
        title="Tập huấn nắm bắt dư luận",
        venue="Hội trường",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        capacity=1,
    )
    trainings.session_publish(actor=federation_admin, session=created)
    return created


def test_registration_takes_a_seat_then_the_waitlist_and_refuses_twice(collaborator, session, grassroots):
    from tests.factories import UserFactory

    peer = UserFactory(username="peer2", unit=grassroots, role="collaborator")
    url = reverse("api:session_register", args=[session.pk])
    mine = post(api_client(token_for(collaborator, ["read", "submit"])), url)
    assert mine.status_code == 201 and mine.json()["status"] == RegistrationStatus.REGISTERED
    theirs = post(api_client(token_for(peer, ["read", "submit"])), url)
    assert theirs.status_code == 201 and theirs.json()["status"] == RegistrationStatus.WAITLISTED
    again = post(api_client(token_for(collaborator, ["submit"])), url)
    assert again.status_code == 400 and again.json()["non_field_errors"]
    assert Registration.objects.filter(session=session).count() == 2
    detail = api_client(token_for(collaborator)).get(reverse("api:session", args=[session.pk])).json()
    assert (detail["seats_taken"], detail["waitlisted"], detail["my_status"]) == (1, 1, "registered")


def test_the_roster_is_scoped(collaborator, unit_staff, other_staff, grassroots, other_union):
    staff = api_client(token_for(unit_staff))
    units = {row["id"] for row in staff.get(reverse("api:units")).json()["results"]}
    assert grassroots.pk in units and other_union.pk not in units
    assert staff.get(reverse("api:person", args=[collaborator.pk])).json()["full_name"] == "Phạm Văn Hùng"
    assert api_client(token_for(other_staff)).get(reverse("api:person", args=[collaborator.pk])).status_code == 404
    own = api_client(token_for(collaborator)).get(reverse("api:people")).json()["results"]
    assert [row["id"] for row in own] == [collaborator.pk]


def test_the_dashboard_gives_the_tallies_figures_to_staff_only(collaborator, unit_staff, other_union):
    from tests.reports.conftest import make_report

    make_report(collaborator)
    staff = api_client(token_for(unit_staff))
    figures = staff.get(reverse("api:dashboard")).json()
    assert figures["unit"] == unit_staff.unit_id and figures["totals"]["total"] == 1
    assert staff.get(reverse("api:dashboard"), {"unit": other_union.pk}).status_code == 404
    assert staff.get(reverse("api:dashboard"), {"period": "2026-99"}).status_code == 200  # falls back, as the page
    assert api_client(token_for(collaborator)).get(reverse("api:dashboard")).status_code == 404


def test_summaries_are_listed_and_their_issued_files_downloaded_in_scope(
    unit_staff, other_staff, union, collaborator, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    summary, _ = summary_schedule(scope=union, period=ReportingPeriod.objects.month_of(timezone.localdate()))
    summary.docx.save("tong-hop.docx", ContentFile(b"PK\x03\x04 docx"), save=True)
    staff = api_client(token_for(unit_staff))
    assert [row["id"] for row in staff.get(reverse("api:summaries")).json()["results"]] == [summary.pk]
    download = staff.get(reverse("api:summary_download", args=[summary.pk, "docx"]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"PK\x03\x04 docx"
    assert staff.get(reverse("api:summary_download", args=[summary.pk, "xlsx"])).status_code == 404
    other = api_client(token_for(other_staff))
    assert other.get(reverse("api:summary_download", args=[summary.pk, "docx"])).status_code == 404
    assert other.get(reverse("api:summaries")).json()["results"] == []
    assert api_client(token_for(collaborator)).get(reverse("api:summaries")).json()["results"] == []
    assert Summary.objects.count() == 1


def test_the_rumours_are_those_the_caller_may_see(collaborator, unit_staff, other_staff):
    from reports.services import rumour_create

    rumour = rumour_create(actor=unit_staff, title="Tin đồn cắt thưởng Tết")
    assert api_client(token_for(collaborator)).get(reverse("api:rumour", args=[rumour.pk])).status_code == 200
    assert api_client(token_for(other_staff)).get(reverse("api:rumour", args=[rumour.pk])).status_code == 404
    assert api_client(token_for(other_staff)).get(reverse("api:rumours")).json()["results"] == []
