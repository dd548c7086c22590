"""Two-factor sign-in in a real browser: a staff member sets up the app (the QR code's key read from the
page, the code computed as the app would), signs in again with a code, then with a recovery code, and
wrong codes lock the second factor."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser.pages import LOGIN_PATH, SUBMIT, TWO_FACTOR_PATH
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password_step(page, live_server, username):
    page.goto(f"{live_server.url}{LOGIN_PATH}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator(SUBMIT).click()
    page.wait_for_load_state("load")


def code_now(secret, offset=0):
    """What the authenticator app shows (``offset`` periods later: a code is accepted once)."""
    import base64
    import time

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * offset
    return f"{totp.token():06d}"


def test_staff_enrol_sign_in_with_a_code_then_a_recovery_code_and_wrong_codes_lock(
    open_page, live_server, unit_staff, settings, screenshot_dir
):
    page, problems = open_page("phone")
    password_step(page, live_server, unit_staff.username)
    # Sent to set up the app before anything else.
    assert urlsplit(page.url).path == "/accounts/two-factor/setup/"
    expect(page.locator("[data-testid=two-factor-enrol-heading]")).to_have_text("Thiết lập đăng nhập hai bước")
    expect(page.locator("[data-testid=two-factor-qr]")).to_be_visible()
    secret = page.locator("[data-testid=two-factor-secret]").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]+", secret)
    page.screenshot(path=str(screenshot_dir / "two-factor-enrol-phone.png"), full_page=True)
    page.fill("input[name=token]", code_now(secret))
    page.locator(SUBMIT).first.click()
    codes = page.locator("[data-testid=recovery-codes] li").all_inner_texts()
    assert len(codes) == 10
    page.locator("[data-testid=recovery-codes-continue]").click()
    expect(page.locator("[data-testid=home-heading]")).to_contain_text(unit_staff.full_name)
    problems.assert_clean()

    # A new sign-in: the password, then a code from the app.
    second, second_problems = open_page("laptop")
    password_step(second, live_server, unit_staff.username)
    assert urlsplit(second.url).path == TWO_FACTOR_PATH
    expect(second.locator("[data-testid=two-factor-heading]")).to_have_text("Đăng nhập hai bước")
    second.fill("input[name=token]", code_now(secret, offset=1))
    second.locator(SUBMIT).first.click()
    expect(second.locator("[data-testid=home-heading]")).to_be_visible()
    second_problems.assert_clean()

    # Without the phone: a recovery code, which works once.
    third, _problems = open_page("phone")
    password_step(third, live_server, unit_staff.username)
    third.fill("input[name=token]", codes[0])
    third.locator(SUBMIT).first.click()
    expect(third.locator("[data-testid=home-heading]")).to_be_visible()
    fourth, _problems = open_page("phone")
    password_step(fourth, live_server, unit_staff.username)
    fourth.fill("input[name=token]", codes[0])
    fourth.locator(SUBMIT).first.click()
    assert urlsplit(fourth.url).path == TWO_FACTOR_PATH
    expect(fourth.locator("main .invalid-feedback").first).to_contain_text("không đúng")

    # Wrong codes up to the limit lock the second factor: signed out, the lockout page in Vietnamese.
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        fourth.fill("input[name=token]", "000000")
        fourth.locator(SUBMIT).first.click()
        fourth.wait_for_load_state("load")
    expect(fourth.locator("body")).to_contain_text("tạm khóa")
    fourth.goto(f"{live_server.url}/")
    assert urlsplit(fourth.url).path == LOGIN_PATH
    assert parse_qs(urlsplit(fourth.url).query).get("next") == ["/"]
    fourth.screenshot(path=str(screenshot_dir / "two-factor-locked-phone.png"), full_page=True)
