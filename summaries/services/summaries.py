"""The summaries' workflow: schedule → compile (Celery, claimed) → edit → approve → issue (files, outbox)."""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from collaborators.access import require_cover
from collaborators.models import Role, Unit, UnitKind, User
from core.text import strip_emoji
from notifications.services import notify_address, notify_many
from summaries.documents import render_docx, render_xlsx
from summaries.models import (
    ADDRESS,
    SECTION_KEYS,
    PeriodKind,
    ReportingPeriod,
    Summary,
    SummaryStatus,
    UnitMonthTally,
    section_headings,
)
from summaries.services.compile import compile_delay, draft_sections, placeholder_sections, summary_figures

logger = logging.getLogger(__name__)

EDITABLE = (SummaryStatus.COMPILED, SummaryStatus.EDITED, SummaryStatus.APPROVED, SummaryStatus.FAILED)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_staff_in_scope(actor: User, summary: Summary) -> None:
    """A summary speaks for its whole scope: only staff whose scope covers that unit act on it (else 404)."""
    require_cover(actor, [summary.scope])


def _default_addressing(scope: Unit) -> dict:
    """Who a new summary is addressed to: the city's bodies (settings) or, for a union, the unit above it."""
    parent = Unit.objects.get_parent(scope)
    addressed_to = "\n".join(settings.SUMMARY_CITY_ADDRESSED_TO) if parent is None else parent.name
    return {
        "addressed_to": addressed_to,
        "recipients": "\n".join([*(addressed_to.splitlines()), _("Filed: office")]),
        "signer_title": _("Chair"),
    }


def summary_schedule(*, scope: Unit, period: ReportingPeriod) -> tuple[Summary, bool]:
    """The summary of a scope for a period (version 1), created pending if missing. Idempotent under races."""
    try:
        with transaction.atomic():
            return Summary.objects.get_or_create(
                scope=scope,
                kind=period.kind,
                period=period,
                version=1,
                defaults={"status": SummaryStatus.PENDING, **_default_addressing(scope)},
            )
    except IntegrityError:  # a concurrent run created it first
        return Summary.objects.get(scope=scope, kind=period.kind, period=period, version=1), False


def _scopes_with_activity(period: ReportingPeriod) -> list[Unit]:
    """The city federation(s) and every union (depth 2) with reports in the period."""
    roots = list(Unit.objects.filter(depth=1))
    if period.kind == PeriodKind.MONTHLY:
        ids = (
            UnitMonthTally.objects.filter(month=period.month, unit__depth=2, total__gt=0)
            .values_list("unit_id", flat=True)
            .distinct()
        )
        return roots + list(Unit.objects.filter(pk__in=list(ids)).order_by("path"))
    from reports.models import Report
    from summaries.services.compile import _range

    start, end = _range(period)
    prefixes = set(
        Report.objects.filter(first_submitted_at__gte=start, first_submitted_at__lt=end)
        .exclude(status="draft")
        .values_list("unit__path", flat=True)
        .distinct()
    )
    paths = {p[: Unit.steplen * 2] for p in prefixes if len(p) >= Unit.steplen * 2}
    return roots + list(Unit.objects.filter(path__in=paths).order_by("path"))


def summaries_schedule_due(*, kind: str, today=None) -> list[int]:
    """Create (once) the summaries of the last period; return the ids of those waiting to be compiled, which
    the daily task queues (``summaries.tasks``: the tasks call the services, so the services do not queue).

    Weekly: last week's, from the Monday after it. Monthly: the period that ended last, once the unions'
    review deadline has passed (SUMMARY_REVIEW_DUE_DAY), so the figures include their reviews and staff
    have the days before SUMMARY_CITY_DUE_DAY to edit and issue it; "compile now" is there before that.
    Two runs find the same rows: nothing is duplicated, and a summary already compiled is not compiled again.
    """
    today = today or timezone.localdate()
    if kind == PeriodKind.WEEKLY:
        period = ReportingPeriod.objects.week_of(today - timedelta(days=7))
    else:
        period = ReportingPeriod.objects.month_of(today).previous()
        if today <= period.reviews_due_on:
            return []
    queued = []
    for scope in _scopes_with_activity(period):
        summary, _created = summary_schedule(scope=scope, period=period)
        if summary.status == SummaryStatus.PENDING:
            queued.append(summary.pk)
    return queued


