"""The reports app's part of the retention rules (``privacy.signals.retention_due``).

A report past its retention is anonymised, not deleted: its author is detached and its free text (content,
place, group concerned, the notes of its timeline) blanked, in the report and in its history; its unit,
topic, status, dates, rumour and the structured answers stay, so the counters (``UnitReportCount``,
``RumourUnitCount``, kept by triggers on status, unit and rumour, which this does not touch), the monthly
tallies and issued summaries do not move. Its attachments are deleted. An attachment past its own
retention is deleted (file and row) even while its report is kept.
"""

from django.utils import timezone

from core.files import files_delete
from core.text import fold
from reports.models import Attachment, Report, ReportEvent

REPORTS = "reports"
ATTACHMENTS = "attachments"
_BLANKED = {"content": "", "place": "", "group_concerned": ""}
_BATCH = 500


def _reports_anonymise(expired) -> int:
    count = 0
    now = timezone.now()
    ids = list(expired.values_list("pk", flat=True))
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        reports = Report.objects.filter(pk__in=batch)
        authors = dict(reports.values_list("pk", "author_id"))
        for report_id, author_id in authors.items():
            ReportEvent.objects.filter(report_id=report_id, actor_id=author_id).update(actor=None)
        ReportEvent.objects.filter(report_id__in=batch).update(note="")
        Report.history.filter(id__in=batch).update(author=None, **_BLANKED)
        for report_id, title in reports.values_list("pk", "title"):
            Report.objects.filter(pk=report_id).update(
                author=None, anonymised_at=now, search_text=fold(title), **_BLANKED
            )
        count += len(batch)
    return count


def reports_retention(*, cutoffs: dict, apply: bool) -> dict:
    """{kind: count} of the reports to anonymise and the attachments to delete (done when ``apply``)."""
    counts = {}
    expired = None
    if REPORTS in cutoffs:
        expired = Report.objects.filter(created_at__lt=cutoffs[REPORTS], anonymised_at__isnull=True)
    files = Attachment.objects.none()
    if ATTACHMENTS in cutoffs:
        files = Attachment.objects.filter(created_at__lt=cutoffs[ATTACHMENTS])
    if expired is not None:
        files = files | Attachment.objects.filter(report__in=expired.values("pk"))
    files = Attachment.objects.filter(pk__in=files.values("pk"))
    if not apply:
        counts[ATTACHMENTS] = files.count()
        if expired is not None:
            counts[REPORTS] = expired.count()
        return counts
    counts[ATTACHMENTS] = files_delete(files)
    if expired is not None:
        counts[REPORTS] = _reports_anonymise(expired)
    return counts
