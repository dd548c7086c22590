"""Demo summaries for `seed_demo`: the tallies counted, compiled monthly summaries for the last three
months (the city and the demo union), and the latest city summary issued with its DOCX and XLSX.
Called last (settings.DEMO_SEEDERS), after the reports exist.

Idempotent: the tallies are recounted from the reports (the demo loads reports in bulk, past the
per-report receiver); summaries exist once per (unit, kind, period); issuing happens once. Nobody
outside is e-mailed: the demo summaries list no e-mail addresses.
"""

from django.db import transaction
from django.utils import timezone

from collaborators.models import Unit, User
from core.periods import period_month
from summaries.models import ReportingPeriod, SummaryStatus
from summaries.selectors import month_add
from summaries.services.summaries import summary_approve, summary_compile, summary_edit, summary_issue, summary_schedule
from summaries.services.tallies import tallies_rebuild

OUTLOOK = (
    "Tâm trạng công nhân, viên chức, lao động cơ bản ổn định. Dự báo thời gian tới dư luận tiếp tục quan tâm "
    "việc sắp xếp tổ chức bộ máy, tiền lương và thưởng cuối năm; cần theo dõi sát các doanh nghiệp chậm trả lương."
)


def seed() -> str:
    counted = tallies_rebuild()
    city = Unit.objects.filter(depth=1).order_by("path").first()
    staff = User.objects.filter(username="staff").first()
    unitstaff = User.objects.filter(username="unitstaff").first()
    if city is None or staff is None:
        return f"Summaries: {counted} reports counted; no summaries (run the roster seed first)."
    this_month = period_month(timezone.localdate())  # the reporting month in progress
    scopes = [city] + ([unitstaff.unit] if unitstaff and unitstaff.unit_id else [])
    compiled = 0
    for offset in (3, 2, 1):
        period = ReportingPeriod.objects.month_of(month_add(this_month, -offset))
        for scope in scopes:
            summary, _created = summary_schedule(scope=scope, period=period)
            if summary.status in (SummaryStatus.PENDING, SummaryStatus.COMPILING, SummaryStatus.FAILED):
                summary.__class__.objects.filter(pk=summary.pk).update(status=SummaryStatus.PENDING)
                compiled += int(summary_compile(summary_id=summary.pk))
    latest = ReportingPeriod.objects.month_of(month_add(this_month, -1))
    city_summary = latest.summaries.filter(scope=city, version=1).first()
    issued = ""
    if city_summary and city_summary.status in (SummaryStatus.COMPILED, SummaryStatus.EDITED):
        with transaction.atomic():
            city_summary = summary_edit(
                actor=staff,
                summary=city_summary,
                sections={"outlook": OUTLOOK},
                fields={"signer_name": "Nguyễn Thị Hồng Nhung", "signer_title": "Phó Chủ tịch"},
            )
            city_summary = summary_approve(actor=staff, summary=city_summary)
            city_summary = summary_issue(actor=staff, summary=city_summary)
        issued = f"; issued {city_summary.number}"
    return f"Summaries: {counted} reports counted into the tallies; {compiled} summaries compiled{issued}."