# How long a summary may wait in "pending" for its queued compile to start before it counts as stalled
# (never queued because the broker was down, or its message lost).
PENDING_GRACE = timedelta(minutes=1)


def _stalled(now) -> Q:
    """Compiles that should be running and are not: pending past their grace (a pending summary's
    ``claimed_until`` is the end of its grace; the schedule's new rows count from their creation), or
    compiling past their lease (the worker was lost mid-compile)."""
    return Q(status__in=[SummaryStatus.PENDING, SummaryStatus.COMPILING], claimed_until__lt=now) | Q(
        status=SummaryStatus.PENDING, claimed_until__isnull=True, created_at__lt=now - PENDING_GRACE
    )


def summaries_resume() -> list[int]:
    """The compiles to queue again (``resume_compiles``, every few minutes): the stalled ones."""
    stalled = Summary.objects.filter(_stalled(timezone.now())).order_by("pk")
    return list(stalled.values_list("pk", flat=True)[:200])


def summary_is_stalled(*, summary: Summary) -> bool:
    """Whether this summary's compile has stalled, by the same rule as ``summaries_resume``."""
    return Summary.objects.filter(pk=summary.pk).filter(_stalled(timezone.now())).exists()


def summary_claim(*, summary_id: int) -> bool:
    """Take the compile of one summary; only one worker holds it until the claim lapses."""
    now = timezone.now()
    claimed = (
        Summary.objects.filter(pk=summary_id)
        .filter(Q(status=SummaryStatus.PENDING) | Q(status=SummaryStatus.COMPILING, claimed_until__lt=now))
        .update(
            status=SummaryStatus.COMPILING,
            claimed_until=now + timedelta(seconds=settings.SUMMARY_COMPILE_LEASE_SECONDS),
            attempts=F("attempts") + 1,
            progress=0,
        )
    )
    return claimed == 1


def summary_claim_remaining(*, summary_id: int) -> float | None:
    """Seconds until another worker's claim lapses, or None when there is nothing left to compile."""
    summary = Summary.objects.filter(pk=summary_id).values("status", "claimed_until").first()
    if not summary or summary["status"] != SummaryStatus.COMPILING or summary["claimed_until"] is None:
        return None
    return max((summary["claimed_until"] - timezone.now()).total_seconds(), 0.0)


def summary_compile(*, summary_id: int) -> bool:
    """Compile one summary if this call can claim it. Returns True when it compiled it.

    The figures are replaced; sections that staff have edited are kept, the others redrafted.
    """
    if not summary_claim(summary_id=summary_id):
        return False
    summary = Summary.objects.select_related("scope", "period").get(pk=summary_id)
    steps = [0]

    def progress():
        steps[0] += 1
        Summary.objects.filter(pk=summary_id).update(progress=min(95, steps[0] * 12))

    if summary.attempts == 1 and compile_delay():
        time.sleep(compile_delay())
    try:
        with translation.override(settings.LANGUAGE_CODE):
            figures = summary_figures(summary, progress)
            drafts = draft_sections(figures)
    except Exception as exc:
        Summary.objects.filter(pk=summary_id).update(
            status=SummaryStatus.FAILED, claimed_until=None, last_error=str(exc)[:500]
        )
        logger.exception("Compiling summary %s failed", summary_id)
        return False
    with transaction.atomic():
        summary = Summary.objects.select_for_update().get(pk=summary_id)
        if summary.status != SummaryStatus.COMPILING:
            return False
        sections = {key: drafts[key] for key in SECTION_KEYS}
        for key in summary.edited_sections:
            if key in summary.sections:
                sections[key] = summary.sections[key]
        summary.statistics = figures
        summary.sections = sections
        summary.status = SummaryStatus.EDITED if summary.edited_sections else SummaryStatus.COMPILED
        summary.compiled_at = timezone.now()
        summary.claimed_until = None
        summary.progress = 100
        summary.last_error = ""
        summary._change_reason = _("Compiled from the data.")
        summary.save()
    return True


