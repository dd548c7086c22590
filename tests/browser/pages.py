"""What the browser tests share besides fixtures: the viewports, a page's problems (CSP, script and
request errors) and logging in through the form."""

from urllib.parse import urlsplit

from playwright.sync_api import expect

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


TWO_FACTOR_PATH = "/accounts/two-factor/"


def log_in(page, live_server, username, password):
    """Sign in through the form; for staff and admins, the second step too, with a recovery code
    made for this sign-in (single-use, so a test may sign the same person in again at once)."""
    recovery_code = _recovery_code_for(username)
    page.goto(f"{live_server.url}{LOGIN_PATH}")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    submit = page.locator(SUBMIT)
    expect(submit).to_have_text("Đăng nhập")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    submit.click()
    page.wait_for_load_state("load")
    if recovery_code and urlsplit(page.url).path == TWO_FACTOR_PATH:
        page.fill("input[name=token]", recovery_code)
        page.locator(SUBMIT).first.click()
        page.wait_for_load_state("load")


def _recovery_code_for(username):
    """A new recovery code of the person when their role needs a second factor, else None."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from collaborators.models import User
    from collaborators.services.security import two_factor_required

    user = User.objects.filter(username=username).first()
    if user is None or not two_factor_required(user):
        return None
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
    token = StaticToken.random_token()
    StaticToken.objects.create(device=device, token=token)
    return token
