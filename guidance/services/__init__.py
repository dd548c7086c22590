"""Writes for guidance: save a note, publish it (notify the targets and the
people whose reports it answers), read and acknowledge it, and alert on spreading rumours."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from collaborators.access import covers, is_staff_or_admin
from collaborators.models import Role, User
from core import uploads as files
from core.markup import render_text, sanitise  # noqa: F401 (sanitise: the whitelist, imported from here)
from core.text import fold
from guidance.models import GuidanceNote, NoteAttachment, NoteStatus, Receipt, RumourAlert
from notifications.models import Notification
from notifications.services import notify_many
from reports.models import Report, ReportKind, ReportStatus, Rumour
from reports.services import federation_staff

# The notification telling an author that a note answers their report (one per person and note).
ANSWER_KIND = "guidance_answer"


def _link(note: GuidanceNote) -> str:
    return reverse("guidance:detail", args=[note.pk])


def _check_scope(author: User, units) -> None:
    if not is_staff_or_admin(author):
        raise ValidationError(_("Only staff can write guidance."))
    # Targeting reaches every collaborator under each unit: the author's scope must cover them all.
    outside = [u.name for u in units if not covers(author, [u])]
    if outside:
        raise ValidationError(
            _("You can only send guidance to units in your own scope; not to: %(units)s.")
            % {"units": ", ".join(outside)}
        )


@transaction.atomic
def guidance_save(*, author: User, data: dict, note: GuidanceNote | None = None) -> GuidanceNote:
    """Create or edit a draft note. The body is kept as typed (Markdown, or the whitelisted HTML of older
    notes): it is sanitised whenever it is shown, by ``core.markup`` (page, e-mail, notification).

    ``data``: title, body, links, topic, focus_policy, target_units, rumours, questions.
    Refuses target units outside the author's subtree and edits of published notes.
    """
    targets = list(data.get("target_units") or [])
    if not targets:
        raise ValidationError(_("Choose at least one unit to send the guidance to."))
    _check_scope(author, targets)
    body = (data.get("body") or "").strip()
    if not render_text(body) or not data.get("title", "").strip():
        raise ValidationError(_("A note needs a title and a body."))
    if note is None:
        note = GuidanceNote(author=author, author_unit=author.unit)
    elif note.status != NoteStatus.DRAFT:
        raise ValidationError(_("A published note cannot be edited."))
    note.title = data["title"].strip()
    note.body = body
    note.links = "\n".join(
        line.strip()
        for line in (data.get("links") or "").splitlines()
        if line.strip().startswith(("http://", "https://"))
    )
    note.topic = data.get("topic")
    note.focus_policy = data.get("focus_policy")
    publish_at = data.get("publish_at")
    if publish_at is not None and publish_at <= timezone.now():
        raise ValidationError(_("The publish time must be in the future; leave it empty to publish by hand."))
    note.publish_at = publish_at
    note.search_text = fold(f"{note.title} {render_text(body)}")
    note.save()
    note.target_units.set(targets)
    rumours = list(data.get("rumours") or [])
    questions = [q for q in data.get("questions") or [] if q.kind == ReportKind.QUESTION]
    # A note names what it answers: only rumours and questions its author can open.
    if len(rumours) != Rumour.objects.visible_to(author).filter(pk__in=[r.pk for r in rumours]).count():
        raise ValidationError(_("You can only answer rumours you can open."))
    if len(questions) != Report.objects.visible_to(author).filter(pk__in=[q.pk for q in questions]).count():
        raise ValidationError(_("You can only answer questions you can open."))
    note.rumours.set(rumours)
    note.questions.set(questions)
    return note


def targeted_people(note: GuidanceNote):
    """Active people of any role in the subtrees of the note's target units."""
    paths = list(note.target_units.values_list("path", flat=True))
    if not paths:
        return User.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(unit__path__startswith=path)
    return User.objects.filter(condition, is_active=True)


def targeted_collaborators(note: GuidanceNote):
    """Active collaborators in the subtrees of the note's target units."""
    return targeted_people(note).filter(role=Role.COLLABORATOR)