@transaction.atomic
def summary_request_compile(*, actor: User, summary: Summary) -> Summary:
    """ "Compile now" or "compile again": the summary is left pending for the view to queue its compile; the
    page shows progress. Pressed again on a pending summary, or on one whose compile was lost, it is
    pending again and queued again (the compile's claim keeps it from running twice); a compile in
    progress within its lease is left alone."""
    _require_staff_in_scope(actor, summary)
    summary = Summary.objects.select_for_update().get(pk=summary.pk)
    if summary.status in (SummaryStatus.APPROVED, SummaryStatus.ISSUED):
        raise ValidationError(_("An approved or issued summary is not compiled again; issue a correction instead."))
    if summary.status == SummaryStatus.COMPILING and summary.claimed_until and summary.claimed_until > timezone.now():
        return summary
    summary.status = SummaryStatus.PENDING
    summary.claimed_until = timezone.now() + PENDING_GRACE  # the grace of this request (see _stalled)
    summary.progress = 0
    summary._change_reason = _("Compile requested.")
    summary.save()
    return summary


@transaction.atomic
def summary_compile_new(*, actor: User, scope: Unit, kind: str, period: ReportingPeriod) -> Summary:
    require_cover(actor, [scope])
    summary, created = summary_schedule(scope=scope, period=period)
    if created:
        return summary
    if summary.status in (SummaryStatus.APPROVED, SummaryStatus.ISSUED):
        return summary
    return summary_request_compile(actor=actor, summary=summary)


def _clean_lines(text: str) -> str:
    return "\n".join(line.strip() for line in (text or "").splitlines() if line.strip())


def recipient_addresses(summary: Summary) -> list[tuple[str, str]]:
    """(name, e-mail) of the recipients written with an address."""
    result = []
    for line in _clean_lines(summary.recipients).splitlines():
        match = ADDRESS.search(line)
        if match:
            result.append((line[: match.start()].strip(), match.group(1)))
    return result


@transaction.atomic
def summary_edit(*, actor: User, summary: Summary, sections: dict, fields: dict) -> Summary:
    """Save staff's text. Editing an approved summary withdraws the approval."""
    from django.core.validators import validate_email

    _require_staff_in_scope(actor, summary)
    summary = Summary.objects.select_for_update().get(pk=summary.pk)
    if summary.status not in EDITABLE:
        if summary.status == SummaryStatus.ISSUED:
            raise ValidationError(_("An issued summary cannot be changed; issue a correction instead."))
        raise ValidationError(_("The summary is being compiled; edit it when the compile has finished."))
    for line in _clean_lines(fields.get("recipients", "")).splitlines():
        match = ADDRESS.search(line)
        if "@" in line and not match:
            raise ValidationError(
                _('Write the address in angle brackets after the name, e.g. "Ban Tuyên giáo <btg@example.vn>": %s')
                % line
            )
        if match:
            try:
                validate_email(match.group(1))
            except ValidationError:
                raise ValidationError(_("This e-mail address is not valid: %s") % match.group(1)) from None
    changed = [key for key in SECTION_KEYS if key in sections and sections[key] != summary.sections.get(key)]
    summary.sections = {**summary.sections, **{key: sections[key] for key in SECTION_KEYS if key in sections}}
    summary.edited_sections = sorted(set(summary.edited_sections) | set(changed))
    for name in ("number", "signer_title", "signer_name"):
        if name in fields:
            setattr(summary, name, fields[name].strip())
    for name in ("addressed_to", "recipients"):
        if name in fields:
            setattr(summary, name, _clean_lines(fields[name]))
    summary.status = SummaryStatus.EDITED
    summary.approved_by, summary.approved_at = None, None
    summary._change_reason = _("Edited.")
    summary._history_user = actor
    summary.save()
    return summary


