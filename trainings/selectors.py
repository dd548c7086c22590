"""Reads for the trainings pages: lists, one session's page, attendance, feedback, calendars, history."""

import calendar
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, OuterRef, Q, Subquery
from django.utils import timezone

from collaborators.access import home_unit, is_staff_or_admin
from trainings.models import (
    PARTICIPANT_STATUSES,
    SEAT_STATUSES,
    Registration,
    RegistrationStatus,
    SessionStatus,
    TrainingSession,
)


def sessions_visible_to(user):
    """Sessions the person may see (TrainingSession.objects.visible_to), with the list's figures:
    seats taken, waitlist length and the viewer's own registration status, in one query."""
    mine = Registration.objects.filter(session=OuterRef("pk"), person=user).values("status")[:1]
    return (
        TrainingSession.objects.visible_to(user)
        .select_related("unit")
        .annotate(
            seats_taken=Count("registrations", filter=Q(registrations__status__in=SEAT_STATUSES), distinct=True),
            waitlisted=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED), distinct=True
            ),
            my_status=Subquery(mine),
        )
    )


def sessions_list(user, *, when: str = "upcoming"):
    now = timezone.now()
    qs = sessions_visible_to(user)
    if when == "past":
        return qs.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    return qs.filter(ends_at__gte=now).order_by("starts_at", "pk")


def session_page(*, session: TrainingSession, viewer) -> dict:
    """What one session's page shows to this viewer."""
    registration = Registration.objects.filter(session=session, person=viewer).first()
    counts = dict(session.registrations.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    seats_taken = sum(counts.get(s, 0) for s in SEAT_STATUSES)
    manage = can_manage(viewer, session)
    is_participant = registration is not None and registration.status in PARTICIPANT_STATUSES
    return {
        "session": session,
        "registration": registration,
        "counts": counts,
        "seats_taken": seats_taken,
        "seats_left": max(session.capacity - seats_taken, 0) if session.capacity else None,
        "can_manage": manage,
        "can_take_attendance": is_staff_or_admin(viewer)
        and session.status
        in (
            SessionStatus.PUBLISHED,
            SessionStatus.COMPLETED,
        ),
        "can_register": session.registration_open
        and (registration is None or registration.status in (RegistrationStatus.INVITED, RegistrationStatus.CANCELLED)),
        "can_cancel": registration is not None
        and registration.status in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
        and session.status == SessionStatus.PUBLISHED
        and timezone.now() < session.deadline,
        "can_checkin": registration is not None
        and registration.status == RegistrationStatus.REGISTERED
        and session.status == SessionStatus.PUBLISHED
        and session.starts_at - timedelta(hours=1) <= timezone.now() <= session.ends_at,
        "can_give_feedback": registration is not None
        and registration.status == RegistrationStatus.ATTENDED
        and registration.rating is None
        and session.has_started,
        "show_materials": manage or is_staff_or_admin(viewer) or is_participant,
        "materials": list(session.materials.all()),
        "target_units": list(session.target_units.all()),
        "waitlist_position": _waitlist_position(registration),
    }


def _waitlist_position(registration):
    if registration is None or registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        session_id=registration.session_id, status=RegistrationStatus.WAITLISTED
    ).filter(Q(queued_at__lt=registration.queued_at) | Q(queued_at=registration.queued_at, pk__lt=registration.pk))
    return ahead.count() + 1


def attendance_rows(*, session: TrainingSession, viewer):
    """The attendance list: people on the list whom the viewer may see (their subtree), by name."""
    return (
        Registration.objects.visible_to(viewer)
        .filter(session=session)
        .exclude(status__in=[RegistrationStatus.INVITED, RegistrationStatus.CANCELLED])
        .select_related("person", "person__unit", "person__profile")
        .order_by("person__unit__path", "person__full_name", "pk")
    )


