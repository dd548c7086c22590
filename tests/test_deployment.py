"""Static checks of the deployment files: docker-compose.yml, Dockerfile,
.dockerignore, .env.example and the vendored front-end assets.

No Docker engine is needed: the files are read and every Python object,
Celery app and management command they name is resolved in this process.
"""

import hashlib
import importlib
import json
import os
import re
import shlex
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_network.settings")

REPO = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
ENV_EXAMPLE = REPO / ".env.example"
VENDOR_DIR = REPO / "static" / "vendor"

APP_SERVICES = ("web", "worker", "beat")
BACKING_SERVICES = ("db", "redis")

# "package.module:attribute", as gunicorn and Celery's --scheduler take it.
OBJECT_REFERENCE = re.compile(r"^[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")
# ${NAME}, ${NAME:-default}, ${NAME:?error} and $NAME, but not the escaped $$NAME.
INTERPOLATION = re.compile(r"(?<!\$)\$(?:\{([A-Za-z_]\w*)|([A-Za-z_]\w*))")
ENV_EXAMPLE_LINE = re.compile(r"^\s*#?\s*(?:export\s+)?([A-Za-z_]\w*)\s*=", re.MULTILINE)


def load_compose():
    with COMPOSE_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def services():
    return load_compose()["services"]


def command_text(command):
    """A compose command or healthcheck test as one shell string."""
    if command is None:
        return ""
    if isinstance(command, str):
        return command
    command = [str(part) for part in command]
    if command and command[0] in ("CMD", "CMD-SHELL"):
        command = command[1:]
        if len(command) == 1:
            return command[0]
    if len(command) >= 3 and command[0] in ("sh", "/bin/sh", "bash", "/bin/bash") and command[1] == "-c":
        return command[2]
    return shlex.join(command)


def shell_words(text):
    """Split a shell string into words, treating && ; | as separators."""
    text = re.sub(r"&&|\|\||[;|]", " ", text)
    return shlex.split(text)


def service_commands(service):
    """Every command a service runs: its command and its healthcheck."""
    texts = [command_text(service.get("command"))]
    healthcheck = service.get("healthcheck") or {}
    if not healthcheck.get("disable"):
        texts.append(command_text(healthcheck.get("test")))
    return [text for text in texts if text]


def all_command_words():
    """(service name, list of words) for every command in the compose file."""
    return [(name, shell_words(text)) for name, service in services().items() for text in service_commands(service)]


def object_references():
    found = set()
    for name, words in all_command_words():
        for word in words:
            if OBJECT_REFERENCE.match(word):
                found.add((name, word))
    return sorted(found)


def celery_apps():
    found = set()
    for name, words in all_command_words():
        if "celery" not in words:
            continue
        for index, word in enumerate(words):
            if word in ("-A", "--app") and index + 1 < len(words):
                found.add((name, words[index + 1]))
            elif word.startswith("--app="):
                found.add((name, word.split("=", 1)[1]))
    return sorted(found)


def manage_py_commands():
    found = set()
    for name, words in all_command_words():
        for index, word in enumerate(words):
            if word.endswith("manage.py") and index + 1 < len(words):
                found.add((name, words[index + 1]))
    return sorted(found)


def django_setup():
    """Load the apps (a no-op when pytest-django has already done it)."""
    import django

    django.setup()


def resolve(reference):
    django_setup()
    module_name, attribute = reference.split(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute)


def environment_names(service):
    environment = service.get("environment") or {}
    if isinstance(environment, dict):
        return set(environment)
    return {entry.split("=", 1)[0] for entry in environment}


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def interpolated_names():
    names = set()
    for text in strings_in(load_compose()):
        for braced, bare in INTERPOLATION.findall(text):
            names.add(braced or bare)
    return names


def dockerfile_instructions():
    """(INSTRUCTION, arguments) pairs, with continuation lines joined."""
    instructions, pending = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = pending + stripped
        pending = ""
        keyword, _, arguments = full.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def dockerfile_cmd():
    commands = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "CMD"]
    assert commands, "the Dockerfile has no CMD"
    last = commands[-1]
    if last.startswith("["):
        return json.loads(last)
    return shlex.split(last)


# --- docker-compose.yml ------------------------------------------------------


def test_the_compose_file_follows_the_compose_spec_without_a_version_key():
    assert "version" not in load_compose()


def test_the_compose_file_defines_web_worker_beat_db_and_redis():
    assert set(APP_SERVICES + BACKING_SERVICES) <= set(services())