def _refuse_placeholders(summary: Summary) -> None:
    """A section still holding the draft's "to be written by staff" text cannot go out."""
    waiting = placeholder_sections(summary.sections)
    if waiting:
        headings = section_headings()
        raise ValidationError(
            _("Write these sections before approving; they still hold the draft's placeholder: %(sections)s.")
            % {"sections": ", ".join(str(headings[key]) for key in SECTION_KEYS if key in waiting)},
            code="placeholder",
        )


def summary_period_open(summary: Summary) -> bool:
    """Whether the summary's period has not closed yet (its figures would still grow)."""
    return timezone.localdate() <= summary.period.ends_on


def _is_filing_line(line: str) -> bool:
    """The "Filed: office" line closes the recipients' list; it is the issuer's own copy, never sent."""
    with translation.override(settings.LANGUAGE_CODE):
        labels = {_("Filed: office"), "Filed: office"}
    return line.strip().rstrip(";.").strip().casefold() in {label.casefold() for label in labels}


def recipient_delivery(summary: Summary) -> dict:
    """Who the issued files go to: ``sent`` (name, address) and ``unsent``, the recipients written
    without an address (who get nothing by e-mail); the filing line is neither."""
    sent, unsent = [], []
    for line in _clean_lines(summary.recipients).splitlines():
        match = ADDRESS.search(line)
        if match:
            sent.append((line[: match.start()].strip(), match.group(1)))
        elif not _is_filing_line(line):
            unsent.append(line.rstrip(";.").strip())
    return {"sent": sent, "unsent": unsent}


@transaction.atomic
def summary_approve(*, actor: User, summary: Summary) -> Summary:
    _require_staff_in_scope(actor, summary)
    summary = Summary.objects.select_for_update().get(pk=summary.pk)
    if summary.status not in (SummaryStatus.COMPILED, SummaryStatus.EDITED):
        raise ValidationError(_("Only a compiled or edited summary can be approved."))
    _refuse_placeholders(summary)
    summary.status = SummaryStatus.APPROVED
    summary.approved_by, summary.approved_at = actor, timezone.now()
    summary._change_reason = _("Approved.")
    summary._history_user = actor
    summary.save()
    return summary


# The issuing body's abbreviation in a document's symbol (Decree 30/2020: "12/BC-LĐLĐ"), by kind of union,
# in Vietnamese letters whatever the unit's code is written with.
ISSUER_ABBREVIATIONS = {
    UnitKind.CITY_FEDERATION: "LĐLĐ",
    UnitKind.DISTRICT_FEDERATION: "LĐLĐ",
    UnitKind.COMMUNE_WARD: "CĐ",
    UnitKind.INDUSTRIAL_PARK: "CĐKCN",
    UnitKind.CORPORATION_SECTOR: "CĐ",
    UnitKind.GRASSROOTS: "CĐCS",
}


def document_symbol(scope: Unit) -> str:
    """The symbol of a summary issued by ``scope``: the report's type and the issuing body ("BC-LĐLĐ")."""
    return f"BC-{ISSUER_ABBREVIATIONS.get(scope.kind, 'CĐ')}"


def _next_number(summary: Summary) -> str:
    year = timezone.localdate().year
    issued = Summary.objects.filter(scope=summary.scope, status=SummaryStatus.ISSUED, issued_at__year=year).count()
    return f"{issued + 1}/{document_symbol(summary.scope)}"


def _staff_of(units) -> list[User]:
    return list(User.objects.filter(unit__in=units, role__in=[Role.STAFF, Role.ADMIN], is_active=True).order_by("pk"))


