"""Roster import (admins, into their subtree) and the CSV export (staff and admins, their scope)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from collaborators import selectors
from collaborators.access import STAFF_ROLES, get_visible_or_404, role_required
from collaborators.filters import PeopleFilter
from collaborators.forms.imports import ImportUploadForm
from collaborators.models import Role
from collaborators.models.imports import ImportBatch, ImportStatus
from collaborators.services import imports as services
from collaborators.services.exports import export_parameters
from core.downloads import bytes_download_response, streaming_download_response
from core.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from privacy.models import ReadKind
from privacy.services import read_record

CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "csv": CSV_CONTENT_TYPE}


def _attachment(content: bytes, fmt: str, filename: str) -> HttpResponse:
    return bytes_download_response(content, filename, CONTENT_TYPES[fmt])


@role_required(Role.ADMIN)
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_preview(actor=request.user, uploaded_file=form.cleaned_data["file"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            if batch.ignored_columns:
                messages.info(
                    request,
                    _("These columns are not part of the template and were ignored: %(columns)s")
                    % {"columns": ", ".join(batch.ignored_columns)},
                )
            return redirect("roster:import_preview", pk=batch.pk)
    recent = ImportBatch.objects.visible_to(request.user).select_related("created_by", "unit")[:10]
    return render(request, "collaborators/import_upload.html", {"form": form, "recent": recent})


@role_required(Role.ADMIN)
@never_cache
def import_template(request, fmt):
    content = services.import_template(actor=request.user, file_format=fmt)
    return _attachment(content, fmt, f"mau-danh-sach-ctv.{fmt}")


@role_required(Role.ADMIN)
@never_cache
def import_preview(request, pk):
    batch = get_visible_or_404(ImportBatch.objects.select_related("created_by", "unit"), request.user, pk=pk)
    if request.method == "POST" and request.POST.get("action") == "discard":
        if services.import_discard(actor=request.user, batch=batch):
            messages.success(request, _("The file has been discarded; nothing was imported."))
        return redirect("roster:import_upload")
    only_errors = request.GET.get("errors") == "1"
    rows = services.import_rows_for_display(batch, viewer=request.user, only_errors=only_errors)
    return render(
        request,
        "collaborators/import_preview.html",
        {
            "batch": batch,
            "rows": rows,
            "only_errors": only_errors,
            "statuses": ImportStatus,
            "valid_count": batch.row_count - batch.error_count,
            "column_labels": list(services.COLUMN_LABELS.values()),
        },
    )


@role_required(Role.ADMIN)
@require_POST
def import_confirm(request, pk):
    batch = get_visible_or_404(ImportBatch, request.user, pk=pk)
    try:
        created = services.import_confirm(actor=request.user, batch=batch)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if created:
            messages.success(
                request,
                ngettext(
                    "%(count)s person has been added to the roster.",
                    "%(count)s people have been added to the roster.",
                    created,
                )
                % {"count": created},
            )
        else:
            messages.info(request, _("This file has already been imported."))
    return redirect("roster:import_preview", pk=batch.pk)


@role_required(*STAFF_ROLES)
@never_cache
def export(request, fmt):
    """The roster's CSV, streamed while the people are read: the first bytes at once, flat memory. (The
    Excel file is an export job: ``collaborators.views.exports.export_job_new``.)"""
    people = PeopleFilter(request.GET or None, queryset=selectors.people_visible_to(request.user), user=request.user)
    parameters = export_parameters(request.GET)
    filename = services.export_filename("danh-sach-ctv", fmt)
    chunks = services.roster_export_stream(actor=request.user, people=people.qs, parameters=parameters)
    response = streaming_download_response(chunks, filename, CONTENT_TYPES[fmt])
    read_record(request=request, kind=ReadKind.EXPORT, label=f"roster.{fmt}")
    return response
