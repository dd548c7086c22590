"""Writes for requests for opinion (pulse): create, open (fix the people asked and notify them),
record an answer (a report linked to the request), remind before the deadline, close at the deadline."""

import random
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from collaborators.access import covers, is_staff_or_admin
from collaborators.models import Role, User
from collaborators.services.people import quality_answer_record
from core.ids import parse_id
from guidance.models import PulseMode, PulseRecipient, PulseRequest, PulseStatus
from notifications.services import notify, notify_many
from reports.models import Report, ReportStatus


def _check_scope(author: User, units) -> None:
    if not is_staff_or_admin(author):
        raise ValidationError(_("Only staff can ask the network for opinion."))
    # Targeting reaches every collaborator under each unit: the author's scope must cover them all.
    outside = [u.name for u in units if not covers(author, [u])]
    if outside:
        raise ValidationError(
            _("You can only ask the collaborators of units in your own scope; not those of: %(units)s.")
            % {"units": ", ".join(outside)}
        )


def candidates(pulse: PulseRequest):
    """Active collaborators in the subtrees of the request's units (before any sampling)."""
    paths = list(pulse.target_units.values_list("path", flat=True))
    if not paths:
        return User.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(unit__path__startswith=path)
    return User.objects.filter(condition, is_active=True, role=Role.COLLABORATOR, unit__isnull=False)


def choose_recipients(pulse: PulseRequest) -> list[User]:
    """The people to ask: every candidate, or ``per_unit`` of them in each unit drawn with the request's seed.

    Reproducible: the same roster and seed give the same people (units and people taken in id order).
    """
    people = list(candidates(pulse).order_by("unit_id", "pk"))
    if pulse.mode == PulseMode.ALL:
        return people
    by_unit: dict[int, list[User]] = {}
    for person in people:
        by_unit.setdefault(person.unit_id, []).append(person)
    rng = random.Random(pulse.seed)  # noqa: S311 - a reproducible sample, not a secret
    chosen = []
    for unit_id in sorted(by_unit):
        group = by_unit[unit_id]
        chosen.extend(rng.sample(group, min(pulse.per_unit, len(group))))
    return chosen


def _validated(author: User, data: dict) -> dict:
    """The fields of a request from ``data`` (question, details, topic, focus_policy, target_units, mode,
    per_unit, deadline), refusing units outside the author's subtree, a missing subject and a past deadline."""
    targets = list(data.get("target_units") or [])
    if not targets:
        raise ValidationError(_("Choose at least one unit to ask."))
    _check_scope(author, targets)
    question = (data.get("question") or "").strip()
    if not question:
        raise ValidationError(_("Write the question you are asking."))
    if data.get("topic") is None and data.get("focus_policy") is None:
        raise ValidationError(_("Choose the focus policy or the topic the question is about."))
    deadline = data.get("deadline")
    if deadline is None or deadline <= timezone.now():
        raise ValidationError(_("The deadline must be in the future."))
    mode = data.get("mode") or PulseMode.ALL
    per_unit = data.get("per_unit")
    if mode == PulseMode.SAMPLE and not per_unit:
        raise ValidationError(_("For a sample, say how many collaborators to ask in each unit."))
    return {
        "question": question,
        "details": (data.get("details") or "").strip(),
        "topic": data.get("topic") or (data["focus_policy"].topic if data.get("focus_policy") else None),
        "focus_policy": data.get("focus_policy"),
        "mode": mode,
        "per_unit": per_unit if mode == PulseMode.SAMPLE else None,
        "deadline": deadline,
        "target_units": targets,
    }


@transaction.atomic
def pulse_create(*, author: User, data: dict) -> PulseRequest:
    """Create a draft request. ``data``: question, details, topic, focus_policy, target_units, mode,
    per_unit, deadline. Refuses units outside the author's subtree, a missing subject and a past deadline.
    Nobody is asked until it is opened (pulse_open)."""
    fields = _validated(author, data)
    targets = fields.pop("target_units")
    pulse = PulseRequest(**fields, seed=secrets.randbelow(2**31), author=author, author_unit=author.unit)
    pulse._history_user = author
    pulse.save()
    pulse.target_units.set(targets)
    return pulse


