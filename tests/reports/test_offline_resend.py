"""A report kept on a phone without a connection is sent again when the answer to the first sending was
lost: the second sending finds the first report, whatever the form now holds."""

import pytest
from django.urls import reverse

from reports.models import Report, ReportStatus, Topic
from tests.reports.test_submit import form, logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def topic(db):
    # Seeded by a data migration, but a transactional test's flush may have removed it.
    return Topic.objects.filter(is_active=True).first() or Topic.objects.create(code="TEST", name="Việc làm")


def test_a_report_sent_again_with_its_token_is_found_even_if_the_form_is_no_longer_valid(client, collaborator, topic):
    data = form(topic)
    first = logged_in(client, collaborator).post(reverse("reports:new"), data)
    report = Report.objects.get(author=collaborator)
    assert first.status_code == 302 and report.status == ReportStatus.SUBMITTED

    again = client.post(reverse("reports:new"), {**data, "content": "", "topic": 999999})

    assert again.status_code == 302
    assert again["Location"] == f"{reverse('reports:mine')}#report-{report.pk}"
    assert Report.objects.filter(author=collaborator).count() == 1
    report.refresh_from_db()
    assert report.content == data["content"]


def test_a_draft_saved_with_a_token_is_still_completed_by_the_next_sending(client, collaborator, topic):
    data = form(topic, action="draft")
    logged_in(client, collaborator).post(reverse("reports:new"), data)
    assert Report.objects.get(author=collaborator).status == ReportStatus.DRAFT

    sent = client.post(reverse("reports:new"), {**data, "action": "send", "title": "Đã sửa tiêu đề"})

    report = Report.objects.get(author=collaborator)
    assert sent.status_code == 302
    assert (report.status, report.title) == (ReportStatus.SUBMITTED, "Đã sửa tiêu đề")
