"""Cross-cutting views: the home page per role, the health check, and what makes the site an installable
web app that works without a connection (the manifest, the service worker, the offline page)."""

import hashlib
import json

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from collaborators.access import home_role
from collaborators.selectors import unit_overview
from guidance.selectors import unread_for
from guidance.selectors.pulse import open_for
from notifications.selectors import notifications_for

HOME_ITEMS = 5


@login_required
def home(request):
    user = request.user
    role = home_role(user)
    context = {
        "role": role,
        "recent_notifications": notifications_for(user)[:5],
    }
    if role == "collaborator":
        # What a collaborator should act on first: the requests for opinion waiting for their answer
        # (nearest deadline first), then the guidance they have not read.
        context["open_requests"] = open_for(user, limit=HOME_ITEMS)
        context["unread_guidance"] = unread_for(user, limit=HOME_ITEMS)
    else:
        context["overview"] = unit_overview(user)
    return render(request, f"home/{role}.html", context)


def _database_state():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return "down"
    return "ok"


def _broker_state():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception:
        return "down"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """Database and broker state as JSON; 503 only when the database is down."""
    database = _database_state()
    broker = _broker_state()
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "error", "database": database, "broker": broker},
        status=status,
    )


# The app shell the service worker keeps for use without a connection: what every page loads.
OFFLINE_SHELL = [
    "vendor/bootstrap/css/bootstrap.min.css",
    "css/app.css",
    "css/report_form.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js",
    "js/unit_picker.js",
    "js/app.js",
    "js/offline.js",
    "js/report_form.js",
    "img/favicon.svg",
    "img/icon-192.png",
]


def _shell_digest() -> str:
    """A digest of the shell files' contents: a changed file is a new service worker, hence new caches."""
    digest = hashlib.sha256()
    for name in OFFLINE_SHELL:
        path = finders.find(name)
        if path:
            with open(path, "rb") as handle:
                digest.update(handle.read())
        digest.update(static(name).encode())
    return digest.hexdigest()


@require_GET
@cache_control(max_age=86400)
def manifest(request):
    """The web app manifest: name, icons and the page the installed app opens on."""
    body = render_to_string("pwa/manifest.webmanifest", {}, request=request)
    return HttpResponse(body, content_type="application/manifest+json; charset=utf-8")


@never_cache
@require_GET
def service_worker(request):
    """The service worker, served from the root so that it may control every page of the site.

    Its cache names carry a version drawn from its own text and the shell files' contents, so a
    release replaces the caches of the previous one. The pages it keeps are listed as patterns here.
    """
    context = {
        "shell": json.dumps([static(name) for name in OFFLINE_SHELL] + [reverse("offline")]),
        "static_prefix": settings.STATIC_URL,
        "offline_url": reverse("offline"),
        "logout_url": reverse("logout"),
        "report_new_url": reverse("reports:new"),
        "page_patterns": json.dumps(
            [
                r"^/$",
                "^" + reverse("reports:new") + "$",
                "^" + reverse("reports:edit", args=[0]).replace("/0/", r"/\d+/") + "$",
                "^" + reverse("guidance:list") + "$",
                "^" + reverse("guidance:detail", args=[0]).replace("/0/", r"/\d+/") + "$",
            ]
        ),
    }
    draft = render_to_string("pwa/sw.js", {**context, "version": ""})
    context["version"] = hashlib.sha256((draft + _shell_digest()).encode()).hexdigest()[:12]
    body = render_to_string("pwa/sw.js", context)
    return HttpResponse(body, content_type="application/javascript; charset=utf-8")


@require_GET
def offline(request):
    """What the service worker shows for a page it does not keep: the same for everyone (no name in it)."""
    request.user = AnonymousUser()
    return render(request, "pwa/offline.html")
