"""Cross-cutting views: the home page per role and the health check."""

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
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
