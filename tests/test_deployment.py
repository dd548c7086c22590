"""Checks of the deployment files: docker-compose.yml, Dockerfile, deploy/nginx.conf,
.dockerignore, .env.example and the vendored front-end assets.

No Docker engine is needed: the files are read and every Python object,
Celery app and management command they name is resolved in this process.
The proxy is also run: Debian's nginx from the committed config in front of
a gunicorn started on loopback, with slow clients (skipped without nginx,
unless REQUIRE_INTEGRATION=1).
"""

import contextlib
import hashlib
import http.client
import importlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import yaml

from tests.prerequisites import missing_prerequisite

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


def gunicorn_bind(words):
    """The address gunicorn listens on for a command line: a --bind/-b option, else the ``bind`` of the
    config file given with -c/--config (read as gunicorn reads it: a Python file in the repository)."""
    words = shlex.split(words) if isinstance(words, str) else list(words)
    words = words[words.index("gunicorn") :] if "gunicorn" in words else words
    for i, word in enumerate(words):
        if word in ("-b", "--bind"):
            return words[i + 1]
        if word.startswith("--bind="):
            return word.split("=", 1)[1]
    for i, word in enumerate(words):
        if word in ("-c", "--config"):
            path = REPO / words[i + 1]
            assert path.is_file(), f"gunicorn's config {words[i + 1]} is not in the repository"
            namespace = {"__file__": str(path)}
            exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - our own config file
            return namespace.get("bind")
    return None


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
    assert gunicorn_bind(text[gunicorn:]) == "0.0.0.0:8000"


def test_the_web_service_keeps_media_in_a_volume_and_publishes_no_port():
    web = services()["web"]
    assert not web.get("ports"), "gunicorn must be reached only through the proxy"
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
    assert gunicorn_bind(cmd) == "0.0.0.0:8000"


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


