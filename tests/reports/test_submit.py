"""The collaborator's side: writing, drafts, sending, idempotency, returned reports, my reports."""

import threading
import time
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from collaborators.models import ReportingActivity
from collaborators.services.people import profile_of
from notifications.models import Notification
from reports import services
from reports.models import EventKind, Report, ReportEvent, ReportKind, ReportStatus, Topic
from reports.services.attachments import attachment_add
from tests.clock import frozen_clock
from tests.factories import UserFactory
from tests.helpers import reset_broker_pools
from tests.prerequisites import needs_postgresql
from tests.reports.test_attachments import png_bytes

SENT_AT = datetime(2026, 11, 20, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))  # a day of the period 12/2026

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english"), pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"

XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def topic(db):
    # Seeded by a data migration, but a transactional test's flush may have removed it.
    return Topic.objects.filter(is_active=True).order_by("order", "pk").first() or Topic.objects.create(
        code="TEST", name="Việc làm, thu nhập"
    )


def form(topic=None, **overrides):
    """A complete report form as the browser posts it."""
    data = {
        "token": str(uuid.uuid4()),
        "kind": ReportKind.OPINION,
        "topic": topic.pk if topic else "",
        "title": "Công nhân lo lắng về lương tháng 13",
        "content": "Nhiều người cho rằng doanh nghiệp sẽ chậm trả lương.",
        "direction": "negative",
        "action": "send",
    }
    data.update(overrides)
    return data


def logged_in(client, person):
    client.force_login(person)
    return client


def form_token(page: str) -> str:
    """The report token of a form page (its first hidden token field: the report form's own)."""
    return page.split('id="report-form"')[1].split('name="token" value="')[1][:36]


def test_a_topic_retired_after_the_list_was_kept_is_refused_and_the_report_is_not_saved(client, collaborator):
    topic, other = Topic.objects.order_by("pk")[:2]
    logged_in(client, collaborator)
    assert client.post(reverse("reports:new"), form(topic)).status_code == 302  # the active topics kept
    other.is_active = False
    other.save()  # moves the choice lists' version: the kept list is stale
    response = client.post(reverse("reports:new"), form(other, title="Chủ đề đã ngừng"))
    assert response.status_code == 400
    assert "topic" in response.context["form"].errors
    assert not Report.objects.filter(title="Chủ đề đã ngừng").exists()
    assert client.post(reverse("reports:new"), form(topic, title="Chủ đề còn dùng")).status_code == 302


# --- who may write -----------------------------------------------------------------------


def test_a_collaborator_gets_a_blank_form_with_a_token_kind_first_and_the_no_names_note(client, collaborator):
    response = logged_in(client, collaborator).get(reverse("reports:new"))
    assert response.status_code == 200
    page = response.content.decode()
    token = form_token(page)
    assert uuid.UUID(token)
    assert f'data-token="{token}"' in page
    assert page.index('name="kind"') < page.index('name="topic"') < page.index('name="title"')
    assert "do not write the names of the workers who spoke" in page
    assert "<details" in page and "More details" in page
    assert "report_form.js" in page and "<script>" not in page.split("report_form.js")[0].split("</footer>")[-1]
    # Each visit is a new form: a new token.
    assert form_token(client.get(reverse("reports:new")).content.decode()) != token


@pytest.mark.parametrize("url_name", ["reports:new", "reports:mine"])
def test_staff_admins_and_superusers_have_no_reporting_duty(client, unit_staff, federation_admin, url_name):
    superuser = UserFactory(is_superuser=True, role="collaborator", unit=unit_staff.unit)
    for person in (unit_staff, federation_admin, superuser):
        assert logged_in(client, person).get(reverse(url_name)).status_code == 404
    response = logged_in(client, unit_staff).post(reverse("reports:nothing_new"), {"token": str(uuid.uuid4())})
    assert response.status_code == 404
    assert response.status_code == 404 and not Report.objects.exists()


