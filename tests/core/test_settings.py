"""Settings are read from the environment; a bad value stops start-up and names the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VARIABLES = [
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "SESSION_IDLE_TIMEOUT",
    "AXES_FAILURE_LIMIT",
    "SECURE_HSTS_SECONDS",
]


def load_settings(**env):
    """Import the settings in a fresh interpreter with only the given variables set."""
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES and not k.startswith("DJANGO")}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "opinion_network.settings"
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND,"
        " s.LANGUAGE_CODE, s.TIME_ZONE, s.SESSION_COOKIE_AGE, sep='|')"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_embedded_default_is_sqlite_eager_console_vietnamese():
    result = load_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    engine, eager, email, language, tz, idle = result.stdout.strip().split("|")
    assert engine == "django.db.backends.sqlite3"
    assert eager == "True"
    assert email == "django.core.mail.backends.console.EmailBackend"
    assert (language, tz) == ("vi", "Asia/Ho_Chi_Minh")
    assert idle == "1800"


def test_production_values_are_read_from_the_environment():
    result = load_settings(
        DEBUG="0",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="opinion.example.org",
        DATABASE_URL="postgres://u:p@db:5432/opinion",
        REDIS_URL="redis://redis:6379/0",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example.org:587",
        SESSION_IDLE_TIMEOUT="900",
    )
    assert result.returncode == 0, result.stderr
    engine, eager, email, _language, _tz, idle = result.stdout.strip().split("|")
    assert engine == "django.db.backends.postgresql"
    assert eager == "False"
    assert email == "django.core.mail.backends.smtp.EmailBackend"
    assert idle == "900"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DEBUG": "0", "ALLOWED_HOSTS": "example.org"}, "SECRET_KEY"),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "1", "DATABASE_URL": "nosuchdb://x/y"}, "DATABASE_URL"),
        ({"DEBUG": "1", "REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
        ({"DEBUG": "1", "EMAIL_URL": "pigeon://loft"}, "EMAIL_URL"),
        ({"DEBUG": "1", "SESSION_IDLE_TIMEOUT": "soon"}, "SESSION_IDLE_TIMEOUT"),
        ({"DEBUG": "1", "SESSION_IDLE_TIMEOUT": "-5"}, "SESSION_IDLE_TIMEOUT"),
        ({"DEBUG": "1", "AXES_FAILURE_LIMIT": "many"}, "AXES_FAILURE_LIMIT"),
    ],
)
def test_a_bad_value_fails_at_start_up_naming_the_variable(env, named):
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.splitlines()[-1]


def test_env_example_documents_every_variable_the_settings_read():
    settings_source = (ROOT / "opinion_network" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()
    import re

    read = set(re.findall(r'env\.(?:str|bool|int|list|db_url|email_url)\(\s*"([A-Z_]+)"', settings_source))
    read |= set(re.findall(r'_positive_int\(\s*"([A-Z_]+)"', settings_source))
    assert read, "the pattern found no variables"
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read - documented == set()