@transaction.atomic
def summary_issue(*, actor: User, summary: Summary, period_open_confirmed: bool = False) -> Summary:
    """Issue an approved summary: number it, write its DOCX and XLSX, send them to the recipients with an
    address (``recipient_delivery`` says who got them); it is frozen afterwards. Emoji are taken out of
    its text. A summary whose period has not closed is issued only with ``period_open_confirmed``."""
    from summaries.documents.content import document_content

    _require_staff_in_scope(actor, summary)
    summary = Summary.objects.select_for_update().select_related("scope", "period").get(pk=summary.pk)
    if summary.status != SummaryStatus.APPROVED:
        raise ValidationError(_("Only an approved summary can be issued."))
    _refuse_placeholders(summary)
    if summary_period_open(summary) and not period_open_confirmed:
        raise ValidationError(
            _("The period of this summary closes on %(date)s; confirm to issue it before then.")
            % {"date": summary.period.ends_on.strftime("%d/%m/%Y")},
            code="period_open",
        )
    summary.sections = {key: strip_emoji(text) for key, text in summary.sections.items()}
    for name in ("addressed_to", "recipients", "signer_title", "signer_name"):
        setattr(summary, name, strip_emoji(getattr(summary, name)))
    summary.number = summary.number or _next_number(summary)
    summary.issued_by, summary.issued_at = actor, timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        content = document_content(summary)
        name = f"bao-cao-{summary.scope.code.lower()}-{summary.period.month:%Y-%m}-v{summary.version}"
        docx, xlsx = render_docx(content), render_xlsx(content)
        summary.docx.save(f"{name}.docx", ContentFile(docx), save=False)
        summary.xlsx.save(f"{name}.xlsx", ContentFile(xlsx), save=False)
        summary.status = SummaryStatus.ISSUED
        summary._change_reason = _("Issued as %(number)s.") % {"number": summary.number}
        summary._history_user = actor
        summary.save()
        subject = _("Summary %(number)s issued: %(title)s") % {"number": summary.number, "title": content["title"]}
        link = f"/summaries/{summary.pk}/"
        parent = Unit.objects.get_parent(summary.scope)
        # The staff of the summary's unit and of the unit above (who receive it); the outbox keeps
        # only those who can open it.
        notify_many(
            recipients=[p for p in _staff_of([summary.scope] + ([parent] if parent else [])) if p.pk != actor.pk],
            about=summary,
            kind="summary_issued",
            subject=subject,
            link=link,
        )
        files = [(f"{name}.docx", docx, DOCX_TYPE), (f"{name}.xlsx", xlsx, XLSX_TYPE)]
        body = _("Please find attached %(title)s (%(number)s, issued on %(date)s).") % {
            "title": content["title"],
            "number": summary.number,
            "date": formats.date_format(timezone.localdate(summary.issued_at), "d/m/Y"),
        }
        for _name, address in recipient_addresses(summary):
            notify_address(email=address, kind="summary_issued", subject=subject, body=body, attachments=files)
    return summary


@transaction.atomic
def summary_correct(*, actor: User, summary: Summary) -> Summary:
    """Start a correction of an issued summary: the next version, recompiled, with the same text to edit."""
    _require_staff_in_scope(actor, summary)
    summary = Summary.objects.select_for_update().get(pk=summary.pk)
    if summary.status != SummaryStatus.ISSUED:
        raise ValidationError(_("Only an issued summary is corrected by a new version."))
    existing = Summary.objects.filter(corrects=summary).first()
    if existing:
        return existing
    correction = Summary.objects.create(
        scope=summary.scope,
        kind=summary.kind,
        period=summary.period,
        version=summary.version + 1,
        corrects=summary,
        status=SummaryStatus.PENDING,
        sections=summary.sections,
        edited_sections=list(summary.sections),
        addressed_to=summary.addressed_to,
        recipients=summary.recipients,
        signer_title=summary.signer_title,
        signer_name=summary.signer_name,
    )
    return correction