@transaction.atomic
def guidance_publish(*, actor: User, note: GuidanceNote) -> GuidanceNote:
    """Publish a draft: notify every targeted collaborator, and every author of a linked report
    (the rumours' sightings and the questions) that their report has an answer. Idempotent."""
    note = GuidanceNote.objects.select_for_update().get(pk=note.pk)
    if note.status == NoteStatus.PUBLISHED:
        return note
    _check_scope(actor, list(note.target_units.all()))
    note.status = NoteStatus.PUBLISHED
    note.published_at = timezone.now()
    note.save(update_fields=["status", "published_at", "updated_at"])
    _announce(note)
    return note


def guidance_publish_due(*, now=None) -> int:
    """Publish the drafts whose publish time has come, and send their notifications, exactly once.

    Each note is claimed with a conditional UPDATE (still a draft, time come) in its own transaction with its
    outbox rows: a second run, or a second worker, finds nothing to claim. Returns the number published.
    The author's scope was checked when the publish time was saved.
    """
    now = now or timezone.now()
    due = list(GuidanceNote.objects.filter(status=NoteStatus.DRAFT, publish_at__lte=now).values_list("pk", flat=True))
    published = 0
    for pk in due:
        with transaction.atomic():
            claimed = GuidanceNote.objects.filter(pk=pk, status=NoteStatus.DRAFT, publish_at__lte=now).update(
                status=NoteStatus.PUBLISHED, published_at=now, updated_at=now
            )
            if not claimed:
                continue
            _announce(GuidanceNote.objects.get(pk=pk))
        published += 1
    return published


def _announce(note: GuidanceNote) -> None:
    """Notify the targeted collaborators, and the authors of the reports the note answers.

    A rumour is often heard far beyond the units a note is sent to: only the authors of sightings (and
    questions) inside the note's target units are told, since the note is theirs to open; the outbox
    drops anyone else who could not open it.
    """
    link = _link(note)
    notify_many(
        recipients=targeted_collaborators(note),
        about=note,
        kind="guidance",
        subject=_("New guidance: %(title)s") % {"title": note.title},
        # The note itself, as plain text with its paragraphs and lists: the e-mail reads like the page.
        body=render_text(note.body),
        link=link,
    )
    answered = Report.objects.exclude(status=ReportStatus.DRAFT).filter(
        Q(rumour__in=note.rumours.all()) | Q(pk__in=note.questions.values("pk"))
    )
    _tell_answered(note, targeted_people(note).filter(pk__in=answered.values("author")))


def _tell_answered(note: GuidanceNote, people) -> list:
    return notify_many(
        recipients=people,
        about=note,
        kind=ANSWER_KIND,
        subject=_("Your report has an answer: %(title)s") % {"title": note.title},
        body=_("The federation has published guidance that answers a report you sent."),
        link=_link(note),
    )


@transaction.atomic
def guidance_answer_late_sighting(*, report: Report, rumour: Rumour) -> int:
    """A report counted as a sighting of ``rumour`` after guidance answering the rumour was published:
    its author is told of each such note, as the authors of the earlier sightings were when it was
    published (only a note targeted at their unit, which they can open). A note that already told
    this person (an earlier link, another of their reports) is not sent again. Returns the number told.
    """
    if report.status == ReportStatus.DRAFT:
        return 0
    told = 0
    notes = GuidanceNote.objects.filter(status=NoteStatus.PUBLISHED, rumours=rumour).order_by("published_at", "pk")
    for note in notes:
        already = Notification.objects.filter(
            recipient_id=report.author_id, kind=ANSWER_KIND, about_model=note._meta.label_lower, about_id=note.pk
        ).exists()
        if already:
            continue
        told += len(_tell_answered(note, targeted_people(note).filter(pk=report.author_id)) or [])
    return told


MAX_FILES_PER_NOTE = 5


@transaction.atomic
def note_attachment_add(*, note: GuidanceNote, uploaded_file, actor: User) -> NoteAttachment:
    """Attach a file to a draft note. The type is decided from the bytes (core.uploads, GUIDANCE_FILE);
    the file is stored under a random name and served only by the scoped view, as a download.
    Raises ValidationError for a refused file, a full note or a published note."""
    note = GuidanceNote.objects.select_for_update().get(pk=note.pk)
    if note.status != NoteStatus.DRAFT:
        raise ValidationError(_("A published note cannot be edited."))
    checked = files.check_upload(uploaded_file, files.GUIDANCE_FILE)
    if note.attachments.count() >= MAX_FILES_PER_NOTE:
        raise ValidationError(
            _("A note can have at most %(max)s files; remove one first.") % {"max": MAX_FILES_PER_NOTE}
        )
    return NoteAttachment.objects.create(
        note=note,
        file=uploaded_file,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )


@transaction.atomic
def note_attachment_remove(*, attachment: NoteAttachment) -> None:
    """Remove a file from a draft note; the stored file goes once the deletion is committed."""
    if attachment.note.status != NoteStatus.DRAFT:
        raise ValidationError(_("A published note cannot be edited."))
    stored = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: stored.storage.delete(stored.name))


def _receipt(note: GuidanceNote, person: User) -> Receipt:
    try:
        with transaction.atomic():
            receipt, _created = Receipt.objects.get_or_create(note=note, person=person)
    except IntegrityError:  # a concurrent tap created it first
        receipt = Receipt.objects.get(note=note, person=person)
    return receipt


def guidance_mark_read(*, note: GuidanceNote, person: User) -> None:
    """Record the first reading of a published note by a collaborator (others are not counted)."""
    if note.status != NoteStatus.PUBLISHED or person.role != Role.COLLABORATOR:
        return
    receipt = _receipt(note, person)
    if receipt.read_at is None:
        Receipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(read_at=timezone.now())


def guidance_acknowledge(*, note: GuidanceNote, person: User) -> Receipt:
    """One tap: read and acknowledged. A second tap changes nothing."""
    if note.status != NoteStatus.PUBLISHED:
        raise ValidationError(_("Only published guidance can be acknowledged."))
    receipt = _receipt(note, person)
    now = timezone.now()
    Receipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(read_at=now)
    Receipt.objects.filter(pk=receipt.pk, acknowledged_at__isnull=True).update(acknowledged_at=now)
    receipt.refresh_from_db()
    return receipt


def rumour_alerts() -> int:
    """Alert federation staff once per rumour that gained more than GUIDANCE_ALERT_SIGHTINGS sightings
    within GUIDANCE_ALERT_DAYS days across at least GUIDANCE_ALERT_UNITS units.

    The claim is the RumourAlert row (one per rumour): only the caller that creates it notifies.
    Returns the number of rumours alerted.
    """
    since = timezone.now() - timedelta(days=settings.GUIDANCE_ALERT_DAYS)
    spreading = (
        Report.objects.filter(rumour__isnull=False, submitted_at__gte=since)
        .exclude(status=ReportStatus.DRAFT)
        .exclude(rumour__guidance_alert__isnull=False)
        .values("rumour")
        .annotate(n=Count("pk"), units=Count("unit", distinct=True))
        .filter(n__gt=settings.GUIDANCE_ALERT_SIGHTINGS, units__gte=settings.GUIDANCE_ALERT_UNITS)
    )
    alerted = 0
    staff = federation_staff()
    for row in spreading:
        rumour = Rumour.objects.get(pk=row["rumour"])
        try:
            with transaction.atomic():
                RumourAlert.objects.create(rumour=rumour, sightings=row["n"], units=row["units"])
                notify_many(
                    recipients=staff,
                    about=rumour,
                    kind="guidance_alert",
                    subject=_("Rumour spreading: %(title)s") % {"title": rumour.title},
                    body=_("%(n)s sightings in %(units)s units in the last %(days)s days. Consider issuing guidance.")
                    % {"n": row["n"], "units": row["units"], "days": settings.GUIDANCE_ALERT_DAYS},
                    link=reverse("reports:rumour_detail", args=[rumour.pk]),
                )
        except IntegrityError:  # another run claimed this rumour
            continue
        alerted += 1
    return alerted


@transaction.atomic
def guidance_follow_merged_rumour(*, rumour, into) -> int:
    """The notes answering ``rumour`` (merged into ``into``) answer ``into`` as well; their link to
    ``rumour`` stays, so nothing is lost. Returns how many notes gained the link."""
    notes = list(GuidanceNote.objects.filter(rumours=rumour).exclude(rumours=into))
    for note in notes:
        note.rumours.add(into)
    return len(notes)
