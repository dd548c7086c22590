"""Every write to reports and rumours: keyword-only, atomic, each step recorded as an event."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collaborators.access import require_cover
from collaborators.models import Role, Unit, User
from collaborators.services.people import reporting_activity_statements
from core import fragments
from core.upserts import execute_statements, insert_statements
from notifications.services import notify, notify_many
from reports.models import (
    AlertLevel,
    EventKind,
    Report,
    ReportEvent,
    ReportKind,
    ReportStatus,
    Rumour,
    Verification,
)
from reports.signals import (
    report_edited,
    report_linked_to_rumour,
    report_reviewed,
    report_sent,
    reports_moved,
    rumour_verified,
    rumours_merged,
)


def reviewers_for(unit: Unit) -> list[User]:
    """The staff who review a unit's reports: those of the nearest unit at or above it that has staff."""
    ancestors = unit.ancestor_paths()
    staff = list(
        User.objects.filter(is_active=True, role__in=[Role.STAFF, Role.ADMIN], unit__path__in=ancestors).select_related(
            "unit"
        )
    )
    if not staff:
        return []
    nearest = max(len(u.unit.path) for u in staff)
    return [u for u in staff if len(u.unit.path) == nearest]


def federation_staff() -> list[User]:
    """Staff and admins of the root unit(s): the city federation."""
    return list(User.objects.filter(is_active=True, role__in=[Role.STAFF, Role.ADMIN], unit__depth=1))


def _event(report, actor, kind, note="", *, internal=False):
    return ReportEvent.objects.create(report=report, actor=actor, kind=kind, note=note, internal=internal)


def _notify_many(people, *, report, kind, subject, body=""):
    """Tell ``people`` about ``report``; those who cannot open it are dropped by notify_many."""
    notify_many(recipients=people, about=report, kind=kind, subject=subject, body=body, link=_link(report))


def _link(report):
    return reverse("reports:detail", args=[report.pk])


def _require_submittable(report: Report) -> None:
    if report.nothing_new:
        return
    missing = []
    if not report.kind:
        missing.append(_("kind"))
    if report.topic_id is None:
        missing.append(_("topic"))
    if not report.title.strip():
        missing.append(_("title"))
    if not report.content.strip():
        missing.append(_("content"))
    if missing:
        raise ValidationError(_("Fill in before sending: %(fields)s.") % {"fields": ", ".join(map(str, missing))})
    if report.rumour_id and report.kind != ReportKind.RUMOUR:
        raise ValidationError(_("Only a rumour report can be linked to a tracked rumour."))


# No savepoint of its own when a caller's transaction is open (the report form's, the API's): every caller
# lets its exceptions end that transaction, and the savepoint was two round trips of each sending.
@transaction.atomic(savepoint=False)
def report_save(*, author: User, token, data: dict, submit: bool, new_token: bool = False) -> tuple[Report, bool]:
    """Save a collaborator's report as a draft, or send it; idempotent on the form's token.

    The same token always means the same report: a double click, a retry or a
    form sent again after a dropped connection finds the report the first
    request created (a unique constraint decides between concurrent requests).
    A report already sent is not changed by a resend. Returns (report, changed).
    ``new_token``: the caller looked the token up in this request and found no report, so the report is
    inserted at once, without a second look and without a savepoint: if a concurrent request wrote a
    report with the same token first, the constraint raises IntegrityError, which ends the caller's
    transaction; the caller then finds that report and answers as for a resend.
    """
    if author.unit_id is None:
        raise ValidationError(_("Your account is not attached to a unit; ask your union's staff."))
    report = None if new_token else Report.objects.select_for_update().filter(client_token=token).first()
    if report is None:
        report = Report(author=author, unit_id=author.unit_id, client_token=token, **_author_data(data))
        if submit:  # a new report sent at once is written once, already sent (one row, one history row)
            _require_submittable(report)
            _mark_sent(report, author, timezone.now())
        try:
            if new_token:
                report.save(force_insert=True)
            else:
                with transaction.atomic():
                    report.save(force_insert=True)
        except IntegrityError:
            if new_token:
                raise
            report = Report.objects.select_for_update().get(client_token=token)
        else:
            if submit:
                _after_sending(report, author, resubmission=False, first_sending=True, created=True)
            else:
                _event(report, author, EventKind.CREATED)
            return report, True
    if report.author_id != author.pk:
        raise PermissionDenied
    if not report.is_editable_by_author:
        return report, False  # already sent: a resent form changes nothing
    for name, value in _author_data(data).items():
        setattr(report, name, value)
    report.save()
    if submit:
        _submit(report, author)
    elif report.first_submitted_at is not None:  # a returned report, changed before it is sent again
        report_edited.send(sender=Report, report=report)
    return report, True