def test_the_image_has_the_postgresql_client_of_the_compose_database_for_backups():
    runs = " ".join(arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN")
    assert "postgresql-client" in runs
    # The base image's Debian client is PostgreSQL 15 or newer; pg_dump refuses servers newer than itself.
    assert services()["db"]["image"] == "postgres:15"
    assert any(str(volume).startswith("backups:/app/backups") for volume in services()["web"]["volumes"])
    assert "/app/backups" in runs


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


# --- The proxy: nginx in front of gunicorn -------------------------------------------------------------

NGINX_CONF = REPO / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
NGINX_TOKEN = re.compile(r"""#[^\n]*|"[^"]*"|'[^']*'|[{};]|[^\s{};#"']+""")


def parse_nginx(text):
    """nginx's configuration as nested lists: (name, arguments, children or None) per directive."""
    tokens = [token for token in NGINX_TOKEN.findall(text) if not token.startswith("#")]
    position = 0

    def block():
        nonlocal position
        directives, words = [], []
        while position < len(tokens):
            token = tokens[position]
            position += 1
            if token == ";":
                directives.append((words[0], words[1:], None))
                words = []
            elif token == "{":
                children = block()
                directives.append((words[0], words[1:], children))
                words = []
            elif token == "}":
                assert not words, f"unterminated directive {words}"
                return directives
            else:
                words.append(token.strip("\"'"))
        assert not words, f"unterminated directive {words}"
        return directives

    return block()


def nginx_blocks(directives, name):
    return [(arguments, children) for directive, arguments, children in directives if directive == name]


def nginx_values(directives, name):
    return [arguments for directive, arguments, children in directives if directive == name and children is None]


def nginx_http():
    ((_, http),) = nginx_blocks(parse_nginx(NGINX_CONF.read_text(encoding="utf-8")), "http")
    return http


def nginx_server():
    ((_, server),) = nginx_blocks(nginx_http(), "server")
    return server


def megabytes(size):
    match = re.fullmatch(r"(\d+)([kKmM]?)", size)
    assert match, size
    number, unit = int(match.group(1)), match.group(2).lower()
    return number / 1024 if unit == "k" else number if unit == "m" else number / 2**20


def proxy_service():
    return services()["proxy"]


def test_the_proxy_is_nginx_with_the_committed_config_and_waits_for_a_healthy_web_service():
    proxy = proxy_service()
    assert proxy["image"].split(":")[0] == "nginx"
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy.get("volumes", [])
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_proxy_is_the_only_service_published_on_the_host():
    published = {name for name, service in services().items() if service.get("ports")}
    assert published == {"proxy"}
    assert [str(port).split(":")[-1] for port in proxy_service()["ports"]] == ["80"]
    assert ["80"] in nginx_values(nginx_server(), "listen")


def test_the_proxy_passes_every_location_to_the_web_service():
    upstreams = nginx_blocks(nginx_http(), "upstream")
    assert len(upstreams) == 1
    (name,), servers = upstreams[0]
    assert nginx_values(servers, "server")[0] == ["web:8000"]
    assert "web" in services()
    web_command = command_text(services()["web"]["command"])
    assert gunicorn_bind(web_command[web_command.index("gunicorn") :]) == "0.0.0.0:8000"
    locations = nginx_blocks(nginx_server(), "location")
    assert [arguments for arguments, _ in locations][0] == ["/"]
    for arguments, children in locations:
        assert nginx_values(children, "proxy_pass") == [[f"http://{name}"]], arguments


def test_the_proxy_buffers_whole_requests_and_answers_and_drops_slow_clients():
    http = nginx_http()
    assert nginx_values(http, "proxy_request_buffering") == [["on"]]
    assert nginx_values(http, "proxy_buffering") == [["on"]]
    for timeout in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        ((value,),) = nginx_values(http, timeout)
        assert int(value.rstrip("s")) <= 60, timeout
    for _arguments, children in nginx_blocks(nginx_server(), "location"):
        assert not nginx_values(children, "proxy_buffering") and not nginx_values(children, "proxy_request_buffering")


def test_the_proxy_overwrites_the_forwarded_headers_the_app_trusts():
    headers = {arguments[0].lower(): arguments[1:] for arguments in nginx_values(nginx_server(), "proxy_set_header")}
    assert headers["x-forwarded-for"] == ["$remote_addr"], "a client's own X-Forwarded-For must not pass"
    assert headers["x-forwarded-proto"] == ["$scheme"]
    for spoofable in ("x-forwarded-ssl", "x-forwarded-protocol", "forwarded", "x-forwarded-host"):
        assert headers[spoofable] == [""], spoofable
    environment = services()["web"]["environment"]
    assert str(environment["SECURE_PROXY_SSL_HEADER"]) == "1"
    assert str(environment["AXES_PROXY_COUNT"]) == "1"
    assert "--forwarded-allow-ips=*" in shell_words(command_text(services()["web"]["command"]))


# The largest request each upload page may legitimately send: files per request times the per-file limit.
def upload_needs():
    from django.conf import settings

    from core import uploads
    from guidance.services import MAX_FILES_PER_NOTE

    django_setup()
    guidance = MAX_FILES_PER_NOTE * settings.UPLOAD_MAX_MB_GUIDANCE
    return {
        "/reports/": uploads.MAX_PER_REPORT * settings.UPLOAD_MAX_MB_REPORT,
        "/guidance/": guidance,
        "/trainings/": settings.UPLOAD_MAX_MB_TRAINING,
        "/roster/import/": settings.UPLOAD_MAX_MB_ROSTER_IMPORT,
        "/admin/": max(guidance, settings.UPLOAD_MAX_MB_TRAINING),
    }


def test_the_body_size_limits_match_the_upload_limits_of_the_settings():
    from django.conf import settings

    django_setup()
    ((default,),) = nginx_values(nginx_http(), "client_max_body_size")
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20 <= megabytes(default) <= 5
    limits = {
        arguments[0]: megabytes(nginx_values(children, "client_max_body_size")[0][0])
        for arguments, children in nginx_blocks(nginx_server(), "location")
        if nginx_values(children, "client_max_body_size")
    }
    needs = upload_needs()
    assert set(limits) == set(needs)
    for prefix, need in needs.items():
        # Room for the files and the form, not much more.
        assert need < limits[prefix] <= need + 2, prefix


def test_the_upload_pages_are_under_the_prefixes_with_larger_limits():
    from django.urls import reverse

    django_setup()
    for name in ("reports:new", "roster:import_upload", "trainings:create", "guidance:new"):
        try:
            url = reverse(name)
        except Exception:  # noqa: BLE001 - a renamed page is named in the message below
            pytest.fail(f"no URL named {name}: update this test and deploy/nginx.conf together")
        assert any(url.startswith(prefix) for prefix in upload_needs()), url


# --- The proxy, running: nginx from the committed config, gunicorn started here ---------------------


def missing_nginx():
    if NGINX:
        return
    missing_prerequisite("nginx is not installed (apt-get install nginx-light)")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render_nginx_config(directory, *, upstream, listen):
    """The committed config, with only the upstream, the listening address and the paths nginx writes
    to moved into this test's directory."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    temp = "".join(
        f"    {kind}_temp_path {directory / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    for old, new in (
        ("server web:8000;", f"server {upstream};"),
        ("listen 80;", f"listen {listen};"),
        ("http {\n", "http {\n" + temp),
    ):
        assert text.count(old) == 1, f"deploy/nginx.conf no longer has {old!r}: update this test"
        text = text.replace(old, new)
    path = directory / "nginx.conf"
    path.write_text(text, encoding="utf-8")
    return path


def nginx_command(config, directory, *extra):
    user = "root" if os.geteuid() == 0 else None
    globals_ = f"pid {directory / 'nginx.pid'}; daemon off;" + (f" user {user};" if user else "")
    return [NGINX, "-p", str(directory), "-c", str(config), "-g", globals_, *extra]


def test_nginx_accepts_the_committed_config(tmp_path):
    missing_nginx()
    config = render_nginx_config(tmp_path, upstream="127.0.0.1:8000", listen=f"127.0.0.1:{free_port()}")
    result = subprocess.run(nginx_command(config, tmp_path, "-t"), capture_output=True, text=True, timeout=30)  # noqa: S603
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def wait_for_port(port, process, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited with {process.returncode}"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    pytest.fail(f"nothing listens on {port} after {timeout:.0f} s")


@contextlib.contextmanager
def running(command, port, log_path, env=None):
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed command lines
            command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    try:
        wait_for_port(port, process)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def app_environment(directory, **extra):
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO")},
        "DEBUG": "1",
        "ALLOWED_HOSTS": "opinion.test",
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "REDIS_URL": "",
        **extra,
    }


@contextlib.contextmanager
def gunicorn_on_loopback(directory, **extra_env):
    """The production command's gunicorn (sync workers), two workers, on SQLite: /healthz needs no table."""
    port = free_port()
    env = app_environment(directory, **extra_env)
    command = [
        sys.executable, "-m", "gunicorn", "opinion_network.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--forwarded-allow-ips=*", "--preload",
        "--control-socket", str(directory / "gunicorn.ctl"),
    ]  # fmt: skip
    with running(command, port, directory / "gunicorn.log", env=env):
        yield port


@contextlib.contextmanager
def nginx_in_front(directory, upstream_port):
    port = free_port()
    config = render_nginx_config(directory, upstream=f"127.0.0.1:{upstream_port}", listen=f"127.0.0.1:{port}")
    with running(nginx_command(config, directory), port, directory / "nginx.log"):
        yield port


@contextlib.contextmanager
def slow_clients(port, count=6):
    """Connections that send a request's headers one byte per second, as long as the block lasts."""
    stop = threading.Event()
    request = b"GET /healthz HTTP/1.1\r\nHost: opinion.test\r\n" + b"X-Padding: " + b"a" * 200

    def trickle():
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            for byte in request:
                if stop.wait(1):
                    return
                sock.sendall(bytes([byte]))

    threads = [threading.Thread(target=trickle, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    time.sleep(2)  # every slow client has connected and started its request
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)


def healthz_answers(port, attempts=4, timeout=5.0):
    """How many of `attempts` requests to /healthz answered 200 within `timeout` seconds each."""
    answered = 0
    for _ in range(attempts):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.request("GET", "/healthz", headers={"Host": "opinion.test"})
            response = connection.getresponse()
            answered += response.status == 200 and json.loads(response.read())["database"] == "ok"
        except (OSError, http.client.HTTPException):
            pass
        finally:
            connection.close()
    return answered


def wait_until_healthy(port, timeout=60.0):
    """Until /healthz answers (the workers have loaded the app)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthz_answers(port, attempts=1, timeout=10.0):
            return
        time.sleep(0.5)
    pytest.fail(f"/healthz did not answer within {timeout:.0f} s")


def test_six_slow_clients_do_not_stop_healthz_from_answering_through_the_proxy(tmp_path):
    missing_nginx()
    with gunicorn_on_loopback(tmp_path) as app_port, nginx_in_front(tmp_path, app_port) as proxy_port:
        wait_until_healthy(proxy_port)
        with slow_clients(proxy_port):
            assert healthz_answers(proxy_port) == 4


def test_the_same_slow_clients_stop_gunicorn_when_it_is_exposed_directly(tmp_path):
    """What the proxy prevents: without it, the slow clients hold both sync workers."""
    with gunicorn_on_loopback(tmp_path) as app_port:
        wait_until_healthy(app_port)
        with slow_clients(app_port):
            assert healthz_answers(app_port, attempts=2, timeout=3.0) == 0


def test_behind_the_proxy_the_lockout_records_the_real_client_not_a_forwarded_header_it_sent(tmp_path):
    """With the compose file's proxy settings, a client cannot choose the address its failed logins are
    counted against (or lock someone else out by naming their address), and is not confused with the proxy."""
    missing_nginx()
    compose = services()["web"]["environment"]
    proxy_settings = {name: str(compose[name]) for name in ("AXES_PROXY_COUNT", "SECURE_PROXY_SSL_HEADER")}
    migrated = subprocess.run(  # noqa: S603 - the project's manage.py
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=REPO, env=app_environment(tmp_path), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr
    client_address = "127.0.0.2"  # nginx reaches gunicorn from 127.0.0.1, the client comes from here

    def request(port, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(client_address, 0))
        try:
            connection.request(method, path, body=body, headers={"Host": "opinion.test", **(headers or {})})
            response = connection.getresponse()
            return response, response.read().decode()
        finally:
            connection.close()

    with (
        gunicorn_on_loopback(tmp_path, **proxy_settings) as app_port,
        nginx_in_front(tmp_path, app_port) as proxy_port,
    ):
        wait_until_healthy(proxy_port)
        page, html = request(proxy_port, "GET", "/accounts/login/")
        cookie = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie")).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "lan", "password": "wrong"})
        answer, _ = request(
            proxy_port, "POST", "/accounts/login/", body=form,
            headers={
                "Cookie": f"csrftoken={cookie}", "Content-Type": "application/x-www-form-urlencoded",
                "X-Forwarded-For": "198.51.100.9", "X-Real-IP": "198.51.100.9", "Forwarded": "for=198.51.100.9",
            },
        )  # fmt: skip
        assert answer.status == 200  # the form again, with its error
    with contextlib.closing(sqlite3.connect(tmp_path / "db.sqlite3")) as database:
        recorded = database.execute("SELECT username, ip_address FROM axes_accessattempt").fetchall()
    assert recorded == [("lan", client_address)]
