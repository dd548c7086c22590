"""A report's life in a real Chromium: written on a phone, kept through a dropped connection, returned, fixed, accepted.

The collaborator works on a phone viewport; the union's staff review on a
laptop, through the review page's own forms. Nothing the pages need may be
blocked by the Content-Security-Policy and no script may fail.
"""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from reports.models import Report, ReportStatus, Topic
from tests.browser.pages import log_in as _login
from tests.factories import TEST_PASSWORD
from tests.reports.test_attachments import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Công nhân lo lắng về việc sắp xếp lại công đoàn cơ sở"
CONTENT = "Nhiều ý kiến cho rằng việc sáp nhập sẽ làm chậm giải quyết quyền lợi."
OFFLINE_ADDITION = " Một số người hỏi về chế độ cho cán bộ dôi dư."


def _label(status):
    with translation.override("vi"):
        return str(ReportStatus(status).label)


def _draft_keys(page):
    return page.evaluate("Object.keys(localStorage).filter(function (k) { return k.indexOf('report-draft:') === 0; })")


def test_a_report_survives_a_dropped_connection_and_goes_through_review(
    open_page,
    live_server,
    collaborator,
    unit_staff,
    screenshot_dir,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Seeded by a data migration, but an earlier transactional test's flush may have removed them.
    if not Topic.objects.filter(is_active=True).exists():
        Topic.objects.create(code="TEST", name="Việc làm, thu nhập")
    phone, phone_problems = open_page("phone")
    _login(phone, live_server, collaborator.username, TEST_PASSWORD)

    # Write: kind first, then topic, title, content, a photo; save a draft.
    phone.goto(f"{live_server.url}/reports/new/")
    expect(phone.locator("[data-testid=no-names-note]")).to_be_visible()
    phone.locator("input[name=kind][value=opinion]").check()
    topic = phone.locator("select[name=topic] option:not([value=''])").first.get_attribute("value")
    phone.select_option("select[name=topic]", topic)
    phone.fill("input[name=title]", TITLE)
    phone.fill("textarea[name=content]", CONTENT)
    phone.set_input_files(
        "input[name=attachments]", files=[{"name": "hien-truong.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    phone.screenshot(path=str(screenshot_dir / "report-new-phone.png"), full_page=True)
    phone.click("[data-testid=save-draft]")
    expect(phone).to_have_url(re.compile(r"/reports/\d+/edit/$"))
    report = Report.objects.get(author=collaborator)
    assert report.status == ReportStatus.DRAFT and report.content == CONTENT
    assert report.attachments.get().original_name == "hien-truong.png"
    expect(phone.locator("[data-testid=attached-files]")).to_contain_text("hien-truong.png")
    edit_url = phone.url

    # The connection drops: typing goes on, and the report sent waits on the phone.
    phone.context.set_offline(True)
    content = phone.locator("textarea[name=content]")
    content.click()
    content.press("Control+End")
    content.press_sequentially(OFFLINE_ADDITION, delay=5)
    phone.click("[data-testid=send-report]")
    expect(phone.locator("[data-testid=queued-notice]")).to_be_visible()
    outbox = phone.locator("[data-testid=outbox-status]")
    expect(outbox).to_have_attribute("data-count", "1")
    assert phone.url == edit_url
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.content == CONTENT
    phone.screenshot(path=str(screenshot_dir / "report-offline-phone.png"), full_page=True)

    # The connection is back: the report kept on the phone goes out by itself, with what was typed offline.
    phone.context.set_offline(False)
    expect(outbox).to_have_attribute("data-count", "0")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.content == CONTENT + OFFLINE_ADDITION
    phone.goto(f"{live_server.url}/reports/mine/")
    assert _draft_keys(phone) == []  # the server confirmed the send: the local copy is gone
    expect(phone.locator(f"#report-{report.pk} [data-testid=my-report-status]")).to_have_text(
        _label(ReportStatus.SUBMITTED)
    )

    # The union's staff return it, on a laptop, through the review page.
    laptop, laptop_problems = open_page("laptop")
    _login(laptop, live_server, unit_staff.username, TEST_PASSWORD)
    laptop.goto(f"{live_server.url}/reports/{report.pk}/")
    laptop.fill("[data-testid=return-form] textarea[name='return-reason']", "Ghi rõ phân xưởng nào.")
    laptop.locator("[data-testid=return-form] button[type=submit]").click()
    laptop.wait_for_load_state("load")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED

    # The collaborator reads the reason, fixes the report and sends it again.
    phone.goto(f"{live_server.url}/reports/mine/")
    returned = phone.locator(f"#report-{report.pk}")
    expect(returned).to_contain_text("Ghi rõ phân xưởng nào.")
    returned.click()
    expect(phone.locator("[data-testid=return-reason]")).to_contain_text("Ghi rõ phân xưởng nào.")
    phone.locator("[data-testid=more-details] summary").click()
    phone.fill("input[name=place]", "Phân xưởng may số 2")
    phone.click("[data-testid=send-report]")
    expect(phone).to_have_url(re.compile(r"/reports/mine/"))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.place == "Phân xưởng may số 2"

    # Staff accept it; the collaborator sees "Accepted".
    laptop.goto(f"{live_server.url}/reports/{report.pk}/")
    laptop.locator("[data-testid=accept-form] button[type=submit]").click()
    laptop.wait_for_load_state("load")
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    phone.goto(f"{live_server.url}/reports/mine/")
    expect(phone.locator(f"#report-{report.pk} [data-testid=my-report-status]")).to_have_text(
        _label(ReportStatus.ACCEPTED)
    )
    phone.screenshot(path=str(screenshot_dir / "my-reports-phone.png"), full_page=True)
    phone_problems.assert_clean()
    laptop_problems.assert_clean()