def _author_data(data: dict) -> dict:
    values = {name: data[name] for name in Report.AUTHOR_FIELDS if name in data}
    if values.get("kind") != ReportKind.RUMOUR:
        values["rumour"] = None
    return values


def _submit(report: Report, author: User) -> None:
    _require_submittable(report)
    resubmission = report.status == ReportStatus.RETURNED
    first_sending = report.first_submitted_at is None
    _mark_sent(report, author, timezone.now())
    report.save()
    _after_sending(report, author, resubmission=resubmission, first_sending=first_sending)


def _mark_sent(report: Report, author: User, now) -> None:
    report.unit_id = author.unit_id  # the id alone: the person's unit need not be read
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = now
    report.first_submitted_at = report.first_submitted_at or now
    report.overdue_notified_at = None


def _after_sending(
    report: Report, author: User, *, resubmission: bool, first_sending: bool, created: bool = False
) -> None:
    """What follows a sending, once the sent report is written: its event (with the "created" one, in one
    INSERT, for a report ``created`` sent), the author's reporting fact, the rumour's sightings, the tallies
    (``report_sent``) and, for a rapid report, the reviewers."""
    now = report.submitted_at
    sent = EventKind.RESUBMITTED if resubmission else EventKind.SUBMITTED
    kinds = [EventKind.CREATED, sent] if created else [sent]
    writes = insert_statements(ReportEvent, [ReportEvent(report=report, actor=author, kind=k, note="") for k in kinds])
    if first_sending:  # the period of the first sending; sending a returned report again adds nothing
        writes += reporting_activity_statements(sendings=[(author.pk, timezone.localdate(now))])
    if report.rumour_id:
        _rumour_recount(report.rumour)
    report_sent.send(sender=Report, report=report, resubmission=resubmission, writes=writes)
    execute_statements(writes)  # the events, the reporting fact and the tallies in one round trip (PostgreSQL)
    if report.urgent and not resubmission:
        with translation.override("vi"):
            subject = _("Rapid report: %(title)s") % {"title": report.title}
            body = _("%(unit)s sent a rapid report. Open it to review.") % {"unit": report.unit.name}
        _notify_many(
            [*reviewers_for(report.unit), *federation_staff()],
            kind="report_urgent",
            subject=subject,
            body=body,
            report=report,
        )


@transaction.atomic
def report_nothing_new(*, author: User, token) -> tuple[Report, bool]:
    """Send a "nothing new to report this period" report; it counts for compliance."""
    with translation.override("vi"):
        title = _("Nothing new to report this period")
    report, changed = report_save(author=author, token=token, data={"title": title}, submit=False)
    if changed and report.status == ReportStatus.DRAFT:
        report.nothing_new = True
        report.kind = ""
        report.save(update_fields=["nothing_new", "kind"])
        _submit(report, author)
    return report, changed


@transaction.atomic
def report_discard_draft(*, author: User, report: Report) -> None:
    if report.author_id != author.pk or report.status != ReportStatus.DRAFT:
        raise PermissionDenied
    files = [attachment.file for attachment in report.attachments.all()]
    report.delete()
    # The rows go with the report; the stored files once the deletion is committed.
    transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update(of=("self",)).select_related("unit", "author").get(pk=report.pk)


