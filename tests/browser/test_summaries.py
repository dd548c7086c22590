"""Dashboards and summaries in a real Chromium: union staff open the dashboard (charts drawn under the
CSP), filter it by topic, compile last month's summary, edit it, approve it, issue it and download
the Word file, which opens with python-docx."""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from docx import Document
from playwright.sync_api import expect

from reports.models import Direction, Topic
from summaries.models import ReportingPeriod, Summary, SummaryStatus
from tests.browser.pages import log_in as _login
from tests.factories import TEST_PASSWORD
from tests.summaries.conftest import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_read_the_dashboard_then_compile_edit_approve_issue_and_download(
    open_page,
    live_server,
    collaborator,
    unit_staff,
    union,
    screenshot_dir,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    # Transactional tests flush the topics the migration seeded: make sure two exist.
    for code, name in (("WAGES", "Tiền lương, thu nhập"), ("JOBS", "Việc làm")):
        if Topic.objects.count() < 2:
            Topic.objects.get_or_create(code=code, defaults={"name": name})
    topics = list(Topic.objects.order_by("order", "pk")[:2])
    period = ReportingPeriod.objects.month_of(timezone.localdate()).previous()  # the last closed period
    day = period.starts_on + timedelta(days=3)
    sent = timezone.make_aware(datetime(day.year, day.month, day.day, 9))
    for direction in (Direction.POSITIVE, Direction.NEGATIVE, Direction.NEGATIVE):
        make_report(collaborator, sent_at=sent, topic=topics[0], direction=direction)
    make_report(collaborator, sent_at=sent, topic=topics[1], direction=Direction.MIXED)
    month = period.month.strftime("%Y-%m")

    page, problems = open_page("laptop")
    _login(page, live_server, unit_staff.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/dashboard/?period={month}")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-over-time'))")
    page.wait_for_function("() => Chart.getChart(document.getElementById('chart-directions'))")
    expect(page.locator("[data-testid=dashboard-scope]")).to_contain_text(union.name)
    expect(page.locator("[data-testid=top-topic]")).to_have_count(2)
    page.select_option("[data-testid=dashboard-filters] select[name=topic]", str(topics[0].pk))
    page.click("[data-testid=dashboard-filters] button[type=submit]")
    expect(page).to_have_url(re.compile(rf"topic={topics[0].pk}"))
    expect(page.locator("[data-testid=top-topic]")).to_have_count(1)
    page.screenshot(path=str(screenshot_dir / "dashboard-laptop.png"), full_page=True)

    page.goto(f"{live_server.url}/summaries/")
    page.select_option("[data-testid=compile-form] select[name=scope]", str(union.pk))
    page.fill("[data-testid=compile-form] input[name=month]", month)
    page.click("[data-testid=compile-now]")
    expect(page).to_have_url(re.compile(r"/summaries/\d+/$"))
    expect(page.locator("[data-testid=compiled-at]")).to_be_visible()
    expect(page.locator("[data-testid=stat-reports]")).to_have_text("4")
    summary = Summary.objects.get(scope=union)

    page.click("[data-testid=edit]")
    page.fill("textarea[name=section_outlook]", "Dư luận về tiền lương còn diễn biến phức tạp, cần theo dõi.")
    page.fill("input[name=signer_name]", "Lê Thị Lan")
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid=section-outlook]")).to_contain_text("cần theo dõi")
    page.click("[data-testid=approve]")
    expect(page.locator("[data-testid=issue]")).to_be_visible()
    page.click("[data-testid=issue]")
    expect(page.locator("[data-testid=download-docx]")).to_be_visible()
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.ISSUED

    with page.expect_download() as download_info:
        page.click("[data-testid=download-docx]")
    path = download_info.value.path()
    document = Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "cần theo dõi" in text
    assert "Lê Thị Lan" in "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    problems.assert_clean()
