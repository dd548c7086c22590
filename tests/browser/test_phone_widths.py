"""No page is wider than a phone: every page of every role at 360 and 390 px wide in a real Chromium.

The pages are the scope walk's (tests/test_scope_walk.py): every URL pattern of the apps (and, for the
superuser, of the admin), filled with the objects of its world, each GET that answers the role 200 in HTML;
with data that makes pages wide besides (a long focus policy, unread notifications, a month of trainings,
reports in every status). A page fails when ``document.scrollWidth`` exceeds the window's width; the
message names the elements that stick out. One browser; one context and sign-in per role; each page is
loaded at 390 px and narrowed to 360 px. On the phone the calendar is an agenda and the dashboard's
sections fold."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from collaborators.models import Role, UnitKind
from guidance.services import guidance_publish, guidance_save
from notifications.services import notify
from reports.models import FocusPolicy, ReportKind, Topic
from reports.services import report_accept, report_return, rumour_create
from tests.browser.pages import VIEWPORTS, PageProblems, log_in
from tests.factories import TEST_PASSWORD, UnitFactory, UserFactory
from tests.reports.conftest import make_report
from tests.test_scope_walk import (  # noqa: F401 (world: the fixture)
    TABLE,
    admin_case,
    admin_kwargs,
    call,
    kwargs_for,
    url_for,
    url_patterns,
    world,
)
from trainings import services as trainings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (360, 390)
PARK_NAME = "Công đoàn các Khu công nghiệp và chế xuất Thăng Long"
PARK_COMPANY = "Công ty TNHH Điện tử Canon Việt Nam"
LONG_POLICY = (
    "Nghị quyết số 18-NQ/TW về tiếp tục đổi mới, sắp xếp tổ chức bộ máy của hệ thống chính trị tinh gọn, "
    "hoạt động hiệu lực, hiệu quả"
)

# The elements wider than the window, or reaching past its right edge, each named by its tag, id and classes.
OFFENDERS = """(width) => {
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    // Its box, or what overflows it (a line that does not wrap reaches past a box that fits).
    const style = getComputedStyle(el);
    const right = style.overflowX === 'visible' ? Math.max(box.right, box.left + el.scrollWidth) : box.right;
    if (box.width === 0 || right <= width + 1) continue;
    let hidden = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (/(auto|scroll|hidden)/.test(style.overflowX)) { hidden = true; break; }
    }
    if (hidden) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const text = (el.textContent || '').trim().slice(0, 40);
    found.push(name + ' (right edge ' + Math.round(right) + ' px: ' + text + ')');
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


# The six roles of the demo, as the walk's world has them (tests/test_scope_walk.py): a collaborator, the
# ward union's staff, the staff of an industrial-park union, the city federation's staff and administrator,
# and a superuser (who also reaches the admin).
ROLES = ("collaborator", "ward staff", "park union staff", "city staff", "city admin", "superuser")
# Not pages: files, feeds, JSON and scripts (the walk reads only what answers 200 in HTML).
NOT_PAGES = ("api", "admin:jsi18n", "javascript-catalog", "manifest", "service_worker", "healthz")
# The admin's pages that show stored values (past versions, raw history, deletion summaries), as in the
# Vietnamese walk; every other admin page is walked.
ADMIN_DATA_PAGES = ("_delete", "_history", "_simple_history")


def _people(walk, city, union):
    park = UnitFactory(parent=city, kind=UnitKind.INDUSTRIAL_PARK, code="KCN-TL", name=PARK_NAME)
    UnitFactory(parent=park, kind=UnitKind.GRASSROOTS, code="KCN-TL-01", name=f"Công đoàn cơ sở {PARK_COMPANY}")
    root = UserFactory(username="root", full_name="Quản trị hệ thống", unit=city, role=Role.ADMIN)
    root.is_superuser = root.is_staff = True
    root.save()
    people = {
        "collaborator": walk.actors["collaborator"],
        "ward staff": walk.actors["staff"],
        "park union staff": UserFactory(username="parkstaff", full_name="Đỗ Văn Nam", unit=park, role=Role.STAFF),
        "city staff": UserFactory(username="citystaff", full_name="Trần Quang Minh", unit=city, role=Role.STAFF),
        "city admin": UserFactory(username="cityadmin2", full_name="Nguyễn Thị Hà", unit=city, role=Role.ADMIN),
        "superuser": root,
    }
    # Each has unread notifications: the navbar shows their count beside the menu button.
    for person in people.values():
        for n in range(12):
            assert notify(recipient=person, kind="report_comment", subject=f"Thông báo {n}")
    return people