def _review(report: Report, actor: User, *, to_status, event, note="", require_note=False, notify_author=True):
    report = _locked(report)
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(
            _("This report is “%(status)s”; only a submitted report can be reviewed.")
            % {"status": report.get_status_display()}
        )
    if require_note and not note.strip():
        raise ValidationError(_("Give the reason: the collaborator will read it."))
    report.status = to_status
    report.reviewed_at = timezone.now()
    if report.assignee_id is None:
        report.assignee = actor
    report.save()
    report_reviewed.send(sender=Report, report=report, event=_event(report, actor, event, note.strip()))
    if notify_author and report.author_id is not None:  # an anonymised report has no author to tell
        with translation.override("vi"):
            subject = {
                ReportStatus.ACCEPTED: _("Your report was accepted: %(title)s"),
                ReportStatus.RETURNED: _("Your report needs more information: %(title)s"),
                ReportStatus.REJECTED: _("Your report was not accepted: %(title)s"),
            }[to_status] % {"title": report.title}
        notify(
            recipient=report.author,
            about=report,
            kind=f"report_{to_status}",
            subject=subject,
            body=note,
            link=_link(report),
        )
    return report


@transaction.atomic
def report_accept(*, actor: User, report: Report, note: str = "") -> Report:
    return _review(report, actor, to_status=ReportStatus.ACCEPTED, event=EventKind.ACCEPTED, note=note)


@transaction.atomic
def report_return(*, actor: User, report: Report, reason: str) -> Report:
    """Send back to the author to complete; the reason is required and shown to them."""
    return _review(
        report, actor, to_status=ReportStatus.RETURNED, event=EventKind.RETURNED, note=reason, require_note=True
    )


@transaction.atomic
def report_reject(*, actor: User, report: Report, reason: str) -> Report:
    return _review(
        report, actor, to_status=ReportStatus.REJECTED, event=EventKind.REJECTED, note=reason, require_note=True
    )


@transaction.atomic
def reports_bulk_accept(*, actor: User, reports) -> int:
    """Accept every submitted report among ``reports`` (already scoped by the caller); others are skipped."""
    accepted = 0
    for report in reports.filter(status=ReportStatus.SUBMITTED).order_by("pk"):
        _review(report, actor, to_status=ReportStatus.ACCEPTED, event=EventKind.ACCEPTED)
        accepted += 1
    return accepted


@transaction.atomic
def report_set_alert(*, actor: User, report: Report, level: str, note: str = "") -> Report:
    if level not in AlertLevel.values:
        raise ValidationError(_("Unknown alert level."))
    report = _locked(report)
    report.alert_level = level
    report.save(update_fields=["alert_level", "updated_at"])
    event = _event(report, actor, EventKind.ALERT, f"{AlertLevel(level).label}. {note}".strip(" ."), internal=True)
    report_reviewed.send(sender=Report, report=report, event=event)
    return report


@transaction.atomic
def report_assign(*, actor: User, report: Report, assignee: User | None) -> Report:
    if assignee is not None:
        allowed = User.objects.visible_to(actor).filter(pk=assignee.pk, role__in=[Role.STAFF, Role.ADMIN])
        if not allowed.exists():
            raise ValidationError(_("Choose a reviewer among the staff of your unit."))
    report = _locked(report)
    report.assignee = assignee
    report.save(update_fields=["assignee", "updated_at"])
    _event(report, actor, EventKind.ASSIGNED, assignee.get_full_name() if assignee else "", internal=True)
    if assignee is not None and assignee.pk != actor.pk:
        with translation.override("vi"):
            subject = _("A report was assigned to you: %(title)s") % {"title": report.title}
        notify(recipient=assignee, about=report, kind="report_assigned", subject=subject, link=_link(report))
    return report


