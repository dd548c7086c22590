"""Trainings in a real Chromium: an admin schedules and publishes a session, a collaborator
registers from a phone, staff tick attendance in place (htmx). No CSP or script errors."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.pages import log_in as _login
from tests.factories import TEST_PASSWORD
from trainings.models import Registration, RegistrationStatus, SessionStatus, TrainingSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def settle(page):
    """Let the page finish loading (favicon included) before the next click navigates away;
    a fetch aborted by navigation would otherwise count as a failed request."""
    page.wait_for_load_state("networkidle")


TITLE = "Tập huấn kỹ năng nắm bắt, phản ánh và định hướng dư luận xã hội"


def test_schedule_publish_register_on_a_phone_and_tick_attendance(
    open_page, live_server, screenshot_dir, federation_admin, union, collaborator, unit_staff
):
    # An admin schedules a session for the union and publishes it.
    page, problems = open_page("laptop")
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, live_server, federation_admin.username, TEST_PASSWORD)
    settle(page)
    page.goto(f"{live_server.url}/trainings/")
    settle(page)
    page.click("[data-testid=new-session]")
    settle(page)
    start = timezone.localtime(timezone.now() + timedelta(days=5)).replace(hour=8, minute=0)
    page.fill("input[name=title]", TITLE)
    page.fill("input[name=venue]", "Hội trường LĐLĐ thành phố Hà Nội")
    page.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=ends_at]", (start + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=capacity]", "80")
    page.select_option("select[name=target_units]", value=str(union.pk))
    page.click("[data-testid=session-form] [type=submit]")
    expect(page.locator("[data-testid=session-title]")).to_have_text(TITLE)
    settle(page)
    page.click("[data-testid=publish]")
    expect(page.locator("[data-testid=session-status]")).to_have_text("published", use_inner_text=False)
    settle(page)
    session = TrainingSession.objects.get(title=TITLE)
    assert session.status == SessionStatus.PUBLISHED
    assert timezone.localtime(session.starts_at).hour == 8
    page.screenshot(path=str(screenshot_dir / "training-laptop-admin.png"), full_page=True)
    problems.assert_clean()

    # A collaborator registers from a phone.
    phone, phone_problems = open_page("phone")
    phone.on("dialog", lambda dialog: dialog.accept())
    _login(phone, live_server, collaborator.username, TEST_PASSWORD)
    settle(phone)
    phone.goto(f"{live_server.url}/trainings/")
    settle(phone)
    phone.locator("[data-testid=session-item]", has_text=TITLE).click()
    settle(phone)
    phone.click("[data-testid=register]")
    expect(phone.locator("[data-testid=unregister]")).to_be_visible()
    settle(phone)
    assert Registration.objects.get(session=session, person=collaborator).status == RegistrationStatus.REGISTERED
    phone.screenshot(path=str(screenshot_dir / "training-phone-registered.png"), full_page=True)
    phone_problems.assert_clean()

    # The session's day comes (attendance is marked from that day on), and staff of the union tick
    # attendance; the row updates in place.
    now = timezone.now()
    TrainingSession.objects.filter(pk=session.pk).update(
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=3)
    )
    staff_page, staff_problems = open_page("laptop")
    _login(staff_page, live_server, unit_staff.username, TEST_PASSWORD)
    settle(staff_page)
    staff_page.goto(f"{live_server.url}/trainings/{session.pk}/attendance/")
    settle(staff_page)
    staff_page.evaluate("window.__notReloaded = true")
    row = staff_page.locator(f"tr[data-testid=attendance-row]:has-text('{collaborator.full_name}')")
    expect(row).to_have_attribute("data-status", "registered")
    staff_page.click(f"[data-testid=tick-{collaborator.username}]")
    expect(row).to_have_attribute("data-status", "attended")
    settle(staff_page)
    assert staff_page.evaluate("window.__notReloaded") is True, "the page reloaded instead of swapping the row"
    assert Registration.objects.get(session=session, person=collaborator).status == RegistrationStatus.ATTENDED
    staff_page.screenshot(path=str(screenshot_dir / "training-laptop-attendance.png"), full_page=True)
    staff_problems.assert_clean()
