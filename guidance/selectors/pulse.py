"""Reads for requests for opinion: the list, the response rate and direction per unit, the answers,
who has not answered, and the open requests waiting for a collaborator's answer.

Staff see a request written above them when it asked people in their subtree; what they read of it
(rates, answers, who has not answered) is then only their subtree's part: ``recipients_seen_by``.
"""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from collaborators.access import covers, scope_path
from core.periods import period_bounds
from guidance.models import PulseRecipient, PulseRequest, PulseStatus
from reports.models import Direction

DIRECTIONS = [choice for choice, _label in Direction.choices]


def pulses_visible_to(user):
    return PulseRequest.objects.visible_to(user)


def pulse_list(user):
    """The requests a person may see, with the number asked and answered (one query)."""
    return (
        pulses_visible_to(user)
        .select_related("topic", "focus_policy", "author_unit")
        .annotate(
            asked=Count("recipients", distinct=True),
            answered=Count("recipients", filter=Q(recipients__answered_at__isnull=False), distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


def recipients_seen_by(pulse: PulseRequest, viewer=None):
    """The people asked in a request that ``viewer`` may follow: those of their subtree (every one for
    the author's side, whose scope covers every asked unit; all of them when ``viewer`` is None)."""
    rows = PulseRecipient.objects.filter(pulse=pulse)
    if viewer is None:
        return rows
    prefix = scope_path(viewer)
    if prefix is None:
        return rows.none()
    return rows.filter(unit__path__startswith=prefix)


def sees_part_only(pulse: PulseRequest, viewer) -> bool:
    """True when ``viewer`` follows only their subtree's part of a request written outside it."""
    return not covers(viewer, [pulse.author_unit])


def response_stats(pulse: PulseRequest, *, viewer=None) -> dict:
    """Per unit of the people asked (those ``viewer`` may follow): asked, answered, and the answers by
    direction; plus the totals.

    One aggregate query, whatever the number of units.
    """
    answered = Q(answered_at__isnull=False)
    by_direction = {
        direction: Count("pk", filter=answered & Q(report__direction=direction)) for direction in DIRECTIONS
    }
    rows = list(
        recipients_seen_by(pulse, viewer)
        .values("unit__pk", "unit__name", "unit__path")
        .annotate(asked=Count("pk"), answered=Count("pk", filter=answered), **by_direction)
        .order_by("unit__path")
    )
    keys = ["asked", "answered", *DIRECTIONS]
    totals = {key: sum(row[key] for row in rows) for key in keys}
    for row in [*rows, totals]:
        row["rate"] = round(100 * row["answered"] / row["asked"]) if row["asked"] else 0
        row["directions"] = [(direction, row[direction]) for direction in DIRECTIONS]
    return {"rows": rows, "totals": totals, "directions": Direction.choices}


def answers(pulse: PulseRequest, *, unit_id: int | None = None, direction: str = "", viewer=None):
    """The sent answers of a request (the people asked who answered, those ``viewer`` may follow),
    optionally of one unit or direction."""
    qs = (
        recipients_seen_by(pulse, viewer)
        .filter(answered_at__isnull=False, report__isnull=False)
        .select_related("report", "unit")
        .order_by("unit__path", "-answered_at")
    )
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if direction in DIRECTIONS:
        qs = qs.filter(report__direction=direction)
    return qs


def answers_in_periods(viewer, *, first, last, person_id=None, unit=None, exact=False):
    """The sent answers, across requests, that the quality page's "requests answered" counts: those
    first sent in the reporting periods ``first``..``last`` (their months), asked at ``unit`` (or a unit
    under it; only at it when ``exact``), optionally of one person; only the people asked in the
    viewer's scope (``visible_to``)."""
    start = timezone.make_aware(datetime.combine(period_bounds(first)[0], time.min))
    end = timezone.make_aware(datetime.combine(period_bounds(last)[1] + timedelta(days=1), time.min))
    qs = (
        PulseRecipient.objects.visible_to(viewer)
        .filter(answered_at__gte=start, answered_at__lt=end, report__isnull=False)
        .select_related("report", "unit", "person", "pulse")
        .order_by("unit__path", "-answered_at", "pk")
    )
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    if unit is not None:
        qs = qs.filter(unit=unit) if exact else qs.filter(unit__path__startswith=unit.path)
    return qs


def not_answered(pulse: PulseRequest, *, viewer, limit: int = 500) -> list[PulseRecipient]:
    """The people asked (those ``viewer`` may follow) who have not answered yet, by unit and name:
    whom a union chases."""
    return list(
        recipients_seen_by(pulse, viewer)
        .filter(answered_at__isnull=True)
        .select_related("person", "unit")
        .order_by("unit__path", "person__full_name", "pk")[:limit]
    )


def open_for(user, *, limit: int = 5) -> list[PulseRecipient]:
    """Open requests a collaborator was asked in and has not answered yet, nearest deadline first."""
    return list(
        PulseRecipient.objects.filter(
            person=user,
            answered_at__isnull=True,
            pulse__status=PulseStatus.OPEN,
            pulse__deadline__gt=timezone.now(),
        )
        .select_related("pulse")
        .order_by("pulse__deadline", "pk")[:limit]
    )