@transaction.atomic
def report_escalate(*, actor: User, report: Report, note: str) -> Report:
    """Pass the report up to the staff of the unit above the reviewer's, who are notified."""
    report = _locked(report)
    base = report.escalated_to or actor.unit or report.unit
    parent = Unit.objects.get_parent(base)
    if parent is None:
        raise ValidationError(_("There is no unit above to escalate to."))
    if not note.strip():
        raise ValidationError(_("Say why you escalate this report."))
    report.escalated_to = parent
    report.save(update_fields=["escalated_to", "updated_at"])
    event = _event(report, actor, EventKind.ESCALATED, f"{parent.name}: {note.strip()}", internal=True)
    report_reviewed.send(sender=Report, report=report, event=event)
    with translation.override("vi"):
        subject = _("Report escalated to your unit: %(title)s") % {"title": report.title}
    _notify_many(reviewers_for(parent), report=report, kind="report_escalated", subject=subject, body=note)
    return report


@transaction.atomic
def report_comment(*, actor: User, report: Report, text: str, internal: bool) -> ReportEvent:
    if not text.strip():
        raise ValidationError(_("Write the comment."))
    event = _event(report, actor, EventKind.COMMENT, text.strip(), internal=internal)
    if not internal and report.author_id is not None and actor.pk != report.author_id:
        with translation.override("vi"):
            subject = _("New comment on your report: %(title)s") % {"title": report.title}
        notify(
            recipient=report.author, about=report, kind="report_comment", subject=subject, body=text, link=_link(report)
        )
    return event


@transaction.atomic
def reports_follow_people(*, unit: Unit, placements: dict) -> int:
    """Move the open reports (drafts, sent, returned) that people filed at an ended unit (or a unit of its
    subtree that ended with it) to the unit each author moved to (``placements``: {person id: unit}).
    Reviewed reports stay where they were filed. Records the change in each report's history and sends
    ``reports_moved`` (the tallies recount them). Returns how many moved.
    """
    if not placements:
        return 0
    reports = list(
        Report.objects.select_for_update()
        .filter(unit__path__startswith=unit.path, author_id__in=list(placements))
        .filter(status__in=[ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.RETURNED])
        .order_by("pk")
    )
    for report in reports:
        report.unit = placements[report.author_id]
    if reports:
        from simple_history.utils import bulk_update_with_history

        bulk_update_with_history(
            reports,
            Report,
            ["unit"],
            default_change_reason=(_("Unit %(code)s ended; follows its author.") % {"code": unit.code})[:100],
        )
        reports_moved.send(sender=Report, report_ids=[r.pk for r in reports])
    return len(reports)


def reports_flag_overdue() -> int:
    """Flag submitted reports untouched past REPORT_OVERDUE_HOURS and notify their reviewers once each."""
    cutoff = timezone.now() - timedelta(hours=settings.REPORT_OVERDUE_HOURS)
    candidates = Report.objects.filter(
        status=ReportStatus.SUBMITTED, submitted_at__lt=cutoff, overdue_notified_at__isnull=True
    ).values_list("pk", flat=True)
    flagged = 0
    for pk in list(candidates[:1000]):
        with transaction.atomic():
            # Claim: only the run whose UPDATE changes the row notifies.
            if not Report.objects.filter(pk=pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=timezone.now()
            ):
                continue
            report = Report.objects.select_related("unit").get(pk=pk)
            _event(report, None, EventKind.OVERDUE, internal=True)
            with translation.override("vi"):
                subject = _("Report waiting for review: %(title)s") % {"title": report.title}
            _notify_many(reviewers_for(report.unit), report=report, kind="report_overdue", subject=subject)
            flagged += 1
    return flagged


# --- rumours -----------------------------------------------------------------------


def _rumour_recount(rumour: Rumour) -> None:
    stats = rumour.sightings.exclude(status=ReportStatus.DRAFT).aggregate(
        n=Count("pk"), first=Min("submitted_at"), last=Max("submitted_at")
    )
    Rumour.objects.filter(pk=rumour.pk).update(
        sighting_count=stats["n"], first_seen_at=stats["first"], last_seen_at=stats["last"]
    )
    fragments.bump(fragments.RUMOURS)  # the latest sighting orders the report form's list


