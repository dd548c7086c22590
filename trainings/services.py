"""Every write to trainings: sessions, registrations and the waitlist, attendance, feedback, reminders.

Rules that involve other rows (capacity, the deadline, eligibility) live here, checked
under a lock on the session row, so two requests cannot both take the last seat.
Each function raises ``ValidationError`` with a message for the person and changes
nothing when a rule is broken.
"""

import hmac
import logging
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from collaborators.access import covers
from collaborators.models import CollaboratorStatus, Role, Unit, User
from collaborators.services.people import training_attendance_record, training_attendance_withdraw
from core import uploads
from notifications.services import notify, notify_many
from trainings.models import (
    SEAT_STATUSES,
    CalendarFeedToken,
    Material,
    Registration,
    RegistrationStatus,
    SessionStatus,
    TrainingSession,
    new_checkin_code,
    new_feed_token,
)

logger = logging.getLogger(__name__)

# A participant may check in with the code from this long before the start until the end.
CHECKIN_OPENS_BEFORE = timedelta(minutes=60)
# Collaborator statuses that still receive invitations.
INVITABLE_STATUSES = (CollaboratorStatus.PROPOSED, CollaboratorStatus.ACTIVE)

SESSION_FIELDS = (
    "title",
    "programme",
    "speakers",
    "venue",
    "online_link",
    "starts_at",
    "ends_at",
    "capacity",
    "registration_deadline",
    "target_positions",
    "target_roles",
)


def _link(session) -> str:
    return reverse("trainings:detail", args=[session.pk])


def _when(session) -> str:
    start = timezone.localtime(session.starts_at)
    return f"{date_format(start, 'SHORT_DATE_FORMAT')} {start:%H:%M}"


def _lock(session: TrainingSession) -> TrainingSession:
    """Re-read the session under a row lock: registrations for it are serialised from here on."""
    return TrainingSession.objects.select_for_update().get(pk=session.pk)


def _check_times(*, starts_at, ends_at, registration_deadline) -> None:
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError(_("The session must end after it starts."))
    if registration_deadline and ends_at and registration_deadline > ends_at:
        raise ValidationError(_("The registration deadline must be before the session ends."))


# --- sessions ----------------------------------------------------------------------------------


def _require_targets_covered(actor: User, units) -> None:
    """A session is announced to everyone under its target units: the organiser must cover them all."""
    outside = [unit.name for unit in units if not covers(actor, [unit])]
    if outside:
        raise ValidationError(
            _("You can only invite units in your own scope; not: %(units)s.") % {"units": ", ".join(outside)}
        )


@transaction.atomic
def session_create(*, actor: User, unit: Unit, target_units, **fields) -> TrainingSession:
    """Create a draft session organised by ``unit`` (which must be within the actor's scope)."""
    if not covers(actor, [unit]):
        raise ValidationError(_("You can only organise sessions for your own unit or the units under it."))
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")
    _check_times(
        starts_at=fields.get("starts_at"),
        ends_at=fields.get("ends_at"),
        registration_deadline=fields.get("registration_deadline"),
    )
    if fields.get("capacity") is not None and fields["capacity"] < 0:
        raise ValidationError(_("The capacity cannot be negative."))
    target_units = list(target_units)
    if not target_units:
        raise ValidationError(_("Choose at least one target unit."))
    _require_targets_covered(actor, target_units)
    session = TrainingSession.objects.create(unit=unit, created_by=actor, **fields)
    session.target_units.set(target_units)
    return session


@transaction.atomic
def session_update(*, actor: User, session: TrainingSession, target_units=None, **fields) -> TrainingSession:
    """Change a session. Raising the capacity promotes the waitlist; it cannot drop below the seats taken."""
    session = _lock(session)
    if session.status in (SessionStatus.CANCELLED, SessionStatus.COMPLETED):
        raise ValidationError(_("A cancelled or completed session cannot be changed."))
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")
    merged = {name: fields.get(name, getattr(session, name)) for name in SESSION_FIELDS}
    _check_times(
        starts_at=merged["starts_at"], ends_at=merged["ends_at"], registration_deadline=merged["registration_deadline"]
    )
    if merged["capacity"] < 0:
        raise ValidationError(_("The capacity cannot be negative."))
    taken = session.registrations.holding_seat().count()
    if merged["capacity"] and merged["capacity"] < taken:
        raise ValidationError(
            _("The capacity cannot be lower than the %(count)d people already registered.") % {"count": taken}
        )
    if target_units is not None:
        target_units = list(target_units)
        if not target_units:
            raise ValidationError(_("Choose at least one target unit."))
        _require_targets_covered(actor, target_units)
    for name, value in fields.items():
        setattr(session, name, value)
    session.save()
    if target_units is not None:
        session.target_units.set(target_units)
    _promote_waitlist(session)
    return session


