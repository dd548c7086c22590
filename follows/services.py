"""Writes for follows: start and stop following, and tell followers of an event once.

Events: a followed rumour gets a verdict or reaches another step of sightings (receivers of the reports
app's signals), a followed topic or focus policy rises (more reports in the last days than before), a
followed unit goes silent (no report from its subtree for some days) — the last two from the daily
check. Each follower is told of each event once (a ``FollowEvent`` row per follow and event key), through
``notify_many`` with the object, so nobody is told of what they cannot open; counts are of the reports
the follower may read.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collaborators.access import home_unit
from collaborators.models import Unit
from follows.models import TARGETS, FollowEvent, FollowKind, Subscription
from notifications.services import notify_many
from reports.models import FocusPolicy, Report, Rumour, Topic

KIND = "subscription"


def _target_queryset(actor, kind):
    return {
        FollowKind.TOPIC: Topic.objects.filter(is_active=True),
        FollowKind.FOCUS_POLICY: FocusPolicy.objects.filter(is_active=True),
        FollowKind.UNIT: Unit.objects.visible_to(actor),
        FollowKind.RUMOUR: Rumour.objects.visible_to(actor),
    }[kind]


@transaction.atomic
def subscription_add(*, actor, kind: str, target_id: int) -> Subscription:
    """Follow one topic, focus policy, unit or rumour. Staff only; the unit or rumour must be in their
    scope (otherwise it does not exist for them: 404 in the view). Following twice changes nothing."""
    if home_unit(actor) is None:
        raise PermissionDenied
    if kind not in TARGETS:
        raise ValueError(kind)
    target = _target_queryset(actor, kind).get(pk=target_id)
    subscription, _created = Subscription.objects.get_or_create(user=actor, kind=kind, **{TARGETS[kind]: target})
    return subscription


@transaction.atomic
def subscription_remove(*, actor, subscription: Subscription) -> None:
    Subscription.objects.manageable_by(actor).filter(pk=subscription.pk).delete()


def _tell(subscriptions, *, key: str, about, subject: str, body: str = "", link: str = "") -> list:
    """Claim the event for each follow (once), then notify the people whose claim is new."""
    people = []
    for subscription in subscriptions:
        try:
            with transaction.atomic():
                FollowEvent.objects.create(subscription=subscription, key=key[:200])
        except IntegrityError:
            continue
        people.append(subscription.user)
    if not people:
        return []
    if about is None:
        return notify_many(recipients=people, about=None, kind=KIND, subject=subject, body=body)
    return notify_many(recipients=people, about=about, kind=KIND, subject=subject, body=body, link=link)


def _followers(kind, target):
    return Subscription.objects.filter(kind=kind, **{TARGETS[kind]: target}, user__is_active=True).select_related(
        "user__unit"
    )


@transaction.atomic
def rumour_verdict_told(*, rumour: Rumour) -> int:
    """Tell the followers of ``rumour`` of its verdict (each verdict once)."""
    stamp = rumour.verified_at.isoformat() if rumour.verified_at else ""
    with translation.override("vi"):
        subject = _("Followed rumour has a verdict: %(title)s — %(verdict)s") % {
            "title": rumour.title,
            "verdict": rumour.get_verification_display(),
        }
    told = _tell(
        _followers(FollowKind.RUMOUR, rumour),
        key=f"verdict:{rumour.verification}:{stamp}",
        about=rumour,
        subject=subject,
        body=rumour.resolution_note,
        link=reverse("reports:rumour_detail", args=[rumour.pk]),
    )
    return len(told)


@transaction.atomic
def rumour_spread_told(*, rumour: Rumour) -> int:
    """Tell the followers of ``rumour`` when its sightings reach the next step (each step once)."""
    reached = [step for step in settings.FOLLOW_SPREAD_STEPS if rumour.sighting_count >= step]
    if not reached:
        return 0
    step = reached[-1]
    with translation.override("vi"):
        subject = _("Followed rumour is spreading: %(title)s (%(count)s sightings)") % {
            "title": rumour.title,
            "count": rumour.sighting_count,
        }
    told = _tell(
        _followers(FollowKind.RUMOUR, rumour),
        key=f"spread:{step}",
        about=rumour,
        subject=subject,
        link=reverse("reports:rumour_detail", args=[rumour.pk]),
    )
    return len(told)


def _rises(now):
    """Follows of topics and focus policies whose reports, as the follower may read them, rose."""
    days = timedelta(days=settings.FOLLOW_RISE_DAYS)
    year, week, _day = timezone.localdate(now).isocalendar()
    told = 0
    for kind, field in ((FollowKind.TOPIC, "topic"), (FollowKind.FOCUS_POLICY, "focus_policy")):
        for subscription in Subscription.objects.filter(kind=kind, user__is_active=True).select_related(
            "user__unit", field
        ):
            reports = Report.objects.visible_to(subscription.user).filter(**{field: subscription.target})
            recent = reports.filter(first_submitted_at__gt=now - days, first_submitted_at__lte=now).count()
            before = reports.filter(first_submitted_at__gt=now - 2 * days, first_submitted_at__lte=now - days).count()
            if recent < settings.FOLLOW_RISE_MIN or recent < 2 * before:
                continue
            with translation.override("vi"):
                subject = _(
                    "Followed %(what)s is rising: %(name)s, %(recent)s reports in %(days)s days (%(before)s before)"
                ) % {
                    "what": FollowKind(kind).label.lower(),
                    "name": subscription.target.name,
                    "recent": recent,
                    "days": settings.FOLLOW_RISE_DAYS,
                    "before": before,
                }
            told += len(_tell([subscription], key=f"rise:{year}-W{week:02d}", about=None, subject=subject))
    return told


def _silences(now):
    """Follows of units from whose subtree no report came for FOLLOW_SILENT_DAYS days (once per silence)."""
    told = 0
    since = now - timedelta(days=settings.FOLLOW_SILENT_DAYS)
    for subscription in Subscription.objects.filter(kind=FollowKind.UNIT, user__is_active=True).select_related(
        "user__unit", "unit"
    ):
        unit = subscription.unit
        subtree = Report.objects.filter(unit__path__startswith=unit.path, first_submitted_at__isnull=False)
        last = subtree.aggregate(last=Max("first_submitted_at"))["last"]
        if last is not None and last > since:
            continue
        with translation.override("vi"):
            if last is None:
                subject = _("Followed unit has sent no report: %(unit)s") % {"unit": unit.name}
            else:
                subject = _("Followed unit has been silent since %(date)s: %(unit)s") % {
                    "unit": unit.name,
                    "date": timezone.localtime(last).strftime("%d/%m/%Y"),
                }
        key = f"silent:{last.isoformat() if last else 'never'}"
        link = reverse("roster:unit_detail", args=[unit.pk])
        told += len(_tell([subscription], key=key, about=unit, subject=subject, link=link))
    return told


def follows_check() -> int:
    """The daily check: rising topics and focus policies, silent units. Returns how many were told."""
    now = timezone.now()
    with transaction.atomic():
        return _rises(now) + _silences(now)


def person_follows_erase(*, person) -> None:
    """Anonymisation: what the person followed, and the events they were told of, go."""
    Subscription.objects.filter(user=person).delete()