@transaction.atomic
def rumour_create(*, actor: User, title: str, summary: str = "", topic=None, report: Report | None = None) -> Rumour:
    """Start tracking a rumour, listed for the actor's unit; optionally link the report it came from."""
    if not title.strip():
        raise ValidationError(_("Give the rumour a short title."))
    rumour = Rumour.objects.create(title=title.strip(), summary=summary.strip(), topic=topic, created_by=actor)
    if actor.unit_id:
        rumour.listed_units.add(actor.unit)
    if report is not None:
        rumour_link(actor=actor, report=report, rumour=rumour)
    return rumour


def rumour_unit_paths(rumour: Rumour) -> set[str]:
    """The paths of every unit a rumour reaches: those it is listed for and those it was heard in."""
    listed = rumour.listed_units.values_list("path", flat=True)
    heard = Report.objects.filter(rumour=rumour).values_list("unit__path", flat=True)
    return {*listed, *heard}


@transaction.atomic
def rumour_link(*, actor: User, report: Report, rumour: Rumour) -> Report:
    """Count a rumour report as a sighting of a tracked rumour.

    Preconditions: the report lies in the actor's scope (the sighting it adds is theirs to record)
    and the rumour is one the actor can see; otherwise 404.
    """
    require_cover(actor, [report.unit])
    if not Rumour.objects.visible_to(actor).filter(pk=rumour.pk).exists():
        raise Http404
    report = _locked(report)
    if report.kind != ReportKind.RUMOUR:
        raise ValidationError(_("Only a rumour report can be linked to a tracked rumour."))
    previous = report.rumour
    report.rumour = rumour
    report.verification = rumour.verification
    report.save(update_fields=["rumour", "verification", "updated_at"])
    if actor.unit_id:
        rumour.listed_units.add(actor.unit)
    _event(report, actor, EventKind.RUMOUR_LINKED, rumour.title, internal=True)
    _rumour_recount(rumour)
    if previous is not None and previous.pk != rumour.pk:
        _rumour_recount(previous)
    report_linked_to_rumour.send(sender=Report, report=report, rumour=rumour, previous=previous)
    return report


@transaction.atomic
def rumour_verify(*, actor: User, rumour: Rumour, verification: str, note: str) -> Rumour:
    """Set whether a rumour is true; a resolution note is required. Linked reports follow.

    The verdict is written into every sighting and read in every unit the rumour reaches, so the
    actor's scope must cover all of them (a ward union's staff verify a rumour heard only in their
    ward; one heard across the city is the federation's); otherwise 404.
    """
    require_cover(actor, rumour_unit_paths(rumour))
    if verification not in Verification.values:
        raise ValidationError(_("Unknown verification."))
    if not note.strip():
        raise ValidationError(_("Write the resolution note: what was checked and what is the truth."))
    rumour = Rumour.objects.select_for_update().get(pk=rumour.pk)
    changed = rumour.verification != verification
    rumour.verification = verification
    rumour.resolution_note = note.strip()
    rumour.verified_by = actor
    rumour.verified_at = timezone.now()
    rumour.save()
    for report in rumour.sightings.all():
        Report.objects.filter(pk=report.pk).update(verification=verification)
        _event(report, actor, EventKind.VERIFIED, f"{Verification(verification).label}: {note.strip()}")
    if changed:
        _tell_rumour_followers(rumour, actor=actor)
    rumour_verified.send(sender=Rumour, rumour=rumour, actor=actor)
    return rumour