@pytest.mark.parametrize("name", BACKING_SERVICES)
def test_database_and_redis_have_healthchecks(name):
    healthcheck = services()[name].get("healthcheck") or {}
    assert healthcheck.get("test"), f"{name} has no healthcheck"
    assert not healthcheck.get("disable")


def test_the_database_healthcheck_uses_pg_isready():
    assert "pg_isready" in command_text(services()["db"]["healthcheck"]["test"])


def test_the_redis_healthcheck_pings_redis():
    assert "redis-cli ping" in command_text(services()["redis"]["healthcheck"]["test"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_app_service_waits_for_a_healthy_database_and_redis(name):
    depends_on = services()[name].get("depends_on") or {}
    assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
    for backing in BACKING_SERVICES:
        assert depends_on.get(backing, {}).get("condition") == "service_healthy", (
            f"{name} does not wait for {backing} to be healthy"
        )


@pytest.mark.parametrize("name", ("worker", "beat"))
def test_worker_and_beat_wait_for_the_web_service_to_have_migrated(name):
    depends_on = services()[name].get("depends_on") or {}
    assert depends_on.get("web", {}).get("condition") == "service_healthy"


def test_every_service_waited_on_as_healthy_has_a_healthcheck():
    all_services = services()
    for name, service in all_services.items():
        depends_on = service.get("depends_on") or {}
        if not isinstance(depends_on, dict):
            continue
        for target, condition in depends_on.items():
            if (condition or {}).get("condition") == "service_healthy":
                assert (all_services[target].get("healthcheck") or {}).get("test"), (
                    f"{name} waits for {target} to be healthy, but {target} has no healthcheck"
                )


def test_the_web_healthcheck_requests_healthz_with_python_since_the_image_has_no_curl():
    test = command_text(services()["web"]["healthcheck"]["test"])
    assert "/healthz" in test
    assert "urllib" in test
    assert "curl" not in test


def test_the_worker_healthcheck_pings_its_own_celery_node():
    test = command_text(services()["worker"]["healthcheck"]["test"])
    assert "inspect ping" in test
    assert "celery@$$HOSTNAME" in test or "celery@$HOSTNAME" in test


def test_the_web_service_migrates_then_creates_periodic_tasks_then_starts_gunicorn():
    text = command_text(services()["web"]["command"])
    migrate = text.index("manage.py migrate")
    periodic = text.index("manage.py setup_periodic_tasks")
    gunicorn = text.index("gunicorn")
    assert migrate < periodic < gunicorn
    assert "0.0.0.0:8000" in text


def test_the_web_service_publishes_port_8000_and_keeps_media_in_a_volume():
    web = services()["web"]
    published = {str(port) for port in web.get("ports", [])}
    assert "8000:8000" in published
    assert any(str(volume).startswith("media:/app/media") for volume in web.get("volumes", []))
    assert {"pgdata", "media"} <= set(load_compose().get("volumes") or {})


def test_beat_runs_exactly_one_replica():
    beat = services()["beat"]
    assert beat.get("deploy", {}).get("replicas") == 1
    assert "scale" not in beat


def test_beat_uses_the_database_scheduler():
    assert "django_celery_beat.schedulers:DatabaseScheduler" in command_text(services()["beat"]["command"])


# WhiteNoise warns that STATIC_ROOT is missing when the WSGI app loads before collectstatic.
@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")
def test_every_module_attribute_named_in_a_command_can_be_imported():
    references = object_references()
    assert ("web", "opinion_network.wsgi:application") in references
    assert ("beat", "django_celery_beat.schedulers:DatabaseScheduler") in references
    for name, reference in references:
        assert resolve(reference) is not None, f"{name}: {reference} resolves to None"


def test_every_celery_app_named_with_dash_a_is_a_celery_app():
    from celery import Celery
    from celery.app.utils import find_app

    django_setup()
    apps = celery_apps()
    assert {name for name, _ in apps} >= {"worker", "beat"}
    for name, app_name in apps:
        # find_app is what `celery -A` itself uses to locate the app.
        assert isinstance(find_app(app_name), Celery), f"{name}: -A {app_name} is not a Celery app"
    assert isinstance(importlib.import_module("opinion_network.celery").app, Celery)


def test_every_manage_py_command_in_the_compose_file_exists():
    from django.core.management import get_commands

    django_setup()
    known = get_commands()
    commands = manage_py_commands()
    assert ("web", "migrate") in commands
    assert ("web", "setup_periodic_tasks") in commands
    for name, command in commands:
        assert command in known, f"{name}: `manage.py {command}` is not a management command"


def test_the_app_services_share_the_same_environment():
    environments = [services()[name].get("environment") for name in APP_SERVICES]
    assert all(environment == environments[0] for environment in environments)


def test_the_app_environment_points_at_the_compose_database_and_redis():
    environment = services()["web"]["environment"]
    assert environment["DATABASE_URL"] == "postgres://opinion:opinion@db:5432/opinion"
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert str(environment["DEBUG"]) == "0"
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?"), "SECRET_KEY must be required"


def test_every_variable_the_compose_file_uses_is_documented_in_env_example():
    assert ENV_EXAMPLE.exists(), ".env.example is missing"
    documented = set(ENV_EXAMPLE_LINE.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))
    used = interpolated_names()
    for name in APP_SERVICES:
        used |= environment_names(services()[name])
    missing = sorted(used - documented)
    assert not missing, f"not in .env.example: {', '.join(missing)}"


# --- Dockerfile and .dockerignore -------------------------------------------


def test_the_dockerfile_starts_from_python_3_11_slim():
    bases = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "FROM"]
    assert bases and bases[0].split()[0] == "python:3.11-slim"