def _urls(walk, data, *, with_admin):
    """Every GET URL of the scope walk (its URL patterns, filled with the union's objects), and the pages of
    the objects made wide."""
    for key, pattern, route in url_patterns():
        if key.startswith(NOT_PAGES) or route.startswith("api/"):
            continue
        if key.startswith("admin"):
            if not with_admin or key.endswith(ADMIN_DATA_PAGES):
                continue
            kwargs = admin_kwargs(admin_case(key, walk)[0], pattern, walk)
        else:
            if key not in TABLE:
                continue  # a URL without its scope case: the scope walk fails on it, with the line to write
            kind = TABLE[key][0]
            if kind == "token":
                continue  # a credential in the URL: a feed, an activation link
            kwargs = kwargs_for(kind, walk.ours)
        yield url_for(key, pattern, route, kwargs)
    yield f"/guidance/{data['note'].pk}/"
    yield f"/reports/{data['report'].pk}/"
    yield f"/trainings/{data['session'].pk}/"


def _html_pages(person, urls):
    """The URLs that answer the person 200 in HTML (asked through Django's test client, each request rolled
    back): downloads, redirects and refusals are not pages to lay out."""
    client = Client()
    pages = []
    for url in dict.fromkeys(urls):
        response = call(client, person, "get", url, {})
        if response.status_code != 200 or getattr(response, "streaming", False):
            continue
        # A page is a whole document; a fragment that htmx puts into a page is laid out in that page.
        if "text/html" in response.get("Content-Type", "") and b"<html" in response.content[:500].lower():
            pages.append(url)
    return pages


# The navbar on one line: the menu button sits level with the site's name.
NAVBAR_LINES = """() => {
  const brand = document.querySelector('.navbar-brand'), toggler = document.querySelector('.navbar-toggler');
  if (!brand || !toggler) return true;
  return toggler.getBoundingClientRect().top < brand.getBoundingClientRect().bottom;
}"""
# Badges are as tall as their text: a status beside a title ("Báo cáo của tôi") is not stretched into a tall
# block, and stays on one line; a long badge (a unit's or a policy's name) may wrap.
TALL_BADGES = """() => [...document.querySelectorAll('.badge')].filter(b => {
  const box = b.getBoundingClientRect();
  if (!box.height) return false;
  const range = document.createRange();
  range.selectNodeContents(b);
  const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  const text = range.getBoundingClientRect().height;
  return box.height > text + 16 || (b.textContent.trim().length <= 20 && lines > 1);
}).map(b => b.textContent.trim())"""
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
        problems.append(f"{role} at {width} px, {path}: badges stretched or a short one on several lines: {tall}")
    if not page.evaluate(NAVBAR_LINES):
        problems.append(f"{role} at {width} px, {path}: the navbar's menu button dropped to a second line")


def test_no_page_of_any_role_is_wider_than_a_phone(browser, live_server, world, wide_data, city, union):  # noqa: F811
    """Every page each role reaches (the scope walk's URLs), at 390 then 360 px: nothing sticks out."""
    people = _people(world, city, union)
    problems, walked = [], {}
    for role in ROLES:
        person = people[role]
        pages = _html_pages(person, _urls(world, wide_data, with_admin=role == "superuser"))
        walked[role] = len(pages)
        context = browser.new_context(locale="en-US", **VIEWPORTS["phone"])
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            errors = PageProblems(page)
            log_in(page, live_server, person.username, TEST_PASSWORD)
            page.goto(f"{live_server.url}/")
            assert page.locator(".navbar .badge.bg-danger").first.text_content().strip().isdigit(), role
            for path in pages:
                page.set_viewport_size({"width": WIDTHS[-1], "height": SCREEN_HEIGHT})
                response = page.goto(f"{live_server.url}{path}")
                if response.status != 200:
                    problems.append(f"{role} {path}: HTTP {response.status} in the browser")
                    continue
                for width in reversed(WIDTHS):  # loaded at 390 px, then narrowed to 360 px
                    _check(page, width, role, path, problems)
                try:
                    errors.assert_clean()
                except AssertionError as error:
                    problems.append(f"{role} {path}: {error}")
                errors.console_errors.clear(), errors.page_errors.clear(), errors.failed_requests.clear()
        finally:
            context.close()
    # The walk reached each role's pages: a collaborator's dozen, staff's and the admin's many more.
    assert walked["collaborator"] >= 10 and walked["city staff"] >= 30, walked
    assert walked["superuser"] > walked["city admin"] + 50, walked
    assert not problems, f"{len(problems)} problems on {walked} pages:\n" + "\n".join(problems)


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
    # Every section folds (the collaborators' quality too, its heading beside a link); the filters are folded.
    sections = "[data-collapsible-sections] > section"
    assert page.locator(sections).count() == page.locator(f"{sections} .section-toggle").count()
    assert page.locator("#dashboard-quality .section-toggle").get_attribute("aria-expanded") == "false"
    assert page.eval_on_selector("[data-testid=dashboard-filters-fold]", "d => d.open") is False
    page.click("[data-testid=dashboard-filters-fold] > summary")
    expect(page.locator("[data-testid=dashboard-filters] button[type=submit]")).to_be_visible()
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
    assert laptop.eval_on_selector("[data-testid=dashboard-filters-fold]", "d => d.open") is True
    assert laptop.locator("[data-testid=month-agenda]").count() == 0
    laptop_errors.assert_clean()
