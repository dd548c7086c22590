"""Reads of the read log: the administrators' search and what a person sees about themselves."""

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from collaborators.models import User
from core.ids import parse_id
from core.search import search_folded
from privacy.models import ReadEntry

PAGE_SIZE = 100


def read_log_for_admin(*, viewer, person="", obj="", kind="", date_from=None, date_to=None, before=None):
    """Entries about people in the viewer's scope (and the exports made by people in it), newest first,
    matching the search: ``person`` (whose data, or who read, folded name/username words), ``obj`` (the
    object's label words or its id), ``kind``, a date range (Hanoi dates). Keyset paging: ``before`` is
    the id the previous page ended at; one page is PAGE_SIZE rows and the table is never counted."""
    visible = User.objects.visible_to(viewer).values("pk")
    entries = ReadEntry.objects.filter(Q(subject__in=visible) | Q(subject__isnull=True, reader__in=visible))
    if person:
        people = search_folded(User.objects.visible_to(viewer), person).values("pk")
        entries = entries.filter(Q(subject__in=people) | Q(reader__in=people))
    if obj:
        text = obj.strip()
        if (object_id := parse_id(text)) is not None:
            entries = entries.filter(object_id=str(object_id))
        else:
            for word in text.split():
                entries = entries.filter(label__icontains=word)
    if kind:
        entries = entries.filter(kind=kind)
    zone = timezone.get_current_timezone()
    # The first and last days a date field accepts (years 1 and 9999) are "no bound": a bound there would
    # not fit in a datetime once moved to UTC or a day later.
    if date_from and date_from > date.min:
        entries = entries.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=zone))
    if date_to and date_to < date.max:
        entries = entries.filter(at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone))
    if before:
        entries = entries.filter(pk__lt=before)
    rows = list(entries.select_related("reader", "reader__unit", "subject").order_by("-pk")[: PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], (rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None)


def reads_about(*, person, limit=200):
    """Who in the organisation opened the person's page, reports and files (the person's own reads left
    out), newest first."""
    return list(
        ReadEntry.objects.filter(subject=person)
        .exclude(reader=person)
        .select_related("reader", "reader__unit")
        .order_by("-pk")[:limit]
    )
