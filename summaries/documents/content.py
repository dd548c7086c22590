"""The document of an issued summary: its wording and tables, in the active language, for documents.py."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from collaborators.models import Unit
from reports.models import Direction, ReportKind, ReportStatus
from summaries.models import ADDRESS, PeriodKind, numbered_sections, partial_until

SECTION_TABLES = {
    "mood": ["by_kind", "directions"],
    "opinion": ["by_topic"],
    "rumours": ["rumours"],
    "activity": ["network", "trainings"],
}


def period_title(summary) -> str:
    period = summary.period
    if period.kind == PeriodKind.MONTHLY:
        when = _("month %(month)d/%(year)d") % {"month": period.month.month, "year": period.month.year}
    else:
        when = _("from %(start)s to %(end)s") % {
            "start": period.starts_on.strftime("%d/%m/%Y"),
            "end": period.ends_on.strftime("%d/%m/%Y"),
        }
    return _("The thinking of workers, public employees and labourers, and public opinion, %(when)s") % {"when": when}


def _place_date(moment) -> str:
    day = timezone.localdate(moment)
    return _("%(place)s, day %(day)02d month %(month)02d year %(year)d") % {
        "place": settings.SUMMARY_PLACE,
        "day": day.day,
        "month": day.month,
        "year": day.year,
    }


def tables(figures: dict) -> dict:
    totals = figures["totals"]
    kinds = dict(ReportKind.choices)
    statuses = dict(ReportStatus.choices)
    directions = dict(Direction.choices)
    reports = totals["reports"]

    def pct(n, whole):
        return round(100.0 * n / whole, 1) if whole else 0.0

    dir_total = sum(totals["directions"].values())
    return {
        "by_kind": {
            "title": _("Reports by kind"),
            "columns": [_("Kind"), _("Reports"), _("Share (%)")],
            "rows": [[str(kinds[k]), n, pct(n, reports)] for k, n in totals["by_kind"].items()],
            "total_row": [_("Total"), reports, 100.0 if reports else 0.0],
        },
        "by_status": {
            "title": _("Reports by review status"),
            "columns": [_("Status"), _("Reports")],
            "rows": [[str(statuses[s]), n] for s, n in totals["by_status"].items()],
            "total_row": [_("Total"), reports],
        },
        "directions": {
            "title": _("Direction of opinion"),
            "columns": [_("Direction"), _("Reports"), _("Share (%)")],
            "rows": [[str(directions[d]), n, pct(n, dir_total)] for d, n in totals["directions"].items()],
            "total_row": [_("Total"), dir_total, 100.0 if dir_total else 0.0],
        },
        "by_topic": {
            "title": _("Opinion by topic"),
            "columns": [
                _("Topic"),
                _("Reports"),
                _("Previous period"),
                str(directions["positive"]),
                str(directions["neutral"]),
                str(directions["negative"]),
                str(directions["mixed"]),
                _("Very concerned"),
            ],
            "rows": [
                [
                    row["topic"],
                    row["total"],
                    row["previous"],
                    row["directions"]["positive"],
                    row["directions"]["neutral"],
                    row["directions"]["negative"],
                    row["directions"]["mixed"],
                    row["concern_high"],
                ]
                for row in figures["topics"]
            ],
            "total_row": None,
        },
        "rumours": {
            "title": _("Rumours and their verification"),
            "columns": [_("Rumour"), _("Sightings in the period"), _("Verification")],
            "rows": [[r["title"], r["sightings"], r["verification_label"]] for r in figures["rumours"]],
            "total_row": None,
        },
        "network": {
            "title": _("Reporting by unit"),
            "columns": [_("Unit"), _("Active collaborators"), _("Reported"), _("Rate (%)")],
            "rows": [[u["unit"], u["active"], u["reported"], u["rate"]] for u in figures["network"]["units"]],
            "total_row": [
                _("Total"),
                figures["network"]["active"],
                figures["network"]["reported"],
                figures["network"]["rate"],
            ],
        },
        # Figures on trainings only for sessions held: with none, one sentence instead of a row of zeros.
        "trainings": {
            "title": _("Trainings in the period"),
            "columns": [_("Sessions"), _("Registrations"), _("Attendances")],
            "rows": [
                [
                    figures["trainings"]["sessions"],
                    figures["trainings"]["registered"] or 0,
                    figures["trainings"]["attended"] or 0,
                ]
            ]
            if figures["trainings"]["sessions"]
            else [],
            "total_row": None,
            "empty": _("No training session was held in the period."),
        },
    }


def partial_note(figures: dict) -> str:
    """The line saying the figures stop short of the period's end (compiled before it closed), or ""."""
    until = partial_until(figures or {})
    if until is None:
        return ""
    return _("The period had not closed when these figures were compiled: they run to %(date)s.") % {
        "date": until.strftime("%d/%m/%Y")
    }


def recipient_lines(recipients: str) -> list[str]:
    """The "Nơi nhận" list as Decree 30/2020 writes it: each line ends with ";", the filing line "Lưu: VT."
    comes last and ends with a full stop (added when the list lacks it); addresses are left out."""
    filing = _("Filed: office")
    lines = []
    for line in recipients.splitlines():
        text = ADDRESS.sub("", line).strip().rstrip(";.,").strip()
        if text and text.casefold() != filing.casefold():
            lines.append(f"{text};")
    return [*lines, f"{filing}."]


def document_content(summary) -> dict:
    sections = [
        {
            "key": section["key"],
            "heading": f"{section['number']}. {section['heading']}",
            "paragraphs": [line for line in section["text"].splitlines() if line.strip()],
            "tables": SECTION_TABLES.get(section["key"], []),
        }
        for section in numbered_sections(summary.sections)
    ]
    footer = ""
    if summary.corrects_id:
        footer = _("Version %(version)d, correcting %(number)s.") % {
            "version": summary.version,
            "number": summary.corrects.number,
        }
    return {
        "labels": {
            "motto_1": _("SOCIALIST REPUBLIC OF VIETNAM"),
            "motto_2": _("Independence - Freedom - Happiness"),
            "recipients": _("Recipients:"),
            "addressed_to": _("To:"),
            "statistics": _("Figures"),
            "sheet_overview": _("Overview"),
        },
        "parent_body": settings.SUMMARY_PARENT_BODY
        if summary.scope.depth == 1
        else Unit.objects.get_parent(summary.scope).name,
        "issuer": summary.scope.name,
        "number": _("No. %(number)s") % {"number": summary.number},
        "place_date": _place_date(summary.issued_at or timezone.now()),
        "doc_type": _("REPORT"),
        "title": period_title(summary),
        "addressed_to": summary.addressed_to.splitlines(),
        "intro": partial_note(summary.statistics),
        "sections": sections,
        "tables": tables(summary.statistics),
        "signer": {
            "on_behalf": _("On behalf of the standing committee"),
            "title": summary.signer_title,
            "name": summary.signer_name,
        },
        "recipients": recipient_lines(summary.recipients),
        "footer_note": footer,
    }
