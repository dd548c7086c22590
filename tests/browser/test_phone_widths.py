"""No page is wider than a phone: every role's main pages at 360 and 390 px wide in a real Chromium, with
data that makes pages wide (a long focus policy, unread notifications, a month of trainings, reports in
every status). A page fails when ``document.scrollWidth`` exceeds the window's width; the message names
the elements that stick out. One sign-in per role; the width changes between the two walks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from collaborators.models import Role
from guidance.services import guidance_publish, guidance_save
from reports.models import FocusPolicy, ReportKind, Topic
from reports.services import report_accept, report_return, rumour_create
from tests.browser.pages import log_in
from tests.factories import TEST_PASSWORD, UserFactory
from tests.reports.conftest import make_report
from trainings import services as trainings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (360, 390)
LONG_POLICY = (
    "Nghị quyết số 18-NQ/TW về tiếp tục đổi mới, sắp xếp tổ chức bộ máy của hệ thống chính trị tinh gọn, "
    "hoạt động hiệu lực, hiệu quả"
)

# The elements wider than the window, or reaching past its right edge, each named by its tag, id and classes.
OFFENDERS = """(width) => {
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let hidden = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (/(auto|scroll|hidden)/.test(style.overflowX)) { hidden = true; break; }
    }
    if (hidden) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const text = (el.textContent || '').trim().slice(0, 40);
    found.push(name + ' (right edge ' + Math.round(box.right) + ' px: ' + text + ')');
  }
  return {scroll: document.documentElement.scrollWidth, found: found.slice(0, 8)};
}"""


@pytest.fixture
def wide_data(city, union, grassroots, collaborator, unit_staff, federation_admin):
    """Data that widens pages, made through the services."""
    topic = Topic.objects.filter(is_active=True).first() or Topic.objects.create(code="WAGES", name="Tiền lương")
    policy = FocusPolicy.objects.create(code="nq18", name=LONG_POLICY, topic=topic)
    reports = [
        make_report(collaborator, title=f"Công nhân phản ánh việc tăng ca kéo dài tại phân xưởng số {n}")
        for n in range(3)
    ]
    report_accept(actor=unit_staff, report=reports[0])
    report_return(actor=unit_staff, report=reports[1], reason="Đồng chí bổ sung thời gian, địa điểm cụ thể.")
    rumour_report = make_report(collaborator, kind=ReportKind.RUMOUR, title="Nghe nói sắp cắt giảm công nhân")
    rumour_create(actor=unit_staff, title="Tin đồn cắt giảm một nửa công nhân trong quý tới", report=rumour_report)
    note = guidance_save(
        author=unit_staff,
        data={
            "title": "Định hướng thông tin về sắp xếp tổ chức bộ máy công đoàn các cấp",
            "body": "Không có kế hoạch cắt giảm công nhân.",
            "links": "",
            "topic": topic,
            "focus_policy": policy,
            "target_units": [union],
            "rumours": [],
            "questions": [],
        },
    )
    guidance_publish(actor=unit_staff, note=note)
    now = timezone.localtime()
    for day in (2, 3, 9, 16, 23):
        starts = (now + timedelta(days=day)).replace(hour=8, minute=0, second=0, microsecond=0)
        session = trainings.session_create(
            actor=federation_admin,
            unit=city,
            target_units=[union],
            title=f"Tập huấn kỹ năng nắm bắt dư luận xã hội trong công nhân lao động, đợt {day}",
            venue="Hội trường tầng 3, trụ sở Liên đoàn Lao động thành phố Hà Nội",
            starts_at=starts,
            ends_at=starts + timedelta(hours=4),
            capacity=30,
        )
        trainings.session_publish(actor=federation_admin, session=session)
    return {"note": note, "report": reports[0], "session": session}


def _pages(role, data):
    report, note, session = data["report"], data["note"], data["session"]
    common = ["/", "/notifications/", "/guidance/", f"/guidance/{note.pk}/", "/trainings/", "/trainings/month/"]
    if role == "collaborator":
        return [*common, "/reports/new/", "/reports/mine/", f"/trainings/{session.pk}/"]
    staff = [
        *common,
        "/reports/",
        f"/reports/{report.pk}/",
        "/reports/rumours/",
        "/dashboard/",
        "/summaries/",
        "/summaries/compliance/",
        "/roster/",
        "/roster/units/",
        "/guidance/new/",
        "/guidance/requests/",
        f"/trainings/{session.pk}/",
    ]
    if role == "admin":
        return [*staff, "/trainings/new/", "/roster/new/"]
    return staff


# The navbar on one line: the menu button sits level with the site's name.
NAVBAR_LINES = """() => {
  const brand = document.querySelector('.navbar-brand'), toggler = document.querySelector('.navbar-toggler');
  if (!brand || !toggler) return true;
  return toggler.getBoundingClientRect().top < brand.getBoundingClientRect().bottom;
}"""
# Status badges beside a title ("Báo cáo của tôi") keep one line instead of stretching into a tall block.
TALL_BADGES = """() => [...document.querySelectorAll('.d-flex > .badge')]
  .filter(b => b.getBoundingClientRect().height > 32).map(b => b.textContent.trim())"""
SCREEN_HEIGHT = 844
# Two frames after a resize: charts and other observers of the size have redrawn.
SETTLED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def _check(page, width, role, path, problems):
    """The page at ``width``: its overflow and its navbar; what is wrong is appended to ``problems``."""
    page.set_viewport_size({"width": width, "height": SCREEN_HEIGHT})
    page.evaluate(SETTLED)
    result = page.evaluate(OFFENDERS, width)
    # The width set, not window.innerWidth: a mobile browser widens its layout viewport to the content,
    # so the window would grow with the very overflow it should reveal.
    if result["scroll"] > width:
        problems.append(f"{role} at {width} px, {path}: {result['scroll']} px wide; {result['found']}")
    tall = page.evaluate(TALL_BADGES)
    if tall:
        problems.append(f"{role} at {width} px, {path}: badges on several lines: {tall}")
    if not page.evaluate(NAVBAR_LINES):
        problems.append(f"{role} at {width} px, {path}: the navbar's menu button dropped to a second line")


def test_no_page_of_any_role_is_wider_than_a_phone(open_page, live_server, wide_data, collaborator, unit_staff):
    admin = UserFactory(username="roleadmin", unit=unit_staff.unit, role=Role.ADMIN)
    page, errors = open_page("phone")
    problems = []
    for role, person in (("collaborator", collaborator), ("staff", unit_staff), ("admin", admin)):
        page.context.clear_cookies()
        page.set_viewport_size({"width": WIDTHS[-1], "height": SCREEN_HEIGHT})
        log_in(page, live_server, person.username, TEST_PASSWORD)
        for path in _pages(role, wide_data):
            page.set_viewport_size({"width": WIDTHS[-1], "height": SCREEN_HEIGHT})
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, f"{role} {path}: HTTP {response.status}"
            for width in reversed(WIDTHS):  # loaded at 390 px, then narrowed to 360 px
                _check(page, width, role, path, problems)
    assert not problems, "\n".join(problems)
    errors.assert_clean()


def test_on_a_phone_the_calendar_is_an_agenda_and_the_dashboard_is_about_three_screens(
    open_page, live_server, wide_data, unit_staff
):
    page, errors = open_page("phone")
    log_in(page, live_server, unit_staff.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/trainings/month/")
    assert page.locator("[data-testid=month-grid]").is_hidden()
    assert page.locator("[data-testid=agenda-day]").count() >= 1
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_function("() => document.querySelectorAll('.section-toggle').length > 5")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= 3.2 * SCREEN_HEIGHT, f"the dashboard is {height} px long on a phone"
    # A closed section opens with its heading, by keyboard as by touch.
    closed = page.locator(".section-toggle").nth(1)
    assert closed.get_attribute("aria-expanded") == "false"
    closed.focus()
    page.keyboard.press("Enter")
    assert closed.get_attribute("aria-expanded") == "true"
    errors.assert_clean()
    # On a laptop every section is open.
    laptop, laptop_errors = open_page("laptop")
    log_in(laptop, live_server, unit_staff.username, TEST_PASSWORD)
    laptop.goto(f"{live_server.url}/dashboard/")
    laptop.wait_for_function("() => document.querySelectorAll('.section-toggle').length > 5")
    assert laptop.locator(".section-toggle[aria-expanded=false]").count() == 0
    assert laptop.locator("[data-testid=month-agenda]").count() == 0
    laptop_errors.assert_clean()
