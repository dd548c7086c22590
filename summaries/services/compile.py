"""What a summary says: figures from the tallies and bounded queries, drafts of its sections.

``summary_figures`` returns JSON-ready statistics and tables; ``draft_sections`` turns them into
the first draft of each section of the official report, which staff then edit. Nothing here loads
all of a period's reports: the counts come from the tallies (or, for a week or a deep unit, from a
streamed pass over the period's reports), the lists are bounded.
"""

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from core.text import fold
from reports.models import Direction, Report, ReportKind, ReportStatus, Verification
from summaries import selectors
from summaries.columns import COUNTED_Q, FIELDS, HOT_Q, OPEN, columns_of
from summaries.models import PeriodKind, partial_until

LIST_LIMIT = 15
# Proposals read to merge the same proposal sent by several units (the newest first).
PROPOSALS_READ = 500
# The draft's text of a section only staff can write: a summary holding it cannot be approved.
PLACEHOLDER = gettext_noop("To be written by the staff compiling the report.")


def placeholder_sections(sections: dict) -> list[str]:
    """The keys of the sections that still hold the draft's placeholder (in any language it was drafted in)."""
    with translation.override(settings.LANGUAGE_CODE):
        texts = {PLACEHOLDER, _(PLACEHOLDER)}
    return [key for key, text in sections.items() if any(t in (text or "") for t in texts)]


def _merged_proposals(reports) -> list[dict]:
    """The period's proposals, the same proposal (same title, ignoring case and accents) once, with the
    number of units that sent it; the most sent first."""
    merged: dict[str, dict] = {}
    rows = (
        reports.filter(kind=ReportKind.PROPOSAL)
        .exclude(status=ReportStatus.REJECTED)
        .order_by("-first_submitted_at", "-pk")  # the newest wording names the proposal, ties by the last saved
        .values("pk", "title", "content", "unit_id", "unit__name")[:PROPOSALS_READ]
    )
    for r in rows:
        entry = merged.setdefault(
            fold(r["title"]),
            {"id": r["pk"], "title": r["title"], "content": r["content"][:400], "unit_ids": [], "unit_names": []},
        )
        if r["unit_id"] not in entry["unit_ids"]:
            entry["unit_ids"].append(r["unit_id"])
            entry["unit_names"].append(r["unit__name"])
    result = sorted(merged.values(), key=lambda e: -len(e["unit_ids"]))[:LIST_LIMIT]
    return [
        {
            "id": e["id"],
            "title": e["title"],
            "content": e["content"],
            "units": len(e["unit_ids"]),
            "unit": e["unit_names"][0],
            "unit_names": e["unit_names"][:10],
        }
        for e in result
    ]


def _range(period):
    """The period's days as [start, end) in local time."""
    return selectors.local_start(period.starts_on), selectors.local_start(period.ends_on + timedelta(days=1))


def _period_reports(unit, period):
    start, end = _range(period)
    return Report.objects.filter(
        COUNTED_Q, unit__path__startswith=unit.path, first_submitted_at__gte=start, first_submitted_at__lt=end
    ).order_by()  # callers order what they list; the streamed count must not sort (see _counts_by_topic)


def _counts_by_topic(unit, period, progress) -> tuple[Counter, dict, Counter]:
    """(totals, {topic_id: Counter}, rumour sightings) for the period."""
    if period.kind == PeriodKind.MONTHLY:
        month = period.month
        rows = selectors.tally_rows(unit, [month])
        by_topic = {}
        for (_m, topic_id, _p), counts in rows.items():
            by_topic.setdefault(topic_id, Counter()).update(counts)
        totals = sum(by_topic.values(), Counter())
        return totals, by_topic, selectors.rumour_sightings(unit, month)
    totals, by_topic, sightings = Counter(), {}, Counter()
    # Unordered: with Report's default ordering (-submitted_at) the server-side cursor's fast-start
    # plan walked the whole submitted_at index backwards, ~1.7 s per week at 1,000,000 reports.
    for index, r in enumerate(_period_reports(unit, period).values(*FIELDS).iterator(chunk_size=2000)):
        columns = columns_of(r)
        totals.update(columns)
        by_topic.setdefault(r["topic_id"] or 0, Counter()).update(columns)
        if r["rumour_id"]:
            sightings[r["rumour_id"]] += 1
        if index % 5000 == 4999:
            progress()
    return totals, by_topic, sightings


def _number(value) -> str:
    """A percentage written the reader's way (45,5 in Vietnamese)."""
    return formats.number_format(value, 1, use_l10n=True)