@transaction.atomic
def rumour_merge(*, actor: User, rumour: Rumour, into: Rumour) -> Rumour:
    """Merge ``rumour`` (a second copy of the same rumour, tracked by another union) into ``into``.

    Preconditions: both are within what ``actor`` may act on (``Rumour.objects.manageable_by``: every unit
    each is listed for or sighted in lies in the actor's subtree, ``require_cover``), they differ, and
    neither has been merged already.

    Side effects: every sighting of ``rumour`` (drafts included) becomes a sighting of ``into`` (each
    report's history and timeline record it); ``into`` is listed for ``rumour``'s units as well; ``rumour``
    keeps its row, verdict and history, pointing at ``into``; both histories record the merge; the
    counts of both are recounted; ``reports_moved`` (the tallies) and ``rumours_merged`` (guidance notes
    answering ``rumour`` answer ``into`` too) are sent; the people following either rumour are told,
    those who may open ``into`` only. Returns ``into``.
    """
    manageable = Rumour.objects.manageable_by(actor)
    if manageable.filter(pk__in=[rumour.pk, into.pk]).count() != 2:
        raise PermissionDenied
    require_cover(actor, [*rumour_unit_paths(rumour), *rumour_unit_paths(into)])
    if rumour.pk == into.pk:
        raise ValidationError(_("A rumour cannot be merged into itself."))
    locked = {r.pk: r for r in Rumour.objects.select_for_update().filter(pk__in=[rumour.pk, into.pk])}
    rumour, into = locked[rumour.pk], locked[into.pk]
    if rumour.merged_into_id or into.merged_into_id:
        raise ValidationError(_("One of these rumours has already been merged into another."))
    followers = {person.pk: person for person in [*rumour_followers(rumour), *rumour_followers(into)]}
    reports = list(Report.objects.select_for_update().filter(rumour=rumour).order_by("pk"))
    note = _("Merged into the rumour #%(id)s: %(title)s") % {"id": into.pk, "title": into.title}
    for report in reports:
        report.rumour = into
        report._history_user = actor
        report._change_reason = note[:100]
        report.save(update_fields=["rumour", "updated_at"])
        _event(report, actor, EventKind.RUMOUR_LINKED, note)
    into.listed_units.add(*rumour.listed_units.all())
    rumour.merged_into = into
    rumour._history_user = actor
    rumour._change_reason = note[:100]
    rumour.save(update_fields=["merged_into"])
    into._history_user = actor
    into._change_reason = (_("Took over the sightings of the rumour #%(id)s") % {"id": rumour.pk})[:100]
    into.save()
    _rumour_recount(rumour)
    _rumour_recount(into)
    if reports:
        reports_moved.send(sender=Report, report_ids=[r.pk for r in reports])
    rumours_merged.send(sender=Rumour, rumour=rumour, into=into, actor=actor)
    with translation.override("vi"):
        subject = _("Rumour merged: %(title)s") % {"title": into.title}
    notify_many(
        recipients=[person for pk, person in sorted(followers.items()) if pk != actor.pk],
        about=into,
        kind="rumour_merged",
        subject=subject,
        body=rumour.title,
        link=reverse("reports:rumour_detail", args=[into.pk]),
    )
    return into


def rumour_followers(rumour: Rumour) -> list[User]:
    """Who follows a rumour: the authors of its sent sightings, the staff member who started tracking
    it and the staff who counted sightings for it."""
    sightings = Report.objects.filter(rumour=rumour).exclude(status=ReportStatus.DRAFT)
    linkers = ReportEvent.objects.filter(report__rumour=rumour, kind=EventKind.RUMOUR_LINKED).values("actor")
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=sightings.values("author")) | Q(pk=rumour.created_by_id) | Q(pk__in=linkers),
        )
        .select_related("unit")
        .order_by("pk")
    )


def _tell_rumour_followers(rumour: Rumour, *, actor: User) -> None:
    """The new verdict, to everyone following the rumour but its author; the outbox drops whoever can no
    longer open the rumour (a reporter's unit no longer among those it is listed for)."""
    followers = [person for person in rumour_followers(rumour) if person.pk != actor.pk]
    with translation.override("vi"):
        subject = _("Rumour verdict: %(title)s — %(verdict)s") % {
            "title": rumour.title,
            "verdict": Verification(rumour.verification).label,
        }
    notify_many(
        recipients=followers,
        about=rumour,
        kind="rumour_verified",
        subject=subject,
        body=rumour.resolution_note,
        link=reverse("reports:rumour_detail", args=[rumour.pk]),
    )
