"""Export jobs (every kind of Excel export: the roster's people, the review queue's reports): the roster's
Excel button, the job's page (polled while it is built) and its file, for the asker alone (404 otherwise)."""

from django.conf import settings
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from collaborators.access import STAFF_ROLES, get_visible_or_404, role_required
from collaborators.models.exports import ExportJob, ExportJobKind, ExportJobStatus
from collaborators.services.exports import export_job_progress, export_job_request, export_parameters
from collaborators.tasks import build_export_job
from core.downloads import file_download_response
from core.spreadsheets import XLSX_CONTENT_TYPE
from core.tasks import enqueue_on_commit
from privacy.models import ReadKind
from privacy.services import read_record


@role_required(*STAFF_ROLES)
@require_POST
def export_job_new(request):
    """The roster's Excel button: an export job of the people kind for the list as filtered (the same one
    again on a double click), then its page."""
    data = QueryDict(request.POST.get("query", "").replace("\r", "").replace("\n", ""), mutable=True)
    data.pop("page", None)
    query = data.urlencode()
    job, created = export_job_request(
        actor=request.user,
        kind=ExportJobKind.PEOPLE,
        parameters=export_parameters(data),
        language=translation.get_language() or "",
        # Only a query string is carried back, on the roster's own path: never a URL (no open redirect).
        return_path=f"{reverse('roster:person_list')}?{query}" if query else reverse("roster:person_list"),
    )
    if created:
        enqueue_on_commit(build_export_job, job.pk)
    return redirect("roster:export_job", pk=job.pk)


@role_required(*STAFF_ROLES)
@require_safe
@never_cache
def export_job_detail(request, pk):
    job = export_job_progress(get_visible_or_404(ExportJob.objects.all(), request.user, pk=pk))
    if request.headers.get("HX-Request"):
        template = "collaborators/_partials/export_job_progress.html"
    else:
        template = "collaborators/export_job.html"
    return render(request, template, {"job": job, "file_hours": settings.EXPORT_FILE_HOURS})


@role_required(*STAFF_ROLES)
@require_safe
@never_cache
def export_job_file(request, pk):
    job = get_visible_or_404(ExportJob.objects.all(), request.user, pk=pk)
    if job.status != ExportJobStatus.DONE or not job.file:
        raise Http404
    response = file_download_response(job.file, job.download_name, XLSX_CONTENT_TYPE)
    read_record(request=request, kind=ReadKind.EXPORT, obj=job, label=f"{job.record_kind}.xlsx")
    return response