def _pct(part, whole):
    return round(100.0 * part / whole, 1) if whole else 0.0


def summary_figures(summary, progress=lambda: None) -> dict:
    """Every figure of a summary, JSON-ready. ``progress`` is called between steps."""
    from reports.models import Rumour, Topic

    unit, period = summary.scope, summary.period
    totals, by_topic, sightings = _counts_by_topic(unit, period, progress)
    progress()
    previous = period.previous()
    previous_totals, previous_by_topic, _s = _counts_by_topic(unit, previous, progress)
    progress()

    topics = {t.pk: t for t in Topic.objects.all()}
    topic_rows = []
    for topic_id, counts in sorted(by_topic.items(), key=lambda item: -item[1]["total"]):
        if not counts["total"]:
            continue
        topic = topics.get(topic_id)
        topic_rows.append(
            {
                "topic_id": topic_id,
                "topic": topic.name if topic else _("No topic"),
                "total": counts["total"],
                "previous": previous_by_topic.get(topic_id, Counter())["total"],
                "directions": {d: counts[f"dir_{d}"] for d in Direction.values},
                "breadth": {b: counts[f"breadth_{b}"] for b in ("overwhelming", "majority", "many", "some", "few")},
                "concern_high": counts["concern_high"],
                "examples": [],
            }
        )
    # Representative comments: the latest accepted opinions of the five largest topics.
    reports = _period_reports(unit, period)
    for row in topic_rows[:5]:
        examples = (
            reports.filter(topic_id=row["topic_id"] or None, status=ReportStatus.ACCEPTED)
            .exclude(kind=ReportKind.RUMOUR)
            .order_by("-first_submitted_at")
            .values("pk", "title", "content", "unit__name")[:3]
        )
        row["examples"] = [
            {"id": e["pk"], "title": e["title"], "content": e["content"][:400], "unit": e["unit__name"]}
            for e in examples
        ]
    progress()

    hot = HOT_Q | Q(urgent=True)
    hot_spots = [
        {
            "id": r["pk"],
            "title": r["title"],
            "unit": r["unit__name"],
            "status": r["status"],
            "open": r["status"] in OPEN,
            "people": r["people_involved"],
            "content": r["content"][:400],
        }
        for r in reports.filter(hot)
        .order_by("-first_submitted_at")
        .values("pk", "title", "unit__name", "status", "people_involved", "content")[:LIST_LIMIT]
    ]
    rumours = [
        {
            "id": r.pk,
            "title": r.title,
            "verification": r.verification,
            "verification_label": r.get_verification_display(),
            "sightings": sightings[r.pk],
            "resolution": r.resolution_note[:400],
        }
        for r in Rumour.objects.filter(pk__in=list(sightings))
    ]
    rumours.sort(key=lambda r: -r["sightings"])
    proposals = _merged_proposals(reports)
    progress()

    month_period = period if period.kind == PeriodKind.MONTHLY else period.__class__.objects.month_of(period.starts_on)
    compliance = selectors.compliance(unit, month_period, limit=30)
    # Only sessions already held: a session planned later in the period has no attendance to speak of yet.
    trainings = selectors.trainings_in(unit, period, held_by=timezone.now())
    progress()
    decided = totals["status_accepted"] + totals["status_rejected"]
    today = timezone.localdate()
    return {
        "period": {
            "kind": period.kind,
            "start": period.starts_on.isoformat(),
            "end": period.ends_on.isoformat(),
            # Compiled before the period closed: its figures run to this day only, so they are not
            # compared with the whole previous period.
            "partial_until": today.isoformat() if today <= period.ends_on else None,
        },
        "totals": {
            "reports": totals["total"],
            "previous": previous_totals["total"],
            "by_kind": {k: totals[f"kind_{k}"] for k in ReportKind.values},
            "by_status": {s: totals[f"status_{s}"] for s in ReportStatus.values if s != ReportStatus.DRAFT},
            "directions": {d: totals[f"dir_{d}"] for d in Direction.values},
            "urgent": totals["urgent"],
            "hot": totals["hot"],
            "hot_open": totals["hot_open"],
            "acceptance_rate": _pct(totals["status_accepted"], decided),
        },
        "topics": topic_rows,
        "hot_spots": hot_spots,
        "rumours": rumours[:LIST_LIMIT],
        "rumour_verification": {v: sum(1 for r in rumours if r["verification"] == v) for v in Verification.values},
        "proposals": proposals,
        "network": {
            "active": compliance["active"],
            "reported": compliance["reported"],
            "rate": compliance["rate"] or 0.0,
            "silent_units": compliance["silent_count"],
            "units": [
                {
                    "unit": row["unit"].name,
                    "active": row["active"],
                    "reported": row["reported"],
                    "rate": row["rate"] or 0.0,
                }
                for row in compliance["rows"][:30]
            ],
        },
        "trainings": trainings,
    }


