"""Reads for guidance: the library, reach per unit, the effect before and after, answered reports."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from collaborators.models import Role
from guidance.models import GuidanceNote, NoteStatus, Receipt
from guidance.services import targeted_collaborators
from reports.models import Report, ReportStatus, Rumour

EFFECT_DAYS = 14
SENT = [status for status in ReportStatus.values if status != ReportStatus.DRAFT]


def notes_visible_to(user):
    return GuidanceNote.objects.visible_to(user)


def library(user, *, query: str = "", rumour_id: int | None = None):
    """The notes a person may see, with whether they read and acknowledged each; unread first for collaborators.

    ``rumour_id`` keeps the notes that answer that rumour.
    """
    qs = notes_visible_to(user).select_related("topic", "focus_policy", "author_unit")
    if query:
        qs = qs.search(query)
    if rumour_id is not None:
        qs = qs.filter(pk__in=GuidanceNote.objects.filter(rumours=rumour_id).values("pk"))
    mine = Receipt.objects.filter(note=OuterRef("pk"), person=user)
    qs = qs.annotate(
        is_read=Exists(mine.filter(read_at__isnull=False)),
        is_acknowledged=Exists(mine.filter(acknowledged_at__isnull=False)),
    )
    if user.role == Role.COLLABORATOR and not user.is_superuser:
        return qs.order_by("is_read", "-published_at", "-pk")
    return qs.order_by("-status", "-published_at", "-pk")


def unread_for(user, *, limit: int = 5):
    """Published notes a collaborator has not read yet, newest first (for the home page)."""
    return list(library(user).filter(status=NoteStatus.PUBLISHED, is_read=False)[:limit])


def reach(note: GuidanceNote) -> list[dict]:
    """Per unit of the targeted collaborators: how many were targeted, read and acknowledged. One query."""
    rows = (
        targeted_collaborators(note)
        .values("unit__pk", "unit__name", "unit__path")
        .annotate(
            targeted=Count("pk", distinct=True),
            read=Count(
                "guidance_receipts", filter=Q(guidance_receipts__note=note, guidance_receipts__read_at__isnull=False)
            ),
            acknowledged=Count(
                "guidance_receipts",
                filter=Q(guidance_receipts__note=note, guidance_receipts__acknowledged_at__isnull=False),
            ),
        )
        .order_by("unit__path")
    )
    return [
        {
            "unit": r["unit__name"],
            "targeted": r["targeted"],
            "read": r["read"],
            "acknowledged": r["acknowledged"],
        }
        for r in rows
    ]


def _window(note: GuidanceNote):
    """The days from EFFECT_DAYS before publication to EFFECT_DAYS - 1 after (local dates)."""
    published = timezone.localdate(note.published_at)
    days = [published + timedelta(days=offset) for offset in range(-EFFECT_DAYS, EFFECT_DAYS)]
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(days[0], time.min), tz)
    end = timezone.make_aware(datetime.combine(days[-1] + timedelta(days=1), time.min), tz)
    return published, days, start, end


def _in_targets(note: GuidanceNote) -> Q:
    condition = Q()
    for path in note.target_units.values_list("path", flat=True):
        condition |= Q(unit__path__startswith=path)
    return condition


def effect(note: GuidanceNote) -> dict | None:
    """Per day around publication, within the note's target units: sightings of the linked rumours,
    reports on the note's focus policy (or topic), and units seeing a linked rumour for the first time.

    Aggregate queries grouped by local date; None when the note is not published. Days still to come are
    left out (not shown as zeros): ``days_after`` says how many of the EFFECT_DAYS after have begun.
    """
    if note.published_at is None:
        return None
    published, days, start, end = _window(note)
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    submitted = Report.objects.exclude(status=ReportStatus.DRAFT).filter(_in_targets(note))
    rumours = list(note.rumours.values_list("pk", flat=True))

    def per_day(qs):
        rows = (
            qs.filter(submitted_at__gte=start, submitted_at__lt=end)
            .annotate(day=TruncDate("submitted_at", tzinfo=tz))
            .values("day")
            .annotate(n=Count("pk"))
        )
        return {r["day"]: r["n"] for r in rows}

    sightings = per_day(submitted.filter(rumour__in=rumours)) if rumours else {}
    if note.focus_policy_id:
        reports = per_day(submitted.filter(focus_policy_id=note.focus_policy_id))
    elif note.topic_id:
        reports = per_day(submitted.filter(topic_id=note.topic_id))
    else:
        reports = {}
    new_units = {}
    if rumours:
        # The first sighting of the rumours in each unit (ever), counted on the day it falls in.
        firsts = (
            submitted.filter(rumour__in=rumours)
            .values("unit")
            .annotate(first=Min("submitted_at"))
            .filter(first__gte=start, first__lt=end)
            .values_list("first", flat=True)
        )
        for first in firsts:
            day = timezone.localtime(first, tz).date()
            new_units[day] = new_units.get(day, 0) + 1
    rows = [
        {
            "day": day,
            "offset": (day - published).days,
            "after": day >= published,
            "sightings": sightings.get(day, 0),
            "reports": reports.get(day, 0),
            "new_units": new_units.get(day, 0),
        }
        for day in days
        if day <= today
    ]
    totals = {}
    for period in ("before", "after"):
        chosen = [r for r in rows if r["after"] == (period == "after")]
        totals[period] = {key: sum(r[key] for r in chosen) for key in ("sightings", "reports", "new_units")}
    days_after = sum(1 for r in rows if r["after"])
    return {
        "published": published,
        "rows": rows,
        "totals": totals,
        "has_rumours": bool(rumours),
        "days_after": days_after,
        "days_window": EFFECT_DAYS,
    }


def note_rumours_for(note: GuidanceNote, user):
    """The rumours a note answers that this reader can open (a note for one union may answer a rumour
    tracked by another: its title is not shown to people who could not open it)."""
    return Rumour.objects.visible_to(user).filter(guidance_notes=note).order_by("title")


def note_questions_for(note: GuidanceNote, user):
    """The question reports a note answers that this reader can open, with their units."""
    return Report.objects.visible_to(user).filter(guidance_answers=note).select_related("unit").order_by("-pk")


def answered_rumour_ids(rumour_ids) -> set[int]:
    """Which of these rumours a published note answers."""
    return set(
        Rumour.objects.filter(pk__in=list(rumour_ids), guidance_notes__status=NoteStatus.PUBLISHED).values_list(
            "pk", flat=True
        )
    )


def answers_for(user) -> list[dict]:
    """A person's own sent reports that published guidance they can open answers, each with those notes.

    A note answers every sighting of its rumours, but it is sent to some units only: a report whose
    answering notes the person cannot open is not listed (the title of a note they could not open
    would otherwise show here). Two queries.
    """
    notes = list(
        notes_visible_to(user)
        .filter(status=NoteStatus.PUBLISHED)
        .filter(
            Q(rumours__sightings__author=user, rumours__sightings__status__in=SENT)
            | Q(questions__author=user, questions__status__in=SENT)
        )
        .distinct()
        .prefetch_related("rumours", "questions")
        .order_by("-published_at", "-pk")
    )
    if not notes:
        return []
    rumour_ids = {r.pk for note in notes for r in note.rumours.all()}
    question_ids = {q.pk for note in notes for q in note.questions.all()}
    reports = list(
        Report.objects.filter(author=user, status__in=SENT)
        .filter(Q(rumour__in=rumour_ids) | Q(pk__in=question_ids))
        .order_by("-pk")
    )
    answered_by = {
        note.pk: ({r.pk for r in note.rumours.all()}, {q.pk for q in note.questions.all()}) for note in notes
    }
    answers = []
    for report in reports:
        answering = [n for n in notes if report.rumour_id in answered_by[n.pk][0] or report.pk in answered_by[n.pk][1]]
        answers.append({"report": report, "notes": answering})
    return answers


def personal_data(person) -> list[dict]:
    """Every guidance note addressed to ``person`` that they opened or acknowledged (their receipts)."""
    receipts = Receipt.objects.filter(person=person).select_related("note").order_by("pk")
    return [{"note": r.note.title, "read_at": r.read_at, "acknowledged_at": r.acknowledged_at} for r in receipts]