@transaction.atomic
def pulse_update(*, actor: User, pulse: PulseRequest, data: dict) -> PulseRequest:
    """Change a draft request (same fields and rules as ``pulse_create``). Preconditions: the request is
    within the actor's scope (the caller found it through ``manageable_by``) and still a draft: once
    opened, the people asked are fixed and the question they were sent must not change. Recorded in the
    request's history."""
    pulse = PulseRequest.objects.select_for_update().get(pk=pulse.pk)
    if pulse.status != PulseStatus.DRAFT:
        raise ValidationError(_("This request has been opened: it can no longer be changed."))
    fields = _validated(actor, data)
    targets = fields.pop("target_units")
    for name, value in fields.items():
        setattr(pulse, name, value)
    pulse._history_user = actor
    pulse._change_reason = _("Draft edited.")
    pulse.save()
    pulse.target_units.set(targets)
    return pulse


@transaction.atomic
def pulse_cancel(*, actor: User, pulse: PulseRequest, reason: str = "") -> PulseRequest:
    """Cancel a draft or an open request. Preconditions: the request is within the actor's scope (found
    through ``manageable_by``) and not closed or cancelled already. Side effects: answers are no longer
    accepted; when it was open, each person asked is told (``notify_many``, only those who can open it);
    recorded in the request's history with the reason."""
    pulse = PulseRequest.objects.select_for_update().get(pk=pulse.pk)
    if pulse.status not in (PulseStatus.DRAFT, PulseStatus.OPEN):
        raise ValidationError(_("This request is closed: it can no longer be cancelled."))
    was_open = pulse.status == PulseStatus.OPEN
    pulse.status = PulseStatus.CANCELLED
    pulse.closed_at = timezone.now()
    pulse._history_user = actor
    pulse._change_reason = (_("Cancelled.") + (" " + reason.strip() if reason.strip() else ""))[:100]
    pulse.save()
    if was_open:
        people = [r.person for r in pulse.recipients.select_related("person", "person__unit")]
        notify_many(
            recipients=people,
            about=pulse,
            kind="pulse_cancelled",
            subject=_("Request for opinion cancelled: %(question)s") % {"question": pulse.question},
            body=reason.strip() or _("No answer is needed any more."),
            link=reverse("guidance:pulse_detail", args=[pulse.pk]),
        )
    return pulse


def _answer_link(pulse: PulseRequest) -> str:
    return f"{reverse('reports:new')}?request={pulse.pk}"


@transaction.atomic
def pulse_open(*, actor: User, pulse: PulseRequest) -> PulseRequest:
    """Open a draft: record the people asked (fixed from now on) and notify each of them in this transaction.

    Idempotent (a second call returns the open request). Refuses a past deadline and an empty set of people.
    """
    pulse = PulseRequest.objects.select_for_update().get(pk=pulse.pk)
    if pulse.status != PulseStatus.DRAFT:
        return pulse
    _check_scope(actor, list(pulse.target_units.all()))
    now = timezone.now()
    if pulse.deadline <= now:
        raise ValidationError(_("The deadline has passed: create a new request with a later deadline."))
    people = choose_recipients(pulse)
    if not people:
        raise ValidationError(_("There is no active collaborator in the chosen units: nobody would be asked."))
    PulseRecipient.objects.bulk_create(
        [PulseRecipient(pulse=pulse, person=person, unit_id=person.unit_id) for person in people]
    )
    pulse.status = PulseStatus.OPEN
    pulse.opened_at = now
    pulse.save(update_fields=["status", "opened_at"])
    deadline = date_format(timezone.localtime(pulse.deadline), "SHORT_DATETIME_FORMAT")
    notify_many(
        recipients=people,
        about=pulse,
        kind="pulse",
        subject=_("Request for opinion: %(question)s") % {"question": pulse.question},
        body=_("Please tell us what workers think, by %(deadline)s.") % {"deadline": deadline},
        link=_answer_link(pulse),
    )
    return pulse