def draft_sections(figures: dict) -> dict:
    """A first draft of each section from the figures, in the active language; staff rewrite it."""
    totals = figures["totals"]
    directions = totals["directions"]
    opinions = sum(directions.values())
    text = {}
    partial = partial_until(figures)
    shares = _(
        "Of the opinions with a direction, %(positive)s%% approve, %(neutral)s%% are neutral or uneasy, "
        "%(negative)s%% are opposed and %(mixed)s%% are mixed."
    )
    if partial:
        sent = _(
            "The period has not closed: until %(date)s the network sent %(reports)d reports "
            "(not compared with the previous period, which is whole)."
        ) % {"date": partial.strftime("%d/%m/%Y"), "reports": totals["reports"]}
    else:
        sent = _("In the period the network sent %(reports)d reports (%(change)+d against the previous period).") % {
            "reports": totals["reports"],
            "change": totals["reports"] - totals["previous"],
        }
    text["mood"] = f"{sent} " + shares % {
        "positive": _number(_pct(directions["positive"], opinions)),
        "neutral": _number(_pct(directions["neutral"], opinions)),
        "negative": _number(_pct(directions["negative"], opinions)),
        "mixed": _number(_pct(directions["mixed"], opinions)),
    }
    lines = []
    topic_line = (
        _(
            "%(topic)s: %(total)d reports so far; approving %(positive)d, uneasy %(neutral)d, opposed %(negative)d, "
            "mixed %(mixed)d; very concerned %(high)d."
        )
        if partial
        else _(
            "%(topic)s: %(total)d reports (previous period %(previous)d); approving %(positive)d, "
            "uneasy %(neutral)d, opposed %(negative)d, mixed %(mixed)d; very concerned %(high)d."
        )
    )
    for row in figures["topics"][:8]:
        d = row["directions"]
        lines.append(
            topic_line
            % {
                "topic": row["topic"],
                "total": row["total"],
                "previous": row["previous"],
                "positive": d["positive"],
                "neutral": d["neutral"],
                "negative": d["negative"],
                "mixed": d["mixed"],
                "high": row["concern_high"],
            }
        )
    text["opinion"] = "\n".join(lines) or _("No opinion was reported in the period.")
    hot = figures["hot_spots"]
    text["hot_spots"] = (
        "\n".join(f"- {h['title']} ({h['unit']})" for h in hot)
        if hot
        else _("No hot spot or rapid report in the period.")
    )
    rumours = figures["rumours"]
    text["rumours"] = (
        "\n".join(
            _("%(title)s: %(sightings)d sightings; %(verification)s.")
            % {"title": r["title"], "sightings": r["sightings"], "verification": r["verification_label"]}
            for r in rumours
        )
        if rumours
        else _("No rumour was reported in the period.")
    )
    network, trainings = figures["network"], figures["trainings"]
    activity = _(
        "%(reported)d of %(active)d active collaborators reported (%(rate)s%%); %(silent)d units have been "
        "silent for several weeks."
    ) % {
        "reported": network["reported"],
        "active": network["active"],
        "rate": _number(network["rate"]),
        "silent": network["silent_units"],
    }
    if trainings["sessions"]:
        held = _("%(sessions)d training sessions were held, with %(attended)d attendances.") % {
            "sessions": trainings["sessions"],
            "attended": trainings["attended"] or 0,
        }
    else:
        held = _("No training session was held in the period.")
    text["activity"] = f"{activity} {held}"
    text["outlook"] = _(PLACEHOLDER)
    proposals = figures["proposals"]
    text["recommendations"] = (
        "\n".join(_proposal_line(p) for p in proposals) if proposals else _("No proposal was reported in the period.")
    )
    return text


def _proposal_line(proposal: dict) -> str:
    units = proposal.get("units", 1)
    if units <= 1:
        return f"- {proposal['title']} ({proposal['unit']})"
    return "- " + ngettext(
        "%(title)s (proposed by %(count)d unit)", "%(title)s (proposed by %(count)d units)", units
    ) % {"title": proposal["title"], "count": units}


def compile_delay() -> float:
    """Pause of a first compile attempt, for the fault-injection test only (0 in normal use)."""
    return float(getattr(settings, "SUMMARY_COMPILE_PAUSE_SECONDS", 0))
