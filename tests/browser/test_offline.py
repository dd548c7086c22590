"""Every typed word kept, offline too, in a real Chromium on a phone viewport.

What is typed in the report form is kept per person and form, so it is offered back after the tab is
closed and after the session expired and the person signed in again; without a connection the form
opens from the service worker's cache, a report sent waits in the phone's outbox with a visible
count, and goes out exactly once when the connection returns; a guidance note opened online reads
offline.

Playwright's offline switch does not reach a service worker's own requests unless Playwright reports
them (PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS, set before the browser starts): the network is
cut by the offline switch for the pages and by aborting every request of the service worker, and the
tests check that the service worker did try the network and was refused.
"""

import os
import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from reports.models import Report, ReportStatus, Topic
from tests.browser.pages import log_in
from tests.factories import TEST_PASSWORD
from tests.guidance.conftest import make_note
from tests.reports.test_attachments import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Công nhân hỏi về tiền thưởng Tết năm nay"
CONTENT = "Nhiều ý kiến lo lắng công ty chậm trả thưởng, đề nghị công đoàn hỏi giúp."
KEPT_PAGE = "() => caches.match(location.origin + %r, {ignoreVary: true}).then(function (hit) { return !!hit; })"


@pytest.fixture(scope="module", autouse=True)
def _service_worker_requests_reported():
    """Set before the module's browser starts: the service worker's requests go through routes."""
    previous = os.environ.get("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS")
    os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"
    yield
    if previous is None:
        os.environ.pop("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", None)
    else:
        os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = previous


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def topic():
    # Seeded by a data migration, but an earlier transactional test's flush may have removed them.
    return Topic.objects.filter(is_active=True).first() or Topic.objects.create(code="TEST", name="Việc làm, thu nhập")


class Network:
    """Cuts the connection for a browser context: its pages and its service worker alike."""

    def __init__(self, context):
        self.context = context
        self.refused = []  # the service worker's requests refused while cut

    def _route(self, route):
        if route.request.service_worker:
            self.refused.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    def cut(self):
        self.context.route("**/*", self._route)
        self.context.set_offline(True)

    def restore(self):
        self.context.set_offline(False)
        self.context.unroute("**/*", self._route)


def _wait_for_service_worker(page):
    page.evaluate("navigator.serviceWorker.ready.then(function () { return true; })")
    page.wait_for_function("() => !!navigator.serviceWorker.controller")


def _no_blocked_content(problems):
    blocked = [m for m in problems.console_errors if "Content Security Policy" in m]
    assert not blocked, f"the Content-Security-Policy blocked something: {blocked}"
    assert not problems.page_errors, f"uncaught script errors: {problems.page_errors}"


def _settled(page):
    """The service worker has kept the pages this page asked for: no request is left running."""
    expect(page.locator("[data-testid=outbox-status]")).to_have_attribute("data-kept", "1")


def _type_report(page, topic):
    page.locator("input[name=kind][value=opinion]").check()
    page.select_option("select[name=topic]", str(topic.pk))
    page.fill("input[name=title]", TITLE)
    page.fill("textarea[name=content]", CONTENT)


def _wait_until_kept_locally(page, user):
    page.wait_for_function(
        "([key, title]) => (localStorage.getItem(key) || '').indexOf(title) !== -1",
        arg=[f"report-draft:{user.pk}:new", TITLE],
    )