def eligible_people(session: TrainingSession):
    """People the session is for: in a target unit's subtree, with a matching role and position."""
    paths = list(session.target_units.values_list("path", flat=True))
    if not paths:
        return User.objects.none()
    in_units = Q()
    for path in paths:
        in_units |= Q(unit__path__startswith=path)
    people = User.objects.filter(in_units, is_active=True)
    roles = session.target_roles or [Role.COLLABORATOR]
    people = people.filter(role__in=roles)
    people = people.filter(Q(profile__isnull=True) | Q(profile__status__in=INVITABLE_STATUSES))
    if session.target_positions:
        people = people.filter(profile__position__in=session.target_positions)
    return people


def ineligibility_reason(session: TrainingSession, person: User) -> str | None:
    """Why a person may not register themselves for this session, or None."""
    if not eligible_people(session).filter(pk=person.pk).exists():
        if session.target_positions and person.unit_id:
            return _("This session is for: %(positions)s.") % {
                "positions": ", ".join(str(p) for p in session.get_target_positions_display())
            }
        return _("This session is not open to your unit or your role.")
    return None


@transaction.atomic
def session_publish(*, actor: User, session: TrainingSession) -> int:
    """Publish a draft and invite the eligible people (an outbox notification each). Returns how many."""
    session = _lock(session)
    if session.status != SessionStatus.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    if session.ends_at <= timezone.now():
        raise ValidationError(_("This session has already ended; change its dates before publishing."))
    session.status = SessionStatus.PUBLISHED
    session.published_at = timezone.now()
    session.save(update_fields=["status", "published_at", "updated_at"])
    already = set(session.registrations.values_list("person_id", flat=True))
    invitees = [p for p in eligible_people(session).only("pk", "email", "is_active") if p.pk not in already]
    Registration.objects.bulk_create(
        [Registration(session=session, person=p, status=RegistrationStatus.INVITED, added_by=actor) for p in invitees],
        ignore_conflicts=True,
    )
    subject = _("Invitation to a training: %(title)s") % {"title": session.title}
    body = _("You are invited to %(title)s on %(when)s at %(venue)s. Register before %(deadline)s.") % {
        "title": session.title,
        "when": _when(session),
        "venue": session.venue or session.online_link or "—",
        "deadline": date_format(timezone.localtime(session.deadline), "SHORT_DATETIME_FORMAT"),
    }
    notify_many(
        recipients=invitees, about=session, kind="training_invitation", subject=subject, body=body, link=_link(session)
    )
    return len(invitees)


@transaction.atomic
def session_cancel(*, actor: User, session: TrainingSession, reason: str = "") -> int:
    """Cancel a session and notify everyone registered or waitlisted. Returns how many were told."""
    session = _lock(session)
    if session.status not in (SessionStatus.DRAFT, SessionStatus.PUBLISHED):
        raise ValidationError(_("Only a draft or a published session can be cancelled."))
    was_published = session.status == SessionStatus.PUBLISHED
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = timezone.now()
    session.cancel_reason = reason
    session.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    if not was_published:
        return 0
    subject = _("Training cancelled: %(title)s") % {"title": session.title}
    body = _("The training %(title)s on %(when)s has been cancelled.") % {
        "title": session.title,
        "when": _when(session),
    }
    if reason:
        body = f"{body}\n{_('Reason:')} {reason}"
    registrations = session.registrations.filter(
        status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED]
    ).select_related("person")
    told = notify_many(
        recipients=[registration.person for registration in registrations],
        about=session,
        kind="training_cancelled",
        subject=subject,
        body=body,
        link=_link(session),
    )
    return len(told)


