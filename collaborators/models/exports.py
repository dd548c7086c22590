"""Exports built in the background: one job model for every large export (the review queue's reports, the
roster's people).

Imported into ``collaborators.models`` (last line there), so Django sees the model as part of the app.
A job names its ``kind``; the app that owns that kind supplies the rows when the job is built (the
``export_job_source`` signal), so this app holds the job, the task, the page and the file without
importing the apps above it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from collaborators.access import ScopedQuerySet


class ExportJobKind(models.TextChoices):
    REPORTS = "reports", _("Opinion reports")
    PEOPLE = "people", _("Collaborator roster")


class ExportJobStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("export job", "Waiting")
    RUNNING = "running", pgettext_lazy("export job", "Being built")
    DONE = "done", pgettext_lazy("export job", "Ready")
    FAILED = "failed", pgettext_lazy("export job", "Failed")


# The file's name (what the download is called) and the export record's kind, per kind of job.
FILE_STEMS = {ExportJobKind.REPORTS: "bao-cao", ExportJobKind.PEOPLE: "danh-sach-ctv"}
RECORD_KINDS = {ExportJobKind.REPORTS: "reports", ExportJobKind.PEOPLE: "roster"}


class ExportJobQuerySet(ScopedQuerySet):
    """An export job is its asker's alone, whatever their role: nobody else sees or downloads it."""

    unit_path = None
    owner = "requested_by"

    def for_superuser(self, user):
        return self.filter(requested_by=user)

    def for_staff(self, user, unit):
        return self.filter(requested_by=user)

    def pending(self):
        return self.filter(status__in=(ExportJobStatus.PENDING, ExportJobStatus.RUNNING))


def export_job_path(instance, filename):
    return f"exports/{instance.requested_by_id}/{filename}"


class ExportJob(models.Model):
    """An XLSX export built in the background: what (``kind``), who asked, the filters as given (the rows
    are the asker's scope when it is built), the language, progress and the finished file."""

    kind = models.CharField(_("what"), max_length=16, choices=ExportJobKind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("asked by")
    )
    parameters = models.JSONField(_("filters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    # The list the asker came from, with its filters (a path this app or the kind's app built).
    return_path = models.CharField(_("asked from"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ExportJobStatus.choices, default="pending")
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=export_job_path, max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="exportjob_status_created_idx")]

    def __str__(self):
        return f"XLSX {self.pk} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == ExportJobStatus.DONE else 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def record_kind(self) -> str:
        return RECORD_KINDS[self.kind]

    @property
    def download_name(self) -> str:
        return f"{FILE_STEMS[self.kind]}-{self.created_at:%Y-%m-%d}.xlsx"
