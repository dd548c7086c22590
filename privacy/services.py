"""Writes of the privacy records. Each is one statement, cheap enough for the request path."""

import time
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.client_ip import client_ip
from privacy.models import AccountEvent, ReadEntry, SignedInSession

# The session's last activity is written at most this often (seconds), so a busy person costs one
# UPDATE every few minutes rather than one per page.
SESSION_TOUCH_SECONDS = 300
_TOUCHED_KEY = "_privacy_seen_at"


def _address(request):
    if request is None:
        return None
    try:
        return client_ip(request) or None
    except (AttributeError, ValueError):
        return None


def read_record(*, request, kind, obj=None, subject=None, label=""):
    """Record that ``request.user`` read ``obj`` (of ``kind``), personal data of ``subject``.

    One INSERT. Anonymous requests are not recorded (they cannot reach personal data).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    object_type = f"{obj._meta.app_label}.{obj._meta.model_name}" if obj is not None else ""
    return ReadEntry.objects.create(
        reader_id=user.pk,
        kind=kind,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None else "",
        label=(label or (str(obj) if obj is not None else ""))[:200],
        subject_id=getattr(subject, "pk", subject),
        address=_address(request),
        path=request.get_full_path()[:300],
    )


def account_event_record(*, person, kind, actor=None, request=None):
    return AccountEvent.objects.create(
        person=person, kind=kind, actor=actor if actor is not None else None, address=_address(request)
    )


def session_started(*, request, user):
    """A sign-in: remember the session with its device and address."""
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if not key:
        return None
    agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    now = timezone.now()
    record, _created = SignedInSession.objects.update_or_create(
        session_key=key,
        defaults={"user": user, "address": _address(request), "user_agent": agent, "started_at": now,
                  "last_seen_at": now},
    )  # fmt: skip
    session[_TOUCHED_KEY] = int(time.time())
    return record


def session_touch(request):
    """Refresh the session's last activity, at most every SESSION_TOUCH_SECONDS."""
    session = request.session
    now = int(time.time())
    if now - session.get(_TOUCHED_KEY, 0) < SESSION_TOUCH_SECONDS or not session.session_key:
        return
    session[_TOUCHED_KEY] = now
    SignedInSession.objects.filter(session_key=session.session_key).update(
        last_seen_at=timezone.now(), address=_address(request)
    )


def session_forget(*, session_key):
    if session_key:
        SignedInSession.objects.filter(session_key=session_key).delete()


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


@transaction.atomic
def sessions_end(*, user, keep_session_key=None, sessions=None, actor=None, request=None):
    """Sign ``user`` out of their sessions (or of ``sessions``, theirs only), except ``keep_session_key``:
    each session is deleted from the session store, so its cookie no longer signs anyone in.
    Returns how many ended; records the event when any did."""
    records = SignedInSession.objects.filter(user=user)
    if sessions is not None:
        records = records.filter(pk__in=[getattr(s, "pk", s) for s in sessions])
    if keep_session_key:
        records = records.exclude(session_key=keep_session_key)
    store = _session_store()
    keys = list(records.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    records.delete()
    if keys:
        account_event_record(person=user, kind="sessions_ended", actor=actor or user, request=request)
    return len(keys)