@transaction.atomic
def sessions_complete_due(*, now: datetime | None = None) -> int:
    """Complete the published sessions that have ended; whoever was not marked becomes absent."""
    now = now or timezone.now()
    done = 0
    for session in TrainingSession.objects.select_for_update().filter(status=SessionStatus.PUBLISHED, ends_at__lte=now):
        session.registrations.filter(status=RegistrationStatus.REGISTERED).update(
            status=RegistrationStatus.ABSENT, updated_at=now
        )
        session.status = SessionStatus.COMPLETED
        session.completed_at = now
        session.save(update_fields=["status", "completed_at", "updated_at"])
        done += 1
    return done


@transaction.atomic
def session_new_checkin_code(*, actor: User, session: TrainingSession) -> TrainingSession:
    session.checkin_code = new_checkin_code()
    session.save(update_fields=["checkin_code", "updated_at"])
    return session


# --- registrations -----------------------------------------------------------------------------


def _seats_free(session: TrainingSession) -> bool:
    if not session.capacity:
        return True
    return session.registrations.holding_seat().count() < session.capacity


@transaction.atomic
def registration_register(*, session: TrainingSession, person: User, actor: User | None = None) -> Registration:
    """Register a person: a seat if one is free, otherwise the end of the waitlist.

    ``actor`` is the admin adding someone (None when people register themselves); admins
    may add people past the deadline and outside the target positions, until the session ends.
    The session row is locked before counting, so parallel registrations cannot overfill it.
    """
    session = _lock(session)
    by_admin = actor is not None and actor.pk != person.pk
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(_("This session has been cancelled."))
    if session.status != SessionStatus.PUBLISHED:
        raise ValidationError(_("This session is not open for registration."))
    now = timezone.now()
    if by_admin:
        if now >= session.ends_at:
            raise ValidationError(_("This session has ended."))
    else:
        if now >= session.deadline:
            raise ValidationError(
                _("Registration for this session closed on %(deadline)s.")
                % {"deadline": date_format(timezone.localtime(session.deadline), "SHORT_DATETIME_FORMAT")}
            )
        reason = ineligibility_reason(session, person)
        if reason:
            raise ValidationError(reason)
    registration = Registration.objects.filter(session=session, person=person).first()
    if registration and registration.status not in (RegistrationStatus.INVITED, RegistrationStatus.CANCELLED):
        raise ValidationError(
            _("%(name)s is already on this session's list (%(status)s).")
            % {"name": person.get_full_name(), "status": registration.get_status_display()}
        )
    status = RegistrationStatus.REGISTERED if _seats_free(session) else RegistrationStatus.WAITLISTED
    if registration is None:
        registration = Registration(session=session, person=person)
    registration.status = status
    registration.queued_at = now
    registration.reminder_sent_at = None
    if by_admin:
        registration.added_by = actor
    registration.save()
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration, actor: User) -> Registration:
    """Cancel a registration (the person before the deadline, an admin until the end); a freed seat
    goes to the first person on the waitlist, who is notified."""
    session = _lock(registration.session)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    by_admin = actor.pk != registration.person_id
    if session.status not in (SessionStatus.PUBLISHED, SessionStatus.DRAFT):
        raise ValidationError(
            _("This session is %(status)s; its list can no longer change.")
            % {"status": session.get_status_display().lower()}
        )
    if registration.status not in (
        RegistrationStatus.REGISTERED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.INVITED,
    ):
        raise ValidationError(
            _("This registration cannot be cancelled (%(status)s).") % {"status": registration.get_status_display()}
        )
    now = timezone.now()
    if not by_admin and now >= session.deadline:
        raise ValidationError(_("The registration deadline has passed; ask the organisers to take you off the list."))
    if by_admin and now >= session.ends_at:
        raise ValidationError(_("This session has ended."))
    registration.status = RegistrationStatus.CANCELLED
    registration.save(update_fields=["status", "updated_at"])
    _promote_waitlist(session)
    return registration