def feedback_summary(*, session: TrainingSession, viewer) -> dict:
    """The feedback of the participants the viewer may see (``Registration.objects.visible_to``): the
    federation sees a city session whole, a union's staff only their own people's ratings and comments.
    ``whole`` says whether that is everyone on the session's list, so the page can say whose figures they are.
    """
    mine = Registration.objects.visible_to(viewer).filter(session=session)
    rated = mine.filter(rating__isnull=False)
    figures = rated.aggregate(average=Avg("rating"), count=Count("pk"))
    distribution = dict(rated.values_list("rating").annotate(n=Count("pk")).values_list("rating", "n"))
    attended = mine.filter(status=RegistrationStatus.ATTENDED).count()
    outside = session.registrations.exclude(pk__in=mine.values("pk")).exists()
    total = figures["count"] or 0
    return {
        "whole": not outside,
        "scope_unit": home_unit(viewer),
        "average": figures["average"],
        "count": total,
        "attended": attended,
        "distribution": [
            {
                "rating": r,
                "count": distribution.get(r, 0),
                "percent": round(100 * distribution.get(r, 0) / total) if total else 0,
            }
            for r in range(5, 0, -1)
        ],
        "comments": rated.exclude(comment="").order_by("-feedback_at")[:200],
    }


def month_grid(user, *, year: int, month: int) -> dict:
    """The month view: weeks of days (Monday first), each with the sessions that run on it."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    start = timezone.make_aware(datetime.combine(first, time.min))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    sessions = sessions_visible_to(user).filter(starts_at__lt=end, ends_at__gt=start).order_by("starts_at", "pk")
    by_day = defaultdict(list)
    for session in sessions:
        day = max(timezone.localdate(session.starts_at), first)
        final = min(timezone.localdate(session.ends_at), last)
        while day <= final:
            by_day[day].append(session)
            day += timedelta(days=1)
    weeks = [
        [{"date": d, "in_month": d.month == month, "sessions": by_day.get(d, [])} for d in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    previous = first - timedelta(days=1)
    following = last + timedelta(days=1)
    return {
        "weeks": weeks,
        # The month's days with sessions, in order: the agenda list that replaces the grid on phones.
        "agenda": [day for week in weeks for day in week if day["in_month"] and day["sessions"]],
        "month_start": first,
        "previous": (previous.year, previous.month),
        "next": (following.year, following.month),
        "today": timezone.localdate(),
    }


def feed_sessions(user):
    """The sessions in a person's own calendar feed: those they are on the list for."""
    return (
        TrainingSession.objects.filter(registrations__person=user, registrations__status__in=PARTICIPANT_STATUSES)
        .exclude(status=SessionStatus.DRAFT)
        .order_by("starts_at")
    )


def training_history(person):
    return (
        Registration.objects.filter(person=person, status__in=PARTICIPANT_STATUSES)
        .exclude(session__status=SessionStatus.DRAFT)
        .select_related("session")
        .order_by("-session__starts_at")
    )


def person_section(person, viewer) -> dict:
    """The training history block on a person's roster page (answered through collaborators'
    person_page_sections): only the registrations the viewer may see (their own, or their scope's)."""
    visible = Registration.objects.visible_to(viewer).values("pk")
    return {
        "template": "trainings/_partials/person_trainings.html",
        "data": {
            "person": person,
            "registrations": list(training_history(person).filter(pk__in=visible)[:50]),
            "can_print": viewer.pk == person.pk or is_staff_or_admin(viewer),
        },
    }


def can_manage(user, session) -> bool:
    """Admins act on the sessions organised in their subtree (the rule is ``manageable_by``'s)."""
    return TrainingSession.objects.manageable_by(user).filter(pk=session.pk).exists()


def personal_data(person) -> list[dict]:
    """Every registration of ``person``: the session, attendance, feedback and whether a certificate is
    issued (attended sessions have one), in plain values."""
    registrations = Registration.objects.filter(person=person).select_related("session").order_by("pk")
    return [
        {
            "session": registration.session.title,
            "starts_at": registration.session.starts_at,
            "status": registration.get_status_display(),
            "registered_at": registration.queued_at,
            "checked_in_at": registration.checked_in_at,
            "rating": registration.rating,
            "comment": registration.comment,
            "certificate": registration.status == RegistrationStatus.ATTENDED,
        }
        for registration in registrations
    ]
