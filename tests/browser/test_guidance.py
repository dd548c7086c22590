"""Guidance in a real Chromium: the union's staff publish a note answering a rumour; a collaborator on
a phone reads it, acknowledges it with one tap, and sees their report answered. The effect page's chart
must load under the Content-Security-Policy with no script error."""

import re

import pytest
from playwright.sync_api import expect

from guidance.models import GuidanceNote, NoteStatus, Receipt
from notifications.models import Notification
from reports.models import ReportKind, Topic
from reports.services import rumour_create
from tests.browser.pages import log_in as _login
from tests.factories import TEST_PASSWORD
from tests.reports.conftest import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Thông tin chính thức: không cắt giảm công nhân"


def test_staff_publish_guidance_and_a_collaborator_acknowledges_it_on_a_phone(
    open_page,
    live_server,
    collaborator,
    unit_staff,
    union,
    screenshot_dir,
):
    if not Topic.objects.filter(is_active=True).exists():
        Topic.objects.create(code="TEST", name="Việc làm, thu nhập")
    report = make_report(collaborator, kind=ReportKind.RUMOUR, title="Nghe nói công ty sắp cắt giảm công nhân")
    rumour = rumour_create(actor=unit_staff, title="Cắt giảm một nửa công nhân", report=report)

    laptop, laptop_problems = open_page("laptop")
    _login(laptop, live_server, unit_staff.username, TEST_PASSWORD)
    laptop.goto(f"{live_server.url}/guidance/new/?rumour={rumour.pk}")
    laptop.fill("input[name=title]", TITLE)
    laptop.fill("textarea[name=body]", "<p>Không có kế hoạch cắt giảm.</p><script>alert(1)</script>")
    laptop.select_option("select[name=target_units]", [str(union.pk)])
    expect(laptop.locator(f"select[name=rumours] option[value='{rumour.pk}']")).to_have_attribute("selected", "")
    laptop.click("[data-testid=save]")
    expect(laptop).to_have_url(re.compile(r"/guidance/\d+/$"))
    laptop.click("[data-testid=publish]")
    expect(laptop.locator("[data-testid=note-status]")).to_have_text(re.compile(r"\S"))
    note = GuidanceNote.objects.get(title=TITLE)
    assert note.status == NoteStatus.PUBLISHED
    # The body is kept as typed and made safe whenever it is shown: the page runs no script from it.
    expect(laptop.locator("[data-testid=note-body]")).to_contain_text("Không có kế hoạch cắt giảm.")
    assert laptop.locator("[data-testid=note-body] script").count() == 0
    assert "<script" not in note.body_html
    assert Notification.objects.filter(recipient=collaborator, kind="guidance_answer").exists()
    laptop.click("[data-testid=effect-link]")
    # Published today: the 14 days before and today; the days to come are not shown as zeros.
    expect(laptop.locator("[data-testid=effect-row]")).to_have_count(15)
    laptop.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('effect-chart'))")
    laptop_problems.assert_clean()

    phone, phone_problems = open_page("phone")
    _login(phone, live_server, collaborator.username, TEST_PASSWORD)
    phone.goto(f"{live_server.url}/guidance/")
    row = phone.locator("[data-testid=note-row]", has_text=TITLE)
    expect(row.locator("[data-testid=unread]")).to_be_visible()
    row.click()
    expect(phone.locator("[data-testid=note-body]")).to_contain_text("Không có kế hoạch cắt giảm.")
    phone.click("[data-testid=acknowledge]")
    expect(phone.locator("[data-testid=acknowledged]")).to_be_visible()
    receipt = Receipt.objects.get(note=note, person=collaborator)
    assert receipt.read_at and receipt.acknowledged_at
    phone.screenshot(path=str(screenshot_dir / "guidance-acknowledged-phone.png"), full_page=True)
    phone.goto(f"{live_server.url}/guidance/answers/")
    answered = phone.locator("[data-testid=answered-report]")
    expect(answered).to_contain_text(report.title)
    expect(answered).to_contain_text(TITLE)
    phone_problems.assert_clean()