def _promote_waitlist(session: TrainingSession) -> list[Registration]:
    """Give free seats to the waitlist in order. The caller holds the session lock."""
    if session.status != SessionStatus.PUBLISHED:
        return []
    promoted = []
    waiting = session.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by("queued_at", "pk")
    for registration in waiting.select_related("person"):
        if not _seats_free(session):
            break
        registration.status = RegistrationStatus.REGISTERED
        registration.save(update_fields=["status", "updated_at"])
        notify(
            recipient=registration.person,
            about=session,
            kind="training_seat",
            subject=_("A seat is yours: %(title)s") % {"title": session.title},
            body=_("A seat has freed up and you are now registered for %(title)s on %(when)s.")
            % {"title": session.title, "when": _when(session)},
            link=_link(session),
        )
        promoted.append(registration)
    return promoted


# --- attendance, check-in, feedback ------------------------------------------------------------


def _record_attended(registration: Registration, *, actor: User | None, at: datetime) -> None:
    registration.status = RegistrationStatus.ATTENDED
    registration.checked_in_at = registration.checked_in_at or at
    registration.marked_by = actor
    registration.save(update_fields=["status", "checked_in_at", "marked_by", "updated_at"])
    training_attendance_record(
        person=registration.person,
        session_id=registration.session_id,
        on=timezone.localdate(registration.session.starts_at),
    )


def attendance_open(session: TrainingSession, *, now: datetime | None = None) -> bool:
    """Attendance is taken from the session's day on (local date): nobody is marked present days ahead."""
    return timezone.localdate(now or timezone.now()) >= timezone.localdate(session.starts_at)


@transaction.atomic
def attendance_mark(*, registration: Registration, attended: bool, actor: User) -> Registration:
    """Tick (or untick) a person's attendance; the roster's training facts follow (recorded or withdrawn)."""
    session = _lock(registration.session)
    registration = Registration.objects.select_for_update().select_related("person", "session").get(pk=registration.pk)
    if session.status not in (SessionStatus.PUBLISHED, SessionStatus.COMPLETED):
        raise ValidationError(_("Attendance can only be taken for a published or completed session."))
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError(_("This registration was cancelled."))
    if not attendance_open(session):
        raise ValidationError(
            _("Attendance can be taken from the day of the session (%(day)s).")
            % {"day": date_format(timezone.localdate(session.starts_at), "SHORT_DATE_FORMAT")}
        )
    if attended:
        if registration.status != RegistrationStatus.ATTENDED:
            _record_attended(registration, actor=actor, at=timezone.now())
    elif registration.status == RegistrationStatus.ATTENDED:
        registration.status = (
            RegistrationStatus.ABSENT if session.status == SessionStatus.COMPLETED else RegistrationStatus.REGISTERED
        )
        registration.checked_in_at = None
        registration.marked_by = actor
        registration.save(update_fields=["status", "checked_in_at", "marked_by", "updated_at"])
        training_attendance_withdraw(person=registration.person, session_id=registration.session_id)
    return registration


@transaction.atomic
def checkin_with_code(*, session: TrainingSession, person: User, code: str) -> Registration:
    """A participant checks in from their phone with the code shown at the session."""
    session = _lock(session)
    now = timezone.now()
    if session.status != SessionStatus.PUBLISHED:
        raise ValidationError(_("Check-in is not open for this session."))
    if now < session.starts_at - CHECKIN_OPENS_BEFORE:
        raise ValidationError(_("Check-in opens one hour before the session starts."))
    if now > session.ends_at:
        raise ValidationError(_("This check-in code has expired: the session has ended."))
    given = (code or "").strip().upper().replace(" ", "")
    if not hmac.compare_digest(given.encode(), session.checkin_code.upper().encode()):
        raise ValidationError(_("Wrong check-in code. Check the code shown in the room and try again."))
    registration = Registration.objects.select_for_update().filter(session=session, person=person).first()
    if registration is None or registration.status not in (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED):
        if registration and registration.status == RegistrationStatus.WAITLISTED:
            raise ValidationError(_("You are on the waitlist; please see the organisers at the door."))
        raise ValidationError(_("You are not registered for this session; please see the organisers at the door."))
    if registration.status != RegistrationStatus.ATTENDED:
        _record_attended(registration, actor=None, at=now)
    return registration