def recipient_for(*, pulse_id, person: User) -> PulseRecipient:
    """The person's row in an opened request they were asked in; anything else is a 404."""
    pk = parse_id(pulse_id)
    if pk is None:
        raise Http404
    recipient = (
        PulseRecipient.objects.select_related("pulse", "pulse__topic", "pulse__focus_policy", "report")
        .filter(pulse_id=pk, person=person)
        .exclude(pulse__status=PulseStatus.DRAFT)
        .first()
    )
    if recipient is None:
        raise Http404
    return recipient


@transaction.atomic
def pulse_answer_record(*, report: Report, person: User, pulse_id) -> PulseRecipient:
    """Link a collaborator's report to the request they were asked in; once sent, it counts as their answer.

    Called in the report form's transaction (raising rolls the report back). Refuses people who were
    not asked (404), a closed request, a second different report, and a sent answer without direction.
    Idempotent: the same report recorded twice changes nothing.
    """
    recipient = recipient_for(pulse_id=pulse_id, person=person)
    recipient = PulseRecipient.objects.select_for_update().get(pk=recipient.pk)
    pulse = recipient.pulse
    if recipient.report_id == report.pk and recipient.answered_at is not None:
        return recipient
    if recipient.report_id not in (None, report.pk):
        if recipient.report.status == ReportStatus.DRAFT:
            raise ValidationError(
                _("You have already started an answer to this request for opinion: continue that draft.")
            )
        raise ValidationError(_("You have already answered this request for opinion with another report."))
    if not pulse.accepts_answers():
        raise ValidationError(_("The deadline of this request for opinion has passed: answers are no longer accepted."))
    sent = report.status != ReportStatus.DRAFT
    if sent and not report.direction:
        raise ValidationError(
            _("Choose the direction of the opinion you heard: the answers to this request are counted by direction.")
        )
    recipient.report = report
    if sent:
        recipient.answered_at = timezone.now()
        quality_answer_record(person=person, unit_id=recipient.unit_id, on=timezone.localdate(recipient.answered_at))
    recipient.save(update_fields=["report", "answered_at"])
    return recipient


def pulse_remind(*, now=None) -> int:
    """Remind once each asked person who has not answered an open request whose deadline is within
    PULSE_REMINDER_HOURS. Each row is claimed with a conditional update of ``reminded_at`` and its outbox
    row written in the same transaction: a second run, or two workers, send one reminder. Returns the count."""
    now = now or timezone.now()
    horizon = now + timedelta(hours=settings.PULSE_REMINDER_HOURS)
    due = PulseRecipient.objects.filter(
        pulse__status=PulseStatus.OPEN,
        pulse__deadline__gt=now,
        pulse__deadline__lte=horizon,
        answered_at__isnull=True,
        reminded_at__isnull=True,
    ).select_related("pulse", "person")
    sent = 0
    for recipient in due:
        with transaction.atomic():
            claimed = PulseRecipient.objects.filter(
                pk=recipient.pk, reminded_at__isnull=True, answered_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            pulse = recipient.pulse
            deadline = date_format(timezone.localtime(pulse.deadline), "SHORT_DATETIME_FORMAT")
            notify(
                recipient=recipient.person,
                about=pulse,
                kind="pulse_reminder",
                subject=_("Reminder: your opinion is requested by %(deadline)s") % {"deadline": deadline},
                body=pulse.question,
                link=_answer_link(pulse),
            )
        sent += 1
    return sent


def pulse_close_due(*, now=None) -> int:
    """Mark closed the open requests whose deadline has passed (answers are refused from the deadline on
    in any case). A conditional update: running twice closes once. Returns the number closed."""
    now = now or timezone.now()
    return PulseRequest.objects.filter(status=PulseStatus.OPEN, deadline__lte=now).update(
        status=PulseStatus.CLOSED, closed_at=now
    )
