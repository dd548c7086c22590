"""Guidance pages: the library, a note (read, acknowledge, reach), writing and publishing, the effect,
and a collaborator's answered reports. Every note goes through ``visible_to``: out of scope is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collaborators.access import (
    STAFF_ROLES,
    Role,
    get_manageable_or_404,
    get_visible_or_404,
    is_staff_or_admin,
    role_required,
)
from core.downloads import file_download_response
from core.history import history_entries
from core.ids import parse_id
from guidance import selectors, services
from guidance.forms import GuidanceNoteForm
from guidance.models import GuidanceNote, NoteAttachment, NoteStatus
from privacy.models import ReadKind
from privacy.services import read_record

# Pages for everyone with a role; a staff or admin account without a unit has no scope: 404.
EVERY_ROLE = (Role.COLLABORATOR, *STAFF_ROLES)
PAGE_SIZE = 30


@role_required(*EVERY_ROLE)
def note_list(request):
    query = request.GET.get("q", "").strip()
    rumour = parse_id(request.GET.get("rumour"))
    notes = selectors.library(request.user, query=query, rumour_id=rumour)
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "guidance/note_list.html",
        {
            "page": page,
            "q": query,
            "rumour": rumour or "",
            "query_string": params.urlencode(),
            "is_staff": is_staff_or_admin(request.user),
        },
    )


@role_required(*EVERY_ROLE)
def note_detail(request, pk):
    note = get_visible_or_404(
        GuidanceNote.objects.select_related("author", "author_unit", "topic", "focus_policy"), request.user, pk=pk
    )
    services.guidance_mark_read(note=note, person=request.user)
    # Staff of the unit that wrote a note, or above it, manage it (edit, publish, see its reach and effect).
    manage = GuidanceNote.objects.manageable_by(request.user).filter(pk=note.pk).exists()
    receipt = note.receipts.filter(person=request.user).first()
    context = {
        "note": note,
        "manage": manage,
        "receipt": receipt,
        "targets": note.target_units.all(),
        "files": note.attachments.all(),
        "rumours": selectors.note_rumours_for(note, request.user),
        "questions": selectors.note_questions_for(note, request.user) if manage else [],
        "reach": selectors.reach(note) if manage and note.status == NoteStatus.PUBLISHED else None,
        "is_staff": is_staff_or_admin(request.user),
    }
    return render(request, "guidance/note_detail.html", context)


def _save(request, note=None):
    initial = GuidanceNoteForm.initial_from(note) if note else {}
    if "rumour" in request.GET and note is None:
        initial["rumours"] = request.GET.getlist("rumour")
    form = GuidanceNoteForm(
        request.POST or None,
        request.FILES or None,
        author=request.user,
        initial=initial,
        existing_files=note.attachments.count() if note else 0,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                note = services.guidance_save(author=request.user, data=form.cleaned_data, note=note)
                for uploaded in form.cleaned_data["attachments"]:
                    services.note_attachment_add(note=note, uploaded_file=uploaded, actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if note.publish_at:
                messages.success(request, _("Draft saved. It will be published and sent at the time you set."))
            else:
                messages.success(request, _("Draft saved. Check it, then publish it."))
            return redirect("guidance:detail", pk=note.pk)
    files = list(note.attachments.all()) if note else []
    return render(request, "guidance/note_form.html", {"form": form, "note": note, "files": files})


@role_required(*STAFF_ROLES)
def note_new(request):
    return _save(request)


def _managed_or_404(request, pk):
    return get_manageable_or_404(GuidanceNote.objects.select_related("author_unit"), request.user, pk=pk)


@role_required(*STAFF_ROLES)
def note_edit(request, pk):
    note = _managed_or_404(request, pk)
    if note.status != NoteStatus.DRAFT:
        messages.error(request, _("A published note cannot be edited."))
        return redirect("guidance:detail", pk=note.pk)
    return _save(request, note)


@require_POST
@role_required(*STAFF_ROLES)
def note_publish(request, pk):
    note = _managed_or_404(request, pk)
    try:
        services.guidance_publish(actor=request.user, note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Published: the targeted collaborators and the reporters it answers are notified."))
    return redirect("guidance:detail", pk=note.pk)


@require_POST
@role_required(*EVERY_ROLE)
def note_acknowledge(request, pk):
    note = get_visible_or_404(GuidanceNote, request.user, pk=pk)
    try:
        services.guidance_acknowledge(note=note, person=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you: your acknowledgement is recorded."))
    return redirect("guidance:detail", pk=note.pk)


@role_required(*STAFF_ROLES)
def note_effect(request, pk):
    note = _managed_or_404(request, pk)
    effect = selectors.effect(note)
    if effect:
        rows = effect["rows"]
        effect["chart"] = {
            "labels": [row["day"].strftime("%d/%m") for row in rows],
            "series": [
                {"label": _("Sightings"), "data": [row["sightings"] for row in rows]},
                {"label": _("Reports"), "data": [row["reports"] for row in rows]},
                {"label": _("New units"), "data": [row["new_units"] for row in rows]},
            ],
            "published": rows.index(next(row for row in rows if row["offset"] == 0)),
        }
    rumours = selectors.note_rumours_for(note, request.user)
    return render(request, "guidance/note_effect.html", {"note": note, "effect": effect, "rumours": rumours})


@role_required(*EVERY_ROLE)
def my_answers(request):
    return render(request, "guidance/my_answers.html", {"answers": selectors.answers_for(request.user)})


@role_required(*EVERY_ROLE)
@require_GET
def note_file(request, pk, file_pk):
    """A note's file, only to those who may see the note (a scheduled draft is not visible to collaborators);
    always a download, never rendered."""
    note = get_visible_or_404(GuidanceNote, request.user, pk=pk)
    attachment = get_object_or_404(NoteAttachment, pk=file_pk, note=note)
    read_record(request=request, kind=ReadKind.EXPORT, obj=attachment, label=attachment.original_name)
    return file_download_response(attachment.file, attachment.original_name, attachment.content_type)


@require_POST
@role_required(*STAFF_ROLES)
def note_file_remove(request, pk, file_pk):
    note = _managed_or_404(request, pk)
    attachment = get_object_or_404(NoteAttachment.objects.select_related("note"), pk=file_pk, note=note)
    try:
        services.note_attachment_remove(attachment=attachment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("File removed."))
    return redirect("guidance:edit", pk=note.pk)


@role_required(*STAFF_ROLES)
@require_GET
def note_history(request, pk):
    """Every change to a note (drafts, edits, publication), for the staff who may change it."""
    note = _managed_or_404(request, pk)
    return render(
        request,
        "history.html",
        {
            "title": note.title,
            "back_url": reverse("guidance:detail", args=[note.pk]),
            "back_label": note.title,
            "entries": history_entries(note.history.all()),
        },
    )