# WhiteNoise warns that STATIC_ROOT is missing when the WSGI app loads before collectstatic.
@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")
def test_the_dockerfile_cmd_serves_the_same_wsgi_application_as_the_web_service():
    cmd = dockerfile_cmd()
    assert cmd[0] == "gunicorn"
    wsgi = [word for word in cmd if OBJECT_REFERENCE.match(word)]
    assert wsgi == ["opinion_network.wsgi:application"]
    assert wsgi[0] in command_text(services()["web"]["command"])
    assert resolve(wsgi[0]) is not None
    assert "0.0.0.0:8000" in cmd


def test_the_dockerfile_runs_as_a_non_root_user():
    users = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "USER"]
    assert users, "the Dockerfile never switches user"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_the_dockerfile_installs_requirements_and_collects_static_files_at_build_time():
    runs = " ".join(arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN")
    assert "requirements.txt" in runs
    assert "collectstatic --noinput" in runs
    assert "SECRET_KEY=" in runs
    # The dummy build secret must not be left in the image's environment.
    envs = " ".join(arguments for keyword, arguments in dockerfile_instructions() if keyword == "ENV")
    assert "SECRET_KEY" not in envs


def test_the_dockerignore_keeps_local_state_out_of_the_image():
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for required in (".venv", ".git", "db.sqlite3", "media", "tests/screenshots", "staticfiles"):
        assert required in patterns, f".dockerignore does not exclude {required}"
    assert "__pycache__" in patterns or "**/__pycache__" in patterns


# --- Vendored front-end assets ---------------------------------------------

VENDORED_FILES = (
    "bootstrap/css/bootstrap.min.css",
    "bootstrap/js/bootstrap.bundle.min.js",
    "htmx/htmx.min.js",
    "chartjs/chart.umd.min.js",
)


@pytest.mark.parametrize("relative", VENDORED_FILES)
def test_each_vendored_asset_exists_without_a_source_map_reference(relative):
    path = VENDOR_DIR / relative
    assert path.is_file(), f"run scripts/vendor_assets.sh: {relative} is missing"
    # The maps are not shipped; a reference to one breaks manifest collectstatic.
    assert "sourceMappingURL=" not in path.read_text(encoding="utf-8")


def test_the_vendored_files_match_the_hashes_recorded_in_versions_md():
    text = (VENDOR_DIR / "VERSIONS.md").read_text(encoding="utf-8")
    recorded = dict(re.findall(r"^\|\s*`([^`]+)`\s*\|\s*`([0-9a-f]{64})`\s*\|", text, re.MULTILINE))
    assert set(VENDORED_FILES) <= set(recorded)
    for relative, digest in recorded.items():
        actual = hashlib.sha256((VENDOR_DIR / relative).read_bytes()).hexdigest()
        assert actual == digest, f"{relative} differs from VERSIONS.md"
    on_disk = {
        path.relative_to(VENDOR_DIR).as_posix()
        for path in VENDOR_DIR.rglob("*")
        if path.is_file() and path.name != "VERSIONS.md"
    }
    assert on_disk == set(recorded), "static/vendor holds files VERSIONS.md does not list"
