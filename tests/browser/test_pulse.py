"""A request for opinion in a real Chromium: union staff ask their collaborators (laptop); a collaborator
finds it on the phone's home page, answers through the report form pre-filled with the question and the
topic; staff see the response rate and the answer's direction. No CSP or script error."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guidance.models import PulseRecipient, PulseRequest
from reports.models import Report, ReportStatus, Topic
from tests.browser.pages import log_in as _login
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "Công nhân nghĩ gì về việc dừng dạy thêm có thu tiền?"


def test_staff_ask_and_a_collaborator_answers_on_a_phone(
    open_page,
    live_server,
    collaborator,
    unit_staff,
    union,
    screenshot_dir,
):
    topic, _ = Topic.objects.get_or_create(code="EDU", defaults={"name": "Giáo dục, y tế"})
    laptop, laptop_problems = open_page("laptop")
    _login(laptop, live_server, unit_staff.username, TEST_PASSWORD)
    laptop.goto(f"{live_server.url}/guidance/requests/new/")
    laptop.fill("input[name=question]", QUESTION)
    laptop.select_option("select[name=topic]", str(topic.pk))
    laptop.select_option("select[name=target_units]", [str(union.pk)])
    laptop.locator("input[name=mode][value=all]").check()
    deadline = timezone.localtime() + timedelta(days=3)
    laptop.fill("input[name=deadline]", deadline.strftime("%Y-%m-%dT%H:%M"))
    laptop.click("[data-testid=save]")
    expect(laptop).to_have_url(re.compile(r"/guidance/requests/\d+/$"))
    expect(laptop.locator("[data-testid=preview-count]")).to_contain_text("1")
    laptop.click("[data-testid=open-pulse]")
    pulse = PulseRequest.objects.get(question=QUESTION)
    assert PulseRecipient.objects.filter(pulse=pulse, person=collaborator).exists()

    phone, phone_problems = open_page("phone")
    _login(phone, live_server, collaborator.username, TEST_PASSWORD)
    phone.goto(f"{live_server.url}/")
    phone.locator("[data-testid=open-request]", has_text=QUESTION).click()
    expect(phone.locator("[data-testid=pulse-question]")).to_contain_text(QUESTION)
    expect(phone.locator("select[name=topic]")).to_have_value(str(topic.pk))
    answer = "Đa số phụ huynh là công nhân đồng tình, mong nhà trường tăng giờ học chính khóa."
    phone.fill("textarea[name=content]", answer)
    phone.locator("input[name=direction][value=positive]").check()
    phone.screenshot(path=str(screenshot_dir / "pulse-answer-phone.png"), full_page=True)
    phone.click("[data-testid=send-report]")
    expect(phone).to_have_url(re.compile(r"/reports/mine/"))
    report = Report.objects.get(author=collaborator)
    assert report.status == ReportStatus.SUBMITTED and report.topic_id == topic.pk
    assert PulseRecipient.objects.get(pulse=pulse, person=collaborator).report_id == report.pk
    phone_problems.assert_clean()

    laptop.goto(f"{live_server.url}/guidance/requests/{pulse.pk}/")
    total = laptop.locator("[data-testid=pulse-stats-total]")
    expect(total).to_contain_text("100")
    laptop_problems.assert_clean()