def test_anonymous_visitors_are_sent_to_login(client):
    for url in (reverse("reports:new"), reverse("reports:mine"), reverse("reports:edit", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- drafts and sending --------------------------------------------------------------------


def test_a_draft_may_be_incomplete(client, collaborator):
    response = logged_in(client, collaborator).post(
        reverse("reports:new"), form(action="draft", kind="", title="", content="Mới nghe được một nửa")
    )
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:edit", args=[report.pk])
    assert report.status == ReportStatus.DRAFT and report.content == "Mới nghe được một nửa"
    assert report.events.filter(kind=EventKind.CREATED).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Mới nghe được một nửa" in page and f'data-token="{report.client_token}"' in page


def test_sending_requires_kind_topic_title_and_content(client, collaborator):
    response = logged_in(client, collaborator).post(reverse("reports:new"), form(kind="", title="  ", content=""))
    assert response.status_code == 400
    assert "Fill in before sending" in response.content.decode()
    assert not Report.objects.exists()


def test_a_date_observed_in_the_future_is_refused(client, collaborator, topic):
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    response = logged_in(client, collaborator).post(reverse("reports:new"), form(topic, observed_on=tomorrow))
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    assert not Report.objects.exists()


@time_machine.travel(SENT_AT, tick=False)
def test_sending_submits_the_report_records_the_period_and_clears_the_local_copy(client, collaborator, topic):
    profile_of(collaborator)
    data = form(topic)
    response = logged_in(client, collaborator).post(reverse("reports:new"), data)
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"].startswith(reverse("reports:mine"))
    assert report.status == ReportStatus.SUBMITTED and report.unit == collaborator.unit
    assert str(report.client_token) == data["token"]
    assert report.events.filter(kind=EventKind.SUBMITTED).count() == 1
    fact = ReportingActivity.objects.get(person=collaborator)
    assert (fact.month, fact.first_reported_on) == (date(2026, 12, 1), date(2026, 11, 20))  # 15/11–14/12
    page = client.get(response["Location"]).content.decode()
    assert f'data-clear-draft="{data["token"]}"' in page  # the browser may forget its copy
    assert "data-clear-draft" not in client.get(reverse("reports:mine")).content.decode()  # once only


def test_the_same_form_posted_twice_yields_one_report_and_the_same_redirect(client, collaborator, topic):
    data = form(topic)
    logged_in(client, collaborator)
    first = client.post(reverse("reports:new"), data)
    second = client.post(reverse("reports:new"), {**data, "title": "Sửa sau khi gửi"})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    report = Report.objects.get()
    assert report.title == "Công nhân lo lắng về lương tháng 13"
    assert report.events.filter(kind=EventKind.SUBMITTED).count() == 1


def test_a_draft_saved_twice_with_the_same_file_keeps_one_report_and_one_file(client, collaborator):
    logged_in(client, collaborator)
    data = form(action="draft")
    for _ in range(2):
        png = SimpleUploadedFile("anh.png", png_bytes(), content_type="image/png")
        assert client.post(reverse("reports:new"), {**data, "attachments": [png]}).status_code == 302
    report = Report.objects.get()
    assert report.attachments.count() == 1


def test_a_draft_is_continued_and_sent(client, collaborator, topic):
    logged_in(client, collaborator)
    client.post(reverse("reports:new"), form(action="draft", title="Nháp"))
    report = Report.objects.get()
    assert client.get(reverse("reports:new") + f"?from={report.pk}")["Location"] == reverse(
        "reports:edit", args=[report.pk]
    )
    response = client.post(
        reverse("reports:edit", args=[report.pk]), form(topic, token=str(uuid.uuid4()), title="Đã hoàn thiện")
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.title == "Đã hoàn thiện"
    assert Report.objects.count() == 1


def test_a_sent_report_is_read_only(client, collaborator, submitted_report):
    logged_in(client, collaborator)
    edit = reverse("reports:edit", args=[submitted_report.pk])
    assert client.get(edit)["Location"] == reverse("reports:detail", args=[submitted_report.pk])
    response = client.post(edit, form(token=str(submitted_report.client_token), title="Đổi"))
    assert response.status_code == 302
    submitted_report.refresh_from_db()
    assert submitted_report.title == "Lo ngại về sắp xếp lại bộ máy"


def test_a_draft_can_be_discarded_but_not_a_sent_report(client, collaborator, draft_report, submitted_report):
    logged_in(client, collaborator)
    assert client.post(reverse("reports:discard", args=[submitted_report.pk])).status_code == 404
    assert client.post(reverse("reports:discard", args=[draft_report.pk])).status_code == 302
    assert list(Report.objects.all()) == [submitted_report]


def test_others_cannot_open_edit_or_discard_someones_draft(
    client, draft_report, unit_staff, federation_admin, other_staff, other_collaborator
):
    for person in (unit_staff, federation_admin, other_staff, other_collaborator):
        logged_in(client, person)
        assert client.get(reverse("reports:edit", args=[draft_report.pk])).status_code == 404
        assert client.post(reverse("reports:edit", args=[draft_report.pk]), form()).status_code == 404
        assert client.post(reverse("reports:discard", args=[draft_report.pk])).status_code == 404
        assert client.get(reverse("reports:detail", args=[draft_report.pk])).status_code == 404
    assert Report.objects.filter(pk=draft_report.pk, title="Bản nháp chưa gửi").exists()


def test_outsiders_get_404_on_a_submitted_report(client, submitted_report, other_staff, other_collaborator):
    for person in (other_staff, other_collaborator):
        logged_in(client, person)
        for name in ("reports:detail", "reports:edit"):
            assert client.get(reverse(name, args=[submitted_report.pk])).status_code == 404


def test_a_token_of_someone_elses_report_is_404(client, other_collaborator, draft_report):
    response = logged_in(client, other_collaborator).post(
        reverse("reports:new"), form(token=str(draft_report.client_token), action="draft")
    )
    assert response.status_code == 404
    draft_report.refresh_from_db()
    assert draft_report.author != other_collaborator and draft_report.title == "Bản nháp chưa gửi"


# --- returned reports -------------------------------------------------------------------


def test_a_returned_report_shows_the_reason_and_is_resubmitted(client, collaborator, unit_staff, submitted_report):
    services.report_return(actor=unit_staff, report=submitted_report, reason="Ghi rõ thời gian và địa điểm")
    logged_in(client, collaborator)
    mine = client.get(reverse("reports:mine")).content.decode()
    assert "Ghi rõ thời gian và địa điểm" in mine
    assert mine.index("returned-section") < mine.index("sent-section")
    edit = reverse("reports:edit", args=[submitted_report.pk])
    page = client.get(edit).content.decode()
    assert "Ghi rõ thời gian và địa điểm" in page and "Send again" in page
    data = form(
        submitted_report.topic, token=str(submitted_report.client_token), place="Xưởng may số 2, KCN Thăng Long"
    )
    response = client.post(edit, data)
    assert response.status_code == 302
    submitted_report.refresh_from_db()
    assert submitted_report.status == ReportStatus.SUBMITTED
    assert submitted_report.place == "Xưởng may số 2, KCN Thăng Long"
    assert submitted_report.events.filter(kind=EventKind.RESUBMITTED).count() == 1
    assert Report.objects.count() == 1


def test_saving_a_returned_report_keeps_it_returned_until_sent(client, collaborator, unit_staff, submitted_report):
    services.report_return(actor=unit_staff, report=submitted_report, reason="Thiếu chi tiết")
    response = logged_in(client, collaborator).post(
        reverse("reports:edit", args=[submitted_report.pk]),
        form(submitted_report.topic, token=str(submitted_report.client_token), action="draft", content="Thêm"),
    )
    assert response.status_code == 302
    submitted_report.refresh_from_db()
    assert submitted_report.status == ReportStatus.RETURNED and submitted_report.content == "Thêm"


# --- nothing new ---------------------------------------------------------------------------


@time_machine.travel(SENT_AT, tick=False)
def test_nothing_new_counts_for_the_reporting_duty_once_per_token(client, collaborator):
    profile_of(collaborator)
    assert not ReportingActivity.objects.filter(person=collaborator).exists()
    token = str(uuid.uuid4())
    logged_in(client, collaborator)
    first = client.post(reverse("reports:nothing_new"), {"token": token})
    second = client.post(reverse("reports:nothing_new"), {"token": token})
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    report = Report.objects.get()
    assert report.nothing_new and report.status == ReportStatus.SUBMITTED
    facts = ReportingActivity.objects.filter(person=collaborator).values_list("month", "first_reported_on")
    assert list(facts) == [(date(2026, 12, 1), date(2026, 11, 20))]
    assert client.post(reverse("reports:nothing_new"), {"token": "nonsense"}).status_code == 302
    assert Report.objects.count() == 1


def test_the_nothing_new_button_is_on_the_new_report_page_and_my_reports(client, collaborator):
    logged_in(client, collaborator)
    for url in (reverse("reports:new"), reverse("reports:mine")):
        assert f'action="{reverse("reports:nothing_new")}"' in client.get(url).content.decode()


# --- rumours: "I heard this too" ------------------------------------------------------------


def test_a_collaborator_may_pick_a_rumour_listed_for_their_unit(client, collaborator, tracked_rumour, topic):
    logged_in(client, collaborator)
    page = client.get(reverse("reports:new")).content.decode()
    assert tracked_rumour.title in page
    response = client.post(
        reverse("reports:new"), form(topic, kind=ReportKind.RUMOUR, rumour=tracked_rumour.pk, title="Lại nghe")
    )
    assert response.status_code == 302
    report = Report.objects.get(title="Lại nghe")
    assert report.rumour == tracked_rumour
    tracked_rumour.refresh_from_db()
    assert tracked_rumour.sighting_count == 2


def test_a_rumour_is_only_for_a_rumour_report_and_only_if_listed(client, other_collaborator, tracked_rumour, topic):
    logged_in(client, other_collaborator)
    response = client.post(reverse("reports:new"), form(topic, kind=ReportKind.RUMOUR, rumour=tracked_rumour.pk))
    assert response.status_code == 400  # not listed for the other union
    assert not Report.objects.filter(author=other_collaborator).exists()


def test_heard_too_with_another_kind_is_refused(client, collaborator, tracked_rumour, topic):
    response = logged_in(client, collaborator).post(
        reverse("reports:new"), form(topic, kind=ReportKind.OPINION, rumour=tracked_rumour.pk, title="Khác")
    )
    assert response.status_code == 400
    assert not Report.objects.filter(title="Khác").exists()


# --- hostile text -------------------------------------------------------------------------


@pytest.mark.parametrize("payload", XSS)
def test_hostile_text_renders_inert_on_the_form_my_reports_and_the_body(
    client, collaborator, unit_staff, topic, payload
):
    text_fields = ["title", "content", "group_concerned", "place"]
    data = form(topic, action="draft", **dict.fromkeys(text_fields, payload))
    logged_in(client, collaborator)
    client.post(reverse("reports:new"), data)
    report = Report.objects.get()
    pages = {
        "form": client.get(reverse("reports:edit", args=[report.pk])).content.decode(),
        "my reports (draft)": client.get(reverse("reports:mine")).content.decode(),
    }
    # Invalid form: the bound values are echoed back.
    pages["form with errors"] = client.post(
        reverse("reports:new"), {**data, "token": str(uuid.uuid4()), "observed_on": "2999-01-01"}
    ).content.decode()
    client.post(reverse("reports:edit", args=[report.pk]), {**data, "action": "send"})
    services.report_return(actor=unit_staff, report=report, reason=payload)
    pages["my reports (returned)"] = client.get(reverse("reports:mine")).content.decode()
    pages["form (returned)"] = client.get(reverse("reports:edit", args=[report.pk])).content.decode()
    report.refresh_from_db()
    pages["body partial"] = render_to_string(
        "reports/_partials/report_body.html", {"report": report, "attachments": []}
    )
    for where, page in pages.items():
        assert "<script>alert(1)" not in page, where
        assert "<img src=x" not in page, where
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&lt;img src=x onerror=alert(1)&gt;" in page, where


# --- broker down ---------------------------------------------------------------------------


def test_an_urgent_report_sent_while_the_broker_is_down_is_saved_and_its_notifications_wait(
    client, collaborator, unit_staff, federation_admin, topic, django_capture_on_commit_callbacks
):
    conf = current_app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager = False
    conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    reset_broker_pools(current_app)
    try:
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = logged_in(client, collaborator).post(reverse("reports:new"), form(topic, urgent="on"))
        elapsed = time.monotonic() - started
    finally:
        conf.task_always_eager, conf.broker_url = saved
        reset_broker_pools(current_app)
    assert response.status_code == 302
    assert elapsed < 20, f"sending hung for {elapsed:.1f}s with the broker down"
    report = Report.objects.get()
    assert report.status == ReportStatus.SUBMITTED and report.urgent
    waiting = Notification.objects.filter(kind="report_urgent")
    assert set(waiting.values_list("recipient", flat=True)) == {unit_staff.pk, federation_admin.pk}
    assert all(n.sent_at is None for n in waiting)


# --- my reports -----------------------------------------------------------------------------


def test_my_reports_lists_only_mine_grouped_with_status_and_staff_comments(
    client, collaborator, unit_staff, submitted_report, draft_report, other_report
):
    services.report_comment(actor=unit_staff, report=submitted_report, text="Cảm ơn, đã ghi nhận", internal=False)
    services.report_comment(actor=unit_staff, report=submitted_report, text="Nội bộ", internal=True)
    page = logged_in(client, collaborator).get(reverse("reports:mine")).content.decode()
    assert submitted_report.title in page and draft_report.title in page
    assert other_report.title not in page
    assert page.index("drafts-section") < page.index("sent-section")
    assert "1 comment from staff" in page
    assert "Nội bộ" not in page


def _many_reports(author, unit_staff, topic, n):
    for i in range(n):
        report, _ = services.report_save(
            author=author,
            token=uuid.uuid4(),
            data={"kind": "opinion", "topic": topic, "title": f"Báo cáo {i}", "content": "x"},
            submit=i % 5 != 0,
        )
        if i % 5 == 1:
            services.report_return(actor=unit_staff, report=report, reason=f"Lý do {i}")
        elif i % 5 == 2:
            services.report_comment(actor=unit_staff, report=report, text="Góp ý", internal=False)


def test_my_reports_query_count_does_not_grow_with_the_reports(client, collaborator, unit_staff, topic):
    logged_in(client, collaborator)
    counts = []
    for total in (5, 50):
        _many_reports(collaborator, unit_staff, topic, total - Report.objects.count())
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("reports:mine"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12


# --- concurrency (PostgreSQL) ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_with_the_same_token_make_one_report(collaborator, topic):
    needs_postgresql("the concurrency test")
    data = form(topic)
    barrier = threading.Barrier(2)
    results = []

    def post():
        try:
            browser = Client()
            browser.force_login(collaborator)
            barrier.wait(timeout=10)
            results.append(browser.post(reverse("reports:new"), data))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [r.status_code for r in results] == [302, 302]
    assert results[0]["Location"] == results[1]["Location"]
    assert Report.objects.filter(client_token=data["token"]).count() == 1
    assert ReportEvent.objects.filter(kind=EventKind.SUBMITTED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_session_remembering_a_sent_report_is_written_once_in_the_reports_transaction(collaborator, topic):
    from reports.views.submit import SENT_TOKEN_SESSION_KEY

    browser = Client()
    browser.force_login(collaborator)
    browser.get(reverse("reports:new"))
    data = form(topic)
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = browser.post(reverse("reports:new"), data)
    assert response.status_code == 302
    writes = [i for i, sql in enumerate(statements) if sql.startswith("UPDATE") and "django_session" in sql]
    inserted = next(i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "reports_report"'))
    assert len(writes) == 1 and writes[0] > inserted  # once, after the report's rows: one commit for both
    assert browser.session[SENT_TOKEN_SESSION_KEY] == data["token"]
    page = browser.get(response["Location"]).content.decode()
    assert data["token"] in page  # the list tells the browser to forget its copy of the sent report
    assert 'data-testid="sent-note"' in page and "Đã gửi báo cáo" in page  # and thanks them, once
    assert 'data-testid="sent-note"' not in browser.get(response["Location"]).content.decode()


def test_attachments_can_be_added_while_the_draft_is_editable(collaborator, draft_report):
    png = SimpleUploadedFile("a.png", png_bytes())
    assert attachment_add(report=draft_report, uploaded_file=png, actor=collaborator).report == draft_report


def test_the_blank_form_is_stored_once_rendered_and_each_visit_gets_its_own_tokens_and_choices(
    client, collaborator, unit_staff, topic
):
    from django.middleware.csrf import _unmask_cipher_token

    from reports.models import FocusPolicy

    logged_in(client, collaborator)
    first = client.get(reverse("reports:new"))
    with CaptureQueriesContext(connection) as stored:
        second = client.get(reverse("reports:new"))
    pages = [first.content.decode(), second.content.decode()]
    tokens = [form_token(page) for page in pages]
    assert tokens[0] != tokens[1]
    for page, token in zip(pages, tokens, strict=True):
        assert f'data-token="{token}"' in page and f'name="token" value="{token}"' in page
        assert "Placeholder" not in page and "OfTheRequest" not in page
        assert page.index('name="kind"') < page.index('name="topic"') < page.index('name="title"')
    # the "nothing new" shortcut has a token of its own on each visit, and every CSRF field is valid
    shortcut = [page.split('action="/reports/nothing-new/"')[1].split('name="token" value="')[1][:36] for page in pages]
    assert shortcut[0] != shortcut[1] and uuid.UUID(shortcut[0])
    csrf = [page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0] for page in pages]
    secret = client.cookies["csrftoken"].value
    assert all(_unmask_cipher_token(value) == secret for value in csrf)
    read = " ".join(q["sql"] for q in stored.captured_queries)
    # the choices, the rumours of the person's unit (and so the unit) and the page around the form were stored
    assert "reports_topic" not in read and "reports_rumour" not in read and "collaborators_unit" not in read

    # a topic, a focus policy or a rumour listed for the unit shows on the next visit
    Topic.objects.create(code="NEWT", name="Chủ đề mới thêm")
    FocusPolicy.objects.create(code="NEWP", name="Chính sách mới theo dõi")
    assert 'id="rumour-field"' not in client.get(reverse("reports:new")).content.decode()
    services.rumour_create(actor=unit_staff, title="Tin đồn mới được theo dõi")
    page = client.get(reverse("reports:new")).content.decode()
    assert "Chủ đề mới thêm" in page and "Chính sách mới theo dõi" in page
    assert 'id="rumour-field"' in page and "Tin đồn mới được theo dõi" in page

    # the form posted from the stored page sends the report
    response = client.post(reverse("reports:new"), form(topic, token=tokens[1]))
    assert response.status_code == 302
    assert Report.objects.get(client_token=tokens[1]).status == ReportStatus.SUBMITTED


def test_the_stored_page_shows_a_new_notification_a_renamed_unit_an_edited_rumour_and_messages_once(
    client, collaborator, unit_staff, topic
):
    from django.contrib.messages import constants as levels
    from django.contrib.messages.storage.cookie import CookieStorage

    from notifications.services import notify_account

    rumour = services.rumour_create(actor=unit_staff, title="Tin đồn về thưởng Tết")
    logged_in(client, collaborator)
    client.get(reverse("reports:new"))
    assert 'data-testid="unread-count"' not in client.get(reverse("reports:new")).content.decode()

    notify_account(recipient=collaborator, kind="account", subject="Thông báo mới")
    assert 'data-testid="unread-count">1<' in client.get(reverse("reports:new")).content.decode()

    unit = collaborator.unit
    unit.name = "Công đoàn cơ sở đổi tên"
    unit.save()
    assert "Công đoàn cơ sở đổi tên" in client.get(reverse("reports:new")).content.decode()

    rumour.title = "Tin đồn về thưởng Tết (đã sửa)"
    rumour.save()
    assert "Tin đồn về thưởng Tết (đã sửa)" in client.get(reverse("reports:new")).content.decode()

    # a message waiting (the cookie the messages framework sets) is shown once, then the stored page again
    storage = CookieStorage(client.get(reverse("reports:new")).wsgi_request)
    storage.add(levels.SUCCESS, "Thông điệp chờ hiển thị")
    client.cookies[storage.cookie_name] = storage._encode(list(storage._queued_messages))
    assert "Thông điệp chờ hiển thị" in client.get(reverse("reports:new")).content.decode()
    assert "Thông điệp chờ hiển thị" not in client.get(reverse("reports:new")).content.decode()


def test_each_browser_of_a_person_gets_csrf_tokens_of_its_own_from_the_stored_page(collaborator, topic):
    from django.middleware.csrf import _unmask_cipher_token

    phone, computer = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    pages = []
    for browser in (phone, computer, phone, computer):  # the second visit of each from the stored page
        browser.force_login(collaborator)
        pages.append((browser, browser.get(reverse("reports:new")).content.decode()))
    for browser, page in pages:
        secret = browser.cookies["csrftoken"].value
        tokens = [part.split('"')[0] for part in page.split('name="csrfmiddlewaretoken" value="')[1:]]
        tokens.append(page.split('"X-CSRFToken": "')[1].split('"')[0])
        assert len(tokens) >= 4 and all(_unmask_cipher_token(token) == secret for token in tokens)
    phone_secret, computer_secret = phone.cookies["csrftoken"].value, computer.cookies["csrftoken"].value
    assert phone_secret != computer_secret
    # the form sent from the computer's stored page passes the CSRF check
    page = pages[3][1]
    token = page.split('id="report-form"')[1].split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = computer.post(reverse("reports:new"), {**form(topic), "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_a_form_sent_back_with_errors_lists_the_rumours_again(client, collaborator, unit_staff, topic):
    services.rumour_create(actor=unit_staff, title="Tin đồn đang theo dõi")
    logged_in(client, collaborator)
    response = client.post(reverse("reports:new"), form(topic, title="", kind=ReportKind.RUMOUR))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="rumour-field"' in page and "Tin đồn đang theo dõi" in page
