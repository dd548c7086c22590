"""Adding attachments to a report: checked from the content, stored under a random name."""

import hashlib

from django.core.exceptions import PermissionDenied
from django.db import transaction

from collaborators.models import User
from core import uploads as files
from reports.models import Attachment, Report


def _digest(fileobj) -> str:
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(65536), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def _same_file_attached(report: Report, uploaded, name: str, size: int) -> Attachment | None:
    """An identical file already on the report (the same form sent twice), or None."""
    for attachment in report.attachments.filter(original_name=name, size=size):
        try:
            with attachment.file.open("rb") as stored:
                if _digest(stored) == _digest(uploaded):
                    return attachment
        except OSError:
            continue
    return None


@transaction.atomic
def attachment_add(*, report: Report, uploaded_file, actor: User) -> Attachment:
    """Attach an uploaded file to a report its author can still edit.

    The type is decided from the bytes (core.uploads, REPORT_ATTACHMENT); the file
    is stored under MEDIA_ROOT/attachments/<report>/<random> and served only
    through the scoped download view. An identical file already attached (a
    resent form) is not stored twice: the existing attachment is returned.
    Raises ValidationError (refused file, too many files) or PermissionDenied.
    """
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.author_id != actor.pk or not report.is_editable_by_author:
        raise PermissionDenied
    checked = files.check_upload(uploaded_file, files.REPORT_ATTACHMENT)
    existing = _same_file_attached(report, uploaded_file, checked.name, checked.size)
    if existing is not None:
        return existing
    files.check_count(existing=report.attachments.count(), adding=1)
    return Attachment.objects.create(
        report=report,
        file=uploaded_file,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