@transaction.atomic
def feedback_submit(*, registration: Registration, rating: int, comment: str = "") -> Registration:
    """Record a participant's feedback, once."""
    registration = Registration.objects.select_related("session").get(pk=registration.pk)
    if registration.status != RegistrationStatus.ATTENDED:
        raise ValidationError(_("Only participants who attended can give feedback."))
    if timezone.now() < registration.session.starts_at:
        raise ValidationError(_("Feedback opens once the session has started."))
    if not 1 <= int(rating) <= 5:
        raise ValidationError(_("Choose a rating from 1 to 5."))
    # Conditional update: a second submission (or a double click) finds the rating already set.
    updated = Registration.objects.filter(pk=registration.pk, rating__isnull=True).update(
        rating=rating, comment=comment.strip(), feedback_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("You have already given feedback on this session. Thank you!"))
    registration.refresh_from_db()
    return registration


# --- materials ---------------------------------------------------------------------------------


@transaction.atomic
def material_add(*, actor: User, session: TrainingSession, title: str, file=None, url: str = "") -> Material:
    """Add a file or a link for a session's participants.

    A file's type is decided from its bytes (core.uploads, TRAINING_MATERIAL): web pages, scripts, SVG,
    programs and Office files with macros are refused. It is stored under a random name and served only
    as a download. Raises ValidationError, and stores nothing, for a refused file.
    """
    if not file and not url:
        raise ValidationError(_("Attach a file or give a link."))
    if not file:
        return Material.objects.create(session=session, title=title, url=url, created_by=actor)
    checked = uploads.check_upload(file, uploads.TRAINING_MATERIAL)
    return Material.objects.create(
        session=session,
        title=title,
        file=file,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        created_by=actor,
    )


@transaction.atomic
def material_delete(*, actor: User, material: Material) -> None:
    if material.file:
        material.file.delete(save=False)
    material.delete()


# --- reminders ---------------------------------------------------------------------------------


def reminders_due(*, now: datetime | None = None):
    """Registrations to remind: a seat in a published session starting before the end of tomorrow."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    horizon = timezone.make_aware(datetime.combine(tomorrow + timedelta(days=1), time.min))
    return Registration.objects.filter(
        status=RegistrationStatus.REGISTERED,
        reminder_sent_at__isnull=True,
        session__status=SessionStatus.PUBLISHED,
        session__starts_at__gt=now,
        session__starts_at__lt=horizon,
    )


def registration_remind(*, registration_id: int, now: datetime | None = None) -> bool:
    """Claim one registration's reminder and write it to the outbox, in one transaction.

    Only the caller whose conditional UPDATE changes the row goes on, so a second run finds
    nothing to claim; a worker killed before the commit leaves the row unclaimed for the next run.
    """
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Registration.objects.filter(
            pk=registration_id, reminder_sent_at__isnull=True, status=RegistrationStatus.REGISTERED
        ).update(reminder_sent_at=now)
        if not claimed:
            return False
        registration = Registration.objects.select_related("session", "person").get(pk=registration_id)
        session = registration.session
        notify(
            recipient=registration.person,
            about=session,
            kind="training_reminder",
            subject=_("Reminder: %(title)s starts %(when)s") % {"title": session.title, "when": _when(session)},
            body=_("You are registered for %(title)s on %(when)s at %(venue)s.")
            % {"title": session.title, "when": _when(session), "venue": session.venue or session.online_link or "—"},
            link=_link(session),
        )
    return True


def reminders_send(*, now: datetime | None = None) -> int:
    """Remind everyone due (the daily beat job). Safe to run twice or in parallel."""
    ids = list(reminders_due(now=now).values_list("pk", flat=True))
    return sum(1 for pk in ids if registration_remind(registration_id=pk, now=now))


# --- calendar feed -----------------------------------------------------------------------------


@transaction.atomic
def feed_token_for(*, user: User) -> CalendarFeedToken:
    token, _created = CalendarFeedToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def feed_token_reset(*, user: User) -> CalendarFeedToken:
    token, created = CalendarFeedToken.objects.get_or_create(user=user)
    if not created:
        token.token = new_feed_token()
        token.save(update_fields=["token"])
    return token


__all__ = [
    "SEAT_STATUSES",
    "attendance_mark",
    "checkin_with_code",
    "feedback_submit",
    "registration_cancel",
    "registration_register",
    "reminders_send",
    "session_cancel",
    "session_create",
    "session_publish",
    "session_update",
    "sessions_complete_due",
]
