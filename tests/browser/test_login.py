"""Logging in with a real Chromium, on a phone and on a laptop.

Checks what only a browser sees: the page is in Vietnamese whatever the
browser's language, the Content-Security-Policy blocks nothing the pages
need, no script fails, and the navigation collapses on a phone.
Screenshots go to tests/screenshots/ (git-ignored) for a human look.
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.pages import LOGIN_PATH
from tests.browser.pages import log_in as _login
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
