"""Operations: log lines, caching of signed-in pages, the absolute session lifetime, the database down,
backup and restore."""

import json
import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import translation

from opinion_network.middleware import RETRY_AFTER_SECONDS, SESSION_STARTED_KEY
from tests.factories import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING = datetime(2026, 3, 9, 7, 30, tzinfo=HANOI)


def unused_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter with the project's settings and only the given overrides."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "opinion_network.settings"
    return subprocess.run(  # noqa: S603 - fixed interpreter, code from this file
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


# --- log lines -------------------------------------------------------------------------------------

LOG_SOMETHING = (
    "import django, logging; django.setup();"
    "logging.getLogger('reports.services').warning('Báo cáo %s chưa gửi được', 42)"
)


def test_production_log_lines_are_json_with_time_level_and_logger():
    result = run_python(LOG_SOMETHING, DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="opinion.example.org")
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["level"] == "WARNING"
    assert line["logger"] == "reports.services"
    assert line["message"] == "Báo cáo 42 chưa gửi được"
    assert datetime.strptime(line["time"], "%Y-%m-%dT%H:%M:%S%z").tzinfo is not None


def test_development_log_lines_are_plain_text_with_time_level_and_logger():
    result = run_python(LOG_SOMETHING, DEBUG="1")
    assert result.returncode == 0, result.stderr
    stamp, level, logger, message = result.stderr.strip().splitlines()[-1].split(" ", 3)
    assert datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z").tzinfo is not None
    assert (level, logger, message) == ("WARNING", "reports.services:", "Báo cáo 42 chưa gửi được")


def test_an_unknown_log_format_stops_start_up_naming_the_variable():
    result = run_python("import django; django.setup()", DEBUG="1", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT" in result.stderr


# --- Cache-Control on signed-in pages ----------------------------------------------------------------


@pytest.mark.django_db
def test_pages_for_a_signed_in_person_are_private_and_not_stored(client, collaborator):
    client.force_login(collaborator)
    for url in (reverse("home"), reverse("reports:mine"), reverse("javascript-catalog")):
        response = client.get(url)
        assert response.status_code == 200, url
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url
        assert "public" not in directives


@pytest.mark.django_db
def test_anonymous_pages_and_static_files_keep_their_own_caching(client, collaborator, settings):
    # WhiteNoise answers from the source folders, as in development (tests run without collectstatic).
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    anonymous = client.get(reverse("javascript-catalog"))
    assert anonymous.status_code == 200
    assert "no-store" not in anonymous.get("Cache-Control", "")

    client.force_login(collaborator)
    static = client.get("/static/vendor/bootstrap/css/bootstrap.min.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


# --- the absolute session lifetime ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_busy_session_ends_twelve_hours_after_the_sign_in(client, collaborator, settings):
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60
    home = reverse("home")
    with time_machine.travel(MORNING, tick=False) as clock:
        response = client.post(reverse("login"), {"username": collaborator.username, "password": TEST_PASSWORD})
        assert response.status_code == 302
        assert client.session[SESSION_STARTED_KEY] == int(MORNING.timestamp())
        # A request every 20 minutes keeps the idle limit (30 minutes) from ending it first.
        for _ in range(12 * 3 - 1):
            clock.shift(timedelta(minutes=20))
            assert client.get(home).status_code == 200
        clock.shift(timedelta(minutes=20))  # 12 hours after the sign-in
        response = client.get(home)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_a_new_sign_in_starts_a_new_lifetime(client, collaborator):
    with time_machine.travel(MORNING, tick=False) as clock:
        client.force_login(collaborator)
        assert client.get(reverse("home")).status_code == 200
        clock.shift(timedelta(hours=12, minutes=1))
        assert client.get(reverse("home")).status_code == 302
        client.force_login(collaborator)
        assert client.get(reverse("home")).status_code == 200
        assert client.session[SESSION_STARTED_KEY] == int((MORNING + timedelta(hours=12, minutes=1)).timestamp())


@pytest.mark.django_db
def test_the_idle_limit_still_ends_a_quiet_session_first(client, collaborator, settings):
    with time_machine.travel(MORNING, tick=False) as clock:
        client.force_login(collaborator)
        assert client.get(reverse("home")).status_code == 200
        clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
        assert client.get(reverse("home")).status_code == 302


# --- the database down -------------------------------------------------------------------------------

# Requests sent by a fresh interpreter whose database is PostgreSQL on a loopback port nothing listens
# on: every connection is refused, as when the database server is stopped.
DATABASE_DOWN_REQUESTS = """
import json, django
django.setup()
from django.test import Client
client = Client()
answers = {}
client.cookies["sessionid"] = "k" * 32
for name, method, url, data in (
    ("signed_in_page", "get", "/", None),
    ("login_post", "post", "/accounts/login/", {"username": "collab", "password": "x"}),
    ("healthz", "get", "/healthz", None),
):
    response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    answers[name] = {
        "status": response.status_code,
        "retry_after": response.get("Retry-After"),
        "cache_control": response.get("Cache-Control", ""),
        "body": response.content.decode(),
    }
print(json.dumps(answers))
"""


def test_with_the_database_down_pages_answer_503_with_retry_after_and_healthz_its_json():
    result = run_python(
        DATABASE_DOWN_REQUESTS,
        DEBUG="1",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"postgres://opinion@127.0.0.1:{unused_port()}/opinion",
        REDIS_URL="",
        LOG_FORMAT="json",
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    with translation.override("vi"):
        title = translation.gettext("Service unavailable")
    for name in ("signed_in_page", "login_post"):
        answer = answers[name]
        assert answer["status"] == 503, name
        assert answer["retry_after"] == str(RETRY_AFTER_SECONDS)
        assert "no-store" in answer["cache_control"]
        assert '<html lang="vi">' in answer["body"] and title in answer["body"]
    health = answers["healthz"]
    assert health["status"] == 503
    assert json.loads(health["body"]) == {"status": "error", "database": "down", "broker": "eager"}
    # One warning line per refused request, not a traceback.
    warnings = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [w["level"] for w in warnings if w["logger"] == "opinion_network.middleware"] == ["WARNING"] * 2
    assert "Traceback" not in result.stderr
