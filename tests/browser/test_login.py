"""Logging in with a real Chromium, on a phone and on a laptop.

Checks what only a browser sees: the page is in Vietnamese whatever the
browser's language, the Content-Security-Policy blocks nothing the pages
need, no script fails, and the navigation collapses on a phone.
Screenshots go to tests/screenshots/ (git-ignored) for a human look.
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "laptop": {"viewport": {"width": 1366, "height": 768}},
}
LOGIN_PATH = "/accounts/login/"
SUBMIT = "main form button[type=submit]"


class PageProblems:
    """Console errors, uncaught script errors and failed requests seen by a page."""

    def __init__(self, page):
        self.console_errors = []
        self.page_errors = []
        self.failed_requests = []
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("requestfailed", self._request_failed)
        page.on(
            "response",
            lambda resp: resp.status >= 400 and self.failed_requests.append(f"{resp.url}: HTTP {resp.status}"),
        )

    def _request_failed(self, request):
        # A request the browser itself cancels because the test navigated on (ERR_ABORTED)
        # is not a failure of the page; anything else is.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.failed_requests.append(f"{request.url}: {request.failure}")

    def assert_clean(self):
        blocked = [m for m in self.console_errors if "Content Security Policy" in m or "Refused to" in m]
        assert not blocked, f"the Content-Security-Policy blocked something: {blocked}"
        assert not self.page_errors, f"uncaught script errors: {self.page_errors}"
        assert not self.failed_requests, f"failed requests: {self.failed_requests}"


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def _open(viewport_name):
        # An English browser: the site must still answer in Vietnamese.
        context = browser.new_context(locale="en-US", **VIEWPORTS[viewport_name])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page, PageProblems(page)

    yield _open
    for context in contexts:
        context.close()


def _login(page, live_server, username, password):
    page.goto(f"{live_server.url}{LOGIN_PATH}")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    submit = page.locator(SUBMIT)
    expect(submit).to_have_text("Đăng nhập")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    submit.click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("user_fixture", ["collaborator", "unit_staff"])
@pytest.mark.parametrize("viewport_name", ["phone", "laptop"])
def test_login_lands_on_home_page(request, open_page, live_server, screenshot_dir, viewport_name, user_fixture):
    user = request.getfixturevalue(user_fixture)
    page, problems = open_page(viewport_name)

    _login(page, live_server, user.username, TEST_PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    assert urlsplit(page.url).path == "/"
    heading = page.locator("[data-testid=home-heading]")
    expect(heading).to_be_visible()
    expect(heading).to_contain_text(user.full_name)
    toggler = page.locator("nav .navbar-toggler")
    if viewport_name == "phone":
        expect(toggler).to_be_visible()
    else:
        expect(toggler).to_be_hidden()
    page.screenshot(path=str(screenshot_dir / f"home-{viewport_name}-{user_fixture}.png"), full_page=True)
    problems.assert_clean()


def test_wrong_password_shows_vietnamese_error(collaborator, open_page, live_server, screenshot_dir):
    page, problems = open_page("phone")

    _login(page, live_server, collaborator.username, "not-the-password")

    assert urlsplit(page.url).path == LOGIN_PATH
    error = page.locator("main .alert-danger, main .invalid-feedback, main .errorlist").first
    expect(error).to_be_visible()
    # LoginForm's "Wrong username or password. ..." in Vietnamese (locale/vi).
    expect(error).to_contain_text("mật khẩu")
    expect(page.locator("main")).not_to_contain_text("Wrong username or password")
    expect(page.locator("[data-testid=home-heading]")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "login-phone-wrong-password.png"), full_page=True)
    problems.assert_clean()
