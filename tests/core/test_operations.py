"""Operations: log lines, caching of signed-in pages, the absolute session lifetime, the database down,
backup and restore."""

import hashlib
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


# --- backup and restore --------------------------------------------------------------------------------

# Run in the fresh database after the restore: the staff member signs in and opens the report and its file.
OPEN_THE_RESTORED_REPORT = """
import hashlib, json, sys, django
django.setup()
from django.test import Client
from django.urls import reverse
from collaborators.models import User
username, report_pk, attachment_pk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
from django.conf import settings
from collaborators.services.security import CONSENT_CHECKED, TWO_FACTOR_VERIFIED
client = Client()
client.force_login(User.objects.get(username=username))
session = client.session  # signed in as after the second factor (tests/conftest.py does it in-process)
session[TWO_FACTOR_VERIFIED] = "test"
session[CONSENT_CHECKED] = settings.PERSONAL_DATA_CONSENT_VERSION
session.save()
page = client.get(reverse("reports:detail", args=[report_pk]))
download = client.get(reverse("reports:attachment", args=[report_pk, attachment_pk]))
print(json.dumps({
    "page": page.status_code,
    "title_shown": "Ý kiến về ca đêm" in page.content.decode(),
    "download": download.status_code,
    "sha256": hashlib.sha256(b"".join(download.streaming_content)).hexdigest() if download.status_code == 200 else None,
}))
"""


def manage(*arguments, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    clean.update(env, DJANGO_SETTINGS_MODULE="opinion_network.settings")
    return subprocess.run(  # noqa: S603 - the project's manage.py
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def fresh_database(tmp_path):
    """DATABASE_URL of a new, empty database of the kind the tests run on; dropped afterwards."""
    from django.db import connection

    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import uuid

    import psycopg2

    from tests.integration.conftest import _test_database_url

    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(dbname="postgres", **_libpq_arguments(connection.settings_dict))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = _test_database_url().rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _libpq_arguments(settings_dict):
    keys = {"HOST": "host", "PORT": "port", "USER": "user", "PASSWORD": "password"}
    return {argument: settings_dict[key] for key, argument in keys.items() if settings_dict.get(key)}


@pytest.fixture
def report_with_file(collaborator, settings, tmp_path):
    """A sent report with a PDF attached, in the test database and its MEDIA_ROOT."""
    import uuid

    from django.core.files.uploadedfile import SimpleUploadedFile

    from reports import services
    from reports.models import Topic
    from reports.services.attachments import attachment_add

    settings.MEDIA_ROOT = tmp_path / "media"
    topic = Topic.objects.filter(is_active=True).first() or Topic.objects.create(code="TEST", name="Việc làm")
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    report, _ = services.report_save(author=collaborator, token=uuid.uuid4(), data={"title": "Nháp"}, submit=False)
    attachment = attachment_add(
        report=report, uploaded_file=SimpleUploadedFile("Biên bản.pdf", pdf), actor=collaborator
    )
    report, _ = services.report_save(
        author=collaborator,
        token=report.client_token,
        data={"kind": "opinion", "topic": topic, "title": "Ý kiến về ca đêm", "content": "Công nhân lo."},
        submit=True,
    )
    return report, attachment, pdf


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_fresh_database_opens_the_report_and_its_file(
    tmp_path, report_with_file, unit_staff, fresh_database
):
    from django.core.management import call_command

    report, attachment, pdf = report_with_file
    backup = tmp_path / "backup"
    call_command("backup", output=str(backup))

    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["media"]["files"] == 1
    assert "0001_initial" in manifest["migrations"]["reports"]
    assert len(manifest["database"]["sha256"]) == 64

    env = {
        "DEBUG": "1",
        "DATABASE_URL": fresh_database,
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
        "REDIS_URL": "",
    }
    restored = manage("restore", str(backup), env=env)
    assert restored.returncode == 0, restored.stderr
    assert (tmp_path / "restored-media" / attachment.file.name).read_bytes() == pdf

    opened = subprocess.run(  # noqa: S603 - fixed interpreter, code from this file
        [sys.executable, "-c", OPEN_THE_RESTORED_REPORT, unit_staff.username, str(report.pk), str(attachment.pk)],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}, **env,
             "DJANGO_SETTINGS_MODULE": "opinion_network.settings", "ALLOWED_HOSTS": "testserver"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    answer = json.loads(opened.stdout.strip().splitlines()[-1])
    assert answer == {
        "page": 200,
        "title_shown": True,
        "download": 200,
        "sha256": hashlib.sha256(pdf).hexdigest(),
    }

    # The database now has tables: a second restore is refused unless forced.
    again = manage("restore", str(backup), env=env)
    assert again.returncode != 0
    assert "add --force" in again.stderr
    forced = manage("restore", str(backup), "--force", env=env)
    assert forced.returncode == 0, forced.stderr


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_is_written(tmp_path, report_with_file, fresh_database):
    from django.core.management import call_command

    backup = tmp_path / "backup"
    call_command("backup", output=str(backup))
    database_file = next(path for path in backup.iterdir() if path.name.startswith("database."))
    data = bytearray(database_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database_file.write_bytes(bytes(data))

    media = tmp_path / "restored-media"
    result = manage(
        "restore", str(backup), env={"DEBUG": "1", "DATABASE_URL": fresh_database, "MEDIA_ROOT": str(media)}
    )
    assert result.returncode != 0
    assert "does not match its checksum" in result.stderr
    assert not media.exists()


@pytest.mark.django_db(transaction=True)
def test_a_backup_from_newer_code_is_refused(tmp_path, report_with_file, fresh_database):
    from django.core.management import call_command

    backup = tmp_path / "backup"
    call_command("backup", output=str(backup))
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    manifest["migrations"]["reports"].append("9999_from_the_future")
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    result = manage("restore", str(backup), env={"DEBUG": "1", "DATABASE_URL": fresh_database})
    assert result.returncode != 0
    assert "reports.9999_from_the_future" in result.stderr


def test_backup_refuses_a_directory_that_is_not_empty(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    (tmp_path / "old").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", output=str(tmp_path))