def test_text_typed_in_a_closed_tab_is_offered_back_and_restored(open_page, live_server, collaborator, topic):
    page, problems = open_page("phone")
    log_in(page, live_server, collaborator.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/reports/new/")
    first_token = page.locator("#report-form input[name=token]").input_value()
    _type_report(page, topic)
    _wait_until_kept_locally(page, collaborator)
    context = page.context
    page.close()

    page = context.new_page()
    page.goto(f"{live_server.url}/reports/new/")
    assert page.locator("#report-form input[name=token]").input_value() != first_token  # a new form, a new token
    expect(page.locator("[data-testid=draft-offer]")).to_be_visible()
    expect(page.locator("input[name=title]")).to_have_value("")
    page.click("[data-testid=draft-restore]")
    expect(page.locator("[data-testid=draft-offer]")).to_be_hidden()
    expect(page.locator("input[name=title]")).to_have_value(TITLE)
    expect(page.locator("textarea[name=content]")).to_have_value(CONTENT)
    expect(page.locator("select[name=topic]")).to_have_value(str(topic.pk))
    expect(page.locator("input[name=kind][value=opinion]")).to_be_checked()
    _settled(page)
    _no_blocked_content(problems)


def test_text_typed_before_the_session_expired_is_offered_back_after_signing_in_again(
    open_page, live_server, collaborator, topic
):
    page, problems = open_page("phone")
    log_in(page, live_server, collaborator.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/reports/new/")
    _type_report(page, topic)
    _wait_until_kept_locally(page, collaborator)

    Session.objects.all().delete()  # the session expires on the server
    page.goto(f"{live_server.url}/reports/new/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("input[name=username]", collaborator.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/reports/new/$"))

    expect(page.locator("[data-testid=draft-offer]")).to_be_visible()
    page.click("[data-testid=draft-restore]")
    expect(page.locator("textarea[name=content]")).to_have_value(CONTENT)
    page.click("[data-testid=send-report]")
    expect(page).to_have_url(re.compile(r"/reports/mine/"))
    report = Report.objects.get(author=collaborator)
    assert (report.title, report.content, report.status) == (TITLE, CONTENT, ReportStatus.SUBMITTED)
    # The server confirmed it: nothing is offered back any more.
    page.goto(f"{live_server.url}/reports/new/")
    expect(page.locator("input[name=title]")).to_have_value("")
    expect(page.locator("[data-testid=draft-offer]")).to_be_hidden()
    _settled(page)
    _no_blocked_content(problems)


def test_a_report_written_offline_waits_on_the_phone_and_is_sent_exactly_once(
    open_page, live_server, collaborator, topic
):
    page, problems = open_page("phone")
    log_in(page, live_server, collaborator.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/reports/new/")
    _wait_for_service_worker(page)
    page.wait_for_function(KEPT_PAGE % "/reports/new/")

    network = Network(page.context)
    network.cut()
    page.goto(f"{live_server.url}/reports/new/")
    expect(page.locator("#report-form")).to_be_visible()  # from the service worker's cache
    assert any(url.endswith("/reports/new/") for url in network.refused)
    _type_report(page, topic)
    photo = {"name": "hien-truong.png", "mimeType": "image/png", "buffer": png_bytes()}
    page.set_input_files("input[name=attachments]", files=[photo])
    page.click("[data-testid=send-report]")
    expect(page.locator("[data-testid=queued-notice]")).to_be_visible()
    status = page.locator("[data-testid=outbox-status]")
    expect(status).to_be_visible()
    expect(status).to_have_attribute("data-count", "1")
    expect(page.locator("[data-testid=outbox-count]")).to_contain_text("1")
    expect(page.locator("input[name=title]")).to_have_value("")  # the form is ready for the next report
    assert not Report.objects.filter(title=TITLE).exists()

    # The connection returns, but the server's answer to the first sending is lost on the way:
    # the report stays on the phone, and sending it again changes nothing on the server.
    answers_lost = []

    def lose_the_answer(route):
        route.fetch()
        answers_lost.append(route.request.url)
        route.abort("connectionreset")

    page.route(
        "**/reports/new/", lambda route: lose_the_answer(route) if route.request.method == "POST" else route.continue_()
    )
    with page.expect_request(lambda request: request.method == "POST" and request.url.endswith("/reports/new/")):
        network.restore()  # the "online" event starts the sending
    expect(status).to_have_attribute("data-state", "idle")
    assert answers_lost, "the outbox did not send when the connection returned"
    expect(status).to_have_attribute("data-count", "1")
    assert Report.objects.filter(title=TITLE).count() == 1
    page.unroute("**/reports/new/")

    page.click("[data-testid=outbox-send]")
    expect(status).to_have_attribute("data-count", "0")
    expect(status).to_be_hidden()
    report = Report.objects.get(title=TITLE)
    assert (report.author, report.content, report.status) == (collaborator, CONTENT, ReportStatus.SUBMITTED)
    assert [a.original_name for a in report.attachments.all()] == ["hien-truong.png"]  # kept on the phone too
    _no_blocked_content(problems)


def test_a_guidance_note_opened_online_is_readable_offline(open_page, live_server, collaborator, unit_staff, union):
    note = make_note(unit_staff, targets=[union], title="Định hướng: không cắt giảm công nhân")
    page, problems = open_page("phone")
    log_in(page, live_server, collaborator.username, TEST_PASSWORD)
    note_url = f"/guidance/{note.pk}/"
    page.goto(f"{live_server.url}{note_url}")
    _wait_for_service_worker(page)
    page.wait_for_function(KEPT_PAGE % note_url)
    page.goto(f"{live_server.url}/")

    network = Network(page.context)
    network.cut()
    page.goto(f"{live_server.url}{note_url}")
    expect(page.locator("main")).to_contain_text(note.title)
    assert any(url.endswith(note_url) for url in network.refused)
    network.restore()
    _no_blocked_content(problems)


def test_a_report_refused_by_the_server_after_waiting_offline_comes_back_into_the_form_with_the_message(
    open_page, live_server, collaborator, topic
):
    page, problems = open_page("phone")
    log_in(page, live_server, collaborator.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/reports/new/")
    network = Network(page.context)
    network.cut()
    page.locator("input[name=kind][value=opinion]").check()
    page.select_option("select[name=topic]", str(topic.pk))
    page.fill("input[name=title]", TITLE)  # no content: the server refuses to send it
    page.click("[data-testid=send-report]")
    status = page.locator("[data-testid=outbox-status]")
    expect(status).to_have_attribute("data-count", "1")
    expect(page.locator("input[name=title]")).to_have_value("")

    network.restore()
    expect(status).to_have_attribute("data-count", "0")
    expect(page.locator("[data-testid=queued-errors]")).to_be_visible()
    expect(page.locator("[data-testid=queued-errors]")).not_to_be_empty()
    expect(page.locator("[data-testid=outbox-returned]")).to_be_visible()
    expect(page.locator("input[name=title]")).to_have_value(TITLE)
    expect(page.locator("select[name=topic]")).to_have_value(str(topic.pk))
    assert not Report.objects.filter(author=collaborator).exists()

    # Corrected and sent online, it goes through once.
    page.fill("textarea[name=content]", CONTENT)
    page.click("[data-testid=send-report]")
    expect(page).to_have_url(re.compile(r"/reports/mine/"))
    assert Report.objects.get(author=collaborator).status == ReportStatus.SUBMITTED
    _settled(page)
    _no_blocked_content(problems)


def test_another_person_signing_in_on_the_same_phone_finds_nothing_of_the_first(
    open_page, live_server, collaborator, other_collaborator, topic
):
    page, problems = open_page("phone")
    log_in(page, live_server, collaborator.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/reports/new/")
    _wait_for_service_worker(page)
    page.wait_for_function(KEPT_PAGE % "/reports/new/")
    _type_report(page, topic)
    _wait_until_kept_locally(page, collaborator)

    page.evaluate("document.querySelector('form[action=\"/accounts/logout/\"]').requestSubmit()")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.wait_for_function(
        "() => caches.keys().then(function (names) {"
        " return !names.some(function (name) { return name.indexOf('on-pages-') === 0; }); })"
    )

    log_in(page, live_server, other_collaborator.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/reports/new/")
    expect(page.locator("#report-form")).to_be_visible()
    expect(page.locator("[data-testid=draft-offer]")).to_be_hidden()
    expect(page.locator("input[name=title]")).to_have_value("")
    _settled(page)
    _no_blocked_content(problems)
