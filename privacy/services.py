"""Writes of the privacy records. Each is one statement, cheap enough for the request path."""

import time
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from core.client_ip import client_ip
from privacy.models import AccountEvent, ReadEntry, RetentionKind, RetentionRun, SignedInSession
from privacy.signals import retention_due

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
    touched = SignedInSession.objects.filter(session_key=session.session_key).update(
        last_seen_at=timezone.now(), address=_address(request)
    )
    if not touched and request.user.is_authenticated:
        # A session the sign-in did not record (begun before the list existed, or by other means): it is
        # listed from its first request on, and can be signed out like the others.
        SignedInSession.objects.get_or_create(
            session_key=session.session_key,
            defaults={"user_id": request.user.pk, "address": _address(request),
                      "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300]},
        )  # fmt: skip


def session_forget(*, session_key):
    if session_key:
        SignedInSession.objects.filter(session_key=session_key).delete()


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def sessions_adopt(*, user) -> int:
    """Add to ``user``'s list the live sessions of theirs that no sign-in recorded (begun before the list
    existed, or by other means, and not used since): found in the database session store by their user
    id. Only live sessions are read (the idle timeout keeps them few). Returns how many were added."""
    if "db" not in settings.SESSION_ENGINE.rsplit(".", 1)[-1]:
        return 0  # a store that cannot be listed (signed cookies, cache only)
    now = timezone.now()
    known = set(SignedInSession.objects.filter(user=user).values_list("session_key", flat=True))
    added = 0
    for session in Session.objects.filter(expire_date__gt=now).exclude(session_key__in=known).iterator():
        data = session.get_decoded()
        if str(data.get("_auth_user_id")) != str(user.pk):
            continue
        seen = session.expire_date - timedelta(seconds=settings.SESSION_COOKIE_AGE)
        _record, created = SignedInSession.objects.get_or_create(
            session_key=session.session_key, defaults={"user": user, "started_at": seen, "last_seen_at": seen}
        )
        added += created
    return added


@transaction.atomic
def sessions_end(*, user, keep_session_key=None, sessions=None, actor=None, request=None):
    """Sign ``user`` out of their sessions (or of ``sessions``, theirs only), except ``keep_session_key``:
    each session is deleted from the session store, so its cookie no longer signs anyone in.
    Returns how many ended; records the event when any did."""
    if sessions is None:
        sessions_adopt(user=user)  # every session ends, those no sign-in recorded too
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


# --- retention ------------------------------------------------------------------------------------------


class RetentionNotConfirmed(Exception):
    """A real run was asked for before an administrator confirmed a dry run of the current settings."""


def retention_days() -> dict:
    """{kind: days kept} from the settings, in the order of ``RetentionKind``."""
    configured = settings.RETENTION_DAYS
    return {kind: int(configured.get(kind, 0)) for kind in RetentionKind.values}


def retention_cutoffs(*, as_of=None, days=None) -> dict:
    """{kind: moment}: a row of that kind older than the moment has expired. Kinds kept for ever (0 days)
    are left out."""
    as_of = as_of or timezone.now()
    days = days if days is not None else retention_days()
    return {kind: as_of - timedelta(days=n) for kind, n in days.items() if n > 0}


def _retention_counts(*, cutoffs, apply) -> dict:
    counts = dict.fromkeys(RetentionKind.values, 0)
    if RetentionKind.READ_LOG in cutoffs:
        expired = ReadEntry.objects.filter(at__lt=cutoffs[RetentionKind.READ_LOG])
        # A bulk delete: the append-only rule refuses deleting rows one by one, not expiry.
        counts[RetentionKind.READ_LOG] = expired.delete()[1].get("privacy.ReadEntry", 0) if apply else expired.count()
    for _receiver, answer in retention_due.send(sender=RetentionRun, cutoffs=cutoffs, apply=apply):
        for kind, count in (answer or {}).items():
            counts[kind] = counts.get(kind, 0) + count
    return counts


def retention_confirmed(days=None):
    """The confirmed dry run of the current settings, or None: real runs wait for one."""
    days = days if days is not None else retention_days()
    for run in RetentionRun.objects.filter(dry_run=True, confirmed_at__isnull=False).order_by("-confirmed_at")[:20]:
        if run.days == days:
            return run
    return None


@transaction.atomic
def retention_run(*, apply: bool, started_by=None, as_of=None) -> RetentionRun:
    """Count (``apply=False``, a dry run: nothing changes) or anonymise and delete (``apply=True``) what
    the retention settings say has expired at ``as_of`` (now by default), and record the run with its
    counts. A real run needs a confirmed dry run of the same settings (``RetentionNotConfirmed``)."""
    days = retention_days()
    if apply and retention_confirmed(days) is None:
        raise RetentionNotConfirmed
    as_of = as_of or timezone.now()
    counts = _retention_counts(cutoffs=retention_cutoffs(as_of=as_of, days=days), apply=apply)
    return RetentionRun.objects.create(
        dry_run=not apply, as_of=as_of, days=days, counts=counts, started_by_id=getattr(started_by, "pk", started_by)
    )


@transaction.atomic
def retention_confirm(*, run: RetentionRun, by) -> RetentionRun:
    """An administrator has read the dry run ``run`` and lets the daily job remove what it lists."""
    if not run.dry_run:
        raise ValueError("only a dry run is confirmed")
    if run.confirmed_at is None:
        run.confirmed_at = timezone.now()
        run.confirmed_by = by
        run.save(update_fields=["confirmed_at", "confirmed_by"])
    return run
