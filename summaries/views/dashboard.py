"""The dashboard (/dashboard/): one unit's subtree in one month, for staff and admins.

Every figure comes from ``summaries.selectors`` (tallies and bounded queries: a constant number of
queries whatever the number of units or reports). This module only shapes the figures for the page:
a table per block, the same numbers for its Chart.js chart (``json_script``, drawn by
``static/js/dashboard.js``; the CSP forbids inline scripts), and for each number the link to the
list behind it (the review queue's or the roster's filters).
"""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.translation import gettext as _

from collaborators.access import home_unit, staff_or_404
from reports.models import Direction, ReportKind, ReportStatus, Verification
from summaries import selectors
from summaries.forms import DashboardFilterForm
from summaries.models import ReportingPeriod

DIRECTIONS = Direction.choices
KINDS = ReportKind.choices
STATUSES = [(value, label) for value, label in ReportStatus.choices if value != ReportStatus.DRAFT]
TOP_TOPICS = 10
COMPLIANCE_CHART_ROWS = 25


def _ym(month) -> str:
    return month.strftime("%Y-%m")


def _label(month) -> str:
    return month.strftime("%m/%Y")


def _change(now: int, before: int) -> float | None:
    return round(100.0 * (now - before) / before, 1) if before else None


class Cell(dict):
    """``{"n": number, "url": list or None}``; ``html`` is the markup the templates print.

    The city's page shows ~700 numbers: an ``{% include %}`` per number cost more than the rest of the
    page's figures, so the markup is built here.
    """

    @property
    def html(self):
        text = localize(self["n"])
        if self["url"]:
            return format_html('<a href="{}" data-testid="figure">{}</a>', self["url"], text)
        if self["n"]:
            return format_html("<span>{}</span>", text)
        return format_html('<span class="text-muted">{}</span>', text)


def cell(number, url=None) -> dict:
    """A number and the list behind it (no link for 0: the list would be empty)."""
    number = number or 0
    return Cell(n=number, url=(url or None) if number else None)


class Links:
    """URLs of the lists behind the figures, with the dashboard's unit, topic and policy filters.

    The review queue counts like the tallies when given ``status=`` (empty: every status except
    drafts, which staff never see), ``nothing_new=false`` and ``month=`` (month of first submission).
    """

    def __init__(self, unit, topic, policy, *, current_period: bool):
        self.unit = unit
        self.base = {"unit": unit.pk, "status": "", "nothing_new": "false"}
        if topic:
            self.base["topic"] = topic.pk
        if policy:
            self.base["focus_policy"] = policy.pk
        self.current_period = current_period
        self.reports_url = reverse("reports:list")  # once: the page links ~700 numbers to it
        self.roster_url = reverse("roster:person_list")

    def reports(self, **params) -> str:
        query = {**self.base, **{name: value for name, value in params.items() if value is not None}}
        return f"{self.reports_url}?{urlencode(query)}"

    def roster(self, unit, reported=None) -> str | None:
        """Active collaborators of a unit's subtree; ``reported`` only for the current period (the
        roster's "reported" filter always means this month)."""
        query = {"unit": unit.pk, "role": "collaborator", "status": "active"}
        if reported is not None:
            if not self.current_period:
                return None
            query["reported"] = "true" if reported else "false"
        return f"{self.roster_url}?{urlencode(query)}"


@staff_or_404
def dashboard(request):
    user = request.user
    home = home_unit(user)  # staff_or_404 let only people with a home unit through
    data = None
    if request.GET:
        data = request.GET.copy()
        if not data.get("unit"):
            data["unit"] = str(home.pk)
    form = DashboardFilterForm(data, user=user, default_unit=home)
    if form.is_bound and not form.is_valid() and "unit" in form.errors:
        raise Http404  # out of the viewer's scope (or no such unit): never confirm it exists
    month = form.value_of("period", form.today_month)
    unit = form.value_of("unit", home)
    topic = form.value_of("topic")
    policy = form.value_of("policy")

    period = ReportingPeriod.objects.month_of(month)
    stats = selectors.statistics(unit, period, topic=topic, policy=policy)
    compliance = selectors.compliance(unit, period)
    trainings = selectors.trainings_in(unit, period)
    coverage = selectors.training_coverage(unit)
    hot_items = selectors.open_hot_items(unit, topic=topic, policy=policy)
    hot_counts = selectors.open_hot_counts(unit, topic=topic, policy=policy)

    links = Links(unit, topic, policy, current_period=month == form.today_month)
    charts = {}
    context = {
        "form": form,
        "unit": unit,
        "home": home,
        "topic": topic,
        "policy": policy,
        "period": period,
        "month": month,
        "previous_month": stats["previous_month"],
        "is_current_month": links.current_period,
        "headline": _headline(stats, compliance, hot_counts, links),
        "over_time": _over_time(stats, links, charts),
        "directions": _directions(stats, links, charts),
        "policies": _policies(stats, links, charts),
        "top_topics": _top_topics(stats, links, charts),
        "hot": _hot(stats, hot_counts, hot_items, links, charts),
        "rumours": _rumours(stats, links, charts),
        "compliance": _compliance(compliance, unit, links, charts),
        "activity": _activity(stats, compliance, links, charts),
        "trainings": _trainings(trainings, month, charts),
        "coverage": _coverage(coverage, links),
        "direction_labels": [label for _value, label in DIRECTIONS],
        "kind_labels": [label for _value, label in KINDS],
        "filtered": bool(topic or policy),
    }
    context["charts"] = charts
    return render(request, "summaries/dashboard.html", context)


# --- blocks --------------------------------------------------------------------------------------


def _headline(stats, compliance, hot_counts, links) -> dict:
    month, previous = _ym(stats["month"]), _ym(stats["previous_month"])
    total, before = stats["totals"]["total"], stats["previous_totals"]["total"]
    return {
        "total": cell(total, links.reports(month=month)),
        "previous": cell(before, links.reports(month=previous)),
        "change": _change(total, before),
        "hot": hot_counts["hot"],
        "hot_submitted": cell(hot_counts["hot_submitted"], links.reports(status="submitted", hot="true")),
        "hot_returned": cell(hot_counts["hot_returned"], links.reports(status="returned", hot="true")),
        "urgent": hot_counts["urgent"],
        "urgent_submitted": cell(hot_counts["urgent_submitted"], links.reports(status="submitted", urgent="true")),
        "urgent_returned": cell(hot_counts["urgent_returned"], links.reports(status="returned", urgent="true")),
        "rate": compliance["rate"],
        "reported": cell(compliance["reported"], links.roster(links.unit, reported=True)),
        "active": cell(compliance["active"], links.roster(links.unit)),
    }


def _over_time(stats, links, charts) -> list:
    rows = []
    for point in stats["over_time"]:
        month = _ym(point["month"])
        rows.append(
            {
                "month": point["month"],
                "kinds": [cell(point.get(f"kind_{kind}"), links.reports(month=month, kind=kind)) for kind, _l in KINDS],
                "total": cell(point.get("total"), links.reports(month=month)),
            }
        )
    charts["chart-over-time"] = {
        "type": "bar",
        "stacked": True,
        "labels": [_label(point["month"]) for point in stats["over_time"]],
        "datasets": [
            {"key": kind, "label": str(label), "data": [point.get(f"kind_{kind}", 0) for point in stats["over_time"]]}
            for kind, label in KINDS
        ],
    }
    return rows


def _topic_name(row) -> str:
    return row["topic"].name if row["topic"] else _("No topic")


def _directions(stats, links, charts) -> list:
    month = _ym(stats["month"])
    rows = []
    for row in stats["by_topic"]:
        counts = row["counts"]
        if not counts["total"]:
            continue
        topic_id = row["topic_id"] or None  # reports without a topic: no queue filter for "none"
        stated = sum(counts[f"dir_{d}"] for d, _l in DIRECTIONS)
        rows.append(
            {
                "name": _topic_name(row),
                "directions": [
                    cell(counts[f"dir_{d}"], topic_id and links.reports(month=month, topic=topic_id, direction=d))
                    for d, _l in DIRECTIONS
                ],
                "unstated": counts["total"] - stated,
                "total": cell(counts["total"], topic_id and links.reports(month=month, topic=topic_id)),
            }
        )
    charts["chart-directions"] = {
        "type": "bar",
        "stacked": True,
        "horizontal": True,
        "labels": [row["name"] for row in rows],
        "datasets": [
            {"key": d, "label": str(label), "data": [row["directions"][i]["n"] for row in rows]}
            for i, (d, label) in enumerate(DIRECTIONS)
        ],
    }
    return rows


def _policies(stats, links, charts) -> list:
    blocks = []
    for index, item in enumerate(stats["by_policy"]):
        policy_id = item["policy_id"]
        rows = []
        for point in item["series"]:
            month, counts = _ym(point["month"]), point["counts"]
            rows.append(
                {
                    "month": point["month"],
                    "directions": [
                        cell(counts[f"dir_{d}"], links.reports(month=month, focus_policy=policy_id, direction=d))
                        for d, _l in DIRECTIONS
                    ],
                    "total": cell(counts["total"], links.reports(month=month, focus_policy=policy_id)),
                }
            )
        chart_id = f"chart-policy-{index}"
        charts[chart_id] = {
            "type": "line",
            "labels": [_label(point["month"]) for point in item["series"]],
            "datasets": [
                {"key": d, "label": str(label), "data": [row["directions"][i]["n"] for row in rows]}
                for i, (d, label) in enumerate(DIRECTIONS)
            ],
        }
        blocks.append(
            {
                "name": item["policy"].name if item["policy"] else "?",
                "chart_id": chart_id,
                "rows": rows,
                "total": sum(row["total"]["n"] for row in rows),
            }
        )
    return blocks


def _top_topics(stats, links, charts) -> list:
    month, previous = _ym(stats["month"]), _ym(stats["previous_month"])
    rows = []
    for row in stats["by_topic"][:TOP_TOPICS]:
        topic_id = row["topic_id"] or None
        rows.append(
            {
                "name": _topic_name(row),
                "now": cell(row["counts"]["total"], topic_id and links.reports(month=month, topic=topic_id)),
                "before": cell(row["previous"], topic_id and links.reports(month=previous, topic=topic_id)),
                "change": row["change"],
                "rising": row["rising"],
            }
        )
    charts["chart-top-topics"] = {
        "type": "bar",
        "horizontal": True,
        "labels": [row["name"] for row in rows],
        "datasets": [
            {"key": "now", "label": _label(stats["month"]), "data": [row["now"]["n"] for row in rows]},
            {"key": "before", "label": _label(stats["previous_month"]), "data": [row["before"]["n"] for row in rows]},
        ],
    }
    return rows


def _hot(stats, hot_counts, hot_items, links, charts) -> dict:
    month = _ym(stats["month"])
    rows = []
    for point in stats["over_time"]:
        ym = _ym(point["month"])
        rows.append(
            {
                "month": point["month"],
                "hot": cell(point.get("hot"), links.reports(month=ym, hot="true")),
                "urgent": cell(point.get("urgent"), links.reports(month=ym, urgent="true")),
            }
        )
    charts["chart-hot"] = {
        "type": "bar",
        "labels": [_label(point["month"]) for point in stats["over_time"]],
        "datasets": [
            {"key": "hot", "label": _("Hot spots"), "data": [row["hot"]["n"] for row in rows]},
            {"key": "urgent", "label": _("Rapid reports"), "data": [row["urgent"]["n"] for row in rows]},
        ],
    }
    totals = stats["totals"]
    return {
        "open": [
            {
                "label": _("Hot spots"),
                "submitted": cell(hot_counts["hot_submitted"], links.reports(status="submitted", hot="true")),
                "returned": cell(hot_counts["hot_returned"], links.reports(status="returned", hot="true")),
                "month": cell(totals["hot"], links.reports(month=month, hot="true")),
            },
            {
                "label": _("Rapid reports"),
                "submitted": cell(hot_counts["urgent_submitted"], links.reports(status="submitted", urgent="true")),
                "returned": cell(hot_counts["urgent_returned"], links.reports(status="returned", urgent="true")),
                "month": cell(totals["urgent"], links.reports(month=month, urgent="true")),
            },
        ],
        "items": hot_items,
        "rows": rows,
    }


def _rumours(stats, links, charts) -> dict:
    month = _ym(stats["month"])
    labels = dict(Verification.choices)
    by_verification = [
        {"key": value, "label": labels[value], **stats["rumours_by_verification"][value]}
        for value in Verification.values
    ]
    charts["chart-rumours"] = {
        "type": "doughnut",
        "labels": [str(row["label"]) for row in by_verification],
        "keys": [row["key"] for row in by_verification],
        "datasets": [
            {"key": "sightings", "label": _("Sightings"), "data": [row["sightings"] for row in by_verification]}
        ],
    }
    items = [
        {
            "rumour": rumour,
            "sightings": cell(rumour.period_sightings, links.reports(month=month, rumour=rumour.pk)),
        }
        for rumour in stats["rumours"]
    ]
    return {
        "by_verification": by_verification,
        "items": items,
        "sightings": sum(row["sightings"] for row in by_verification),
        "count": sum(row["rumours"] for row in by_verification),
    }


def _compliance(compliance, unit, links, charts) -> dict:
    rows = []
    for row in compliance["rows"]:
        # People sitting directly in the unit itself: the roster filters whole subtrees, so no link.
        below = row["unit"].pk != unit.pk
        rows.append(
            {
                "unit": row["unit"],
                "drill": below,
                "active": cell(row["active"], links.roster(row["unit"]) if below else None),
                "reported": cell(row["reported"], links.roster(row["unit"], reported=True) if below else None),
                "missing": cell(row["missing"], links.roster(row["unit"], reported=False) if below else None),
                "rate": row["rate"],
            }
        )
    shown = rows[:COMPLIANCE_CHART_ROWS]  # the lowest rates first
    charts["chart-compliance"] = {
        "type": "bar",
        "stacked": True,
        "horizontal": True,
        "labels": [row["unit"].name for row in shown],
        "datasets": [
            {"key": "reported", "label": _("Reported"), "data": [row["reported"]["n"] for row in shown]},
            {"key": "missing", "label": _("Not reported yet"), "data": [row["missing"]["n"] for row in shown]},
        ],
    }
    return {
        **compliance,
        "rows": rows,
        "chart_rows": len(shown),
        "active_cell": cell(compliance["active"], links.roster(unit)),
        "reported_cell": cell(compliance["reported"], links.roster(unit, reported=True)),
        "missing_cell": cell(compliance["missing_count"], links.roster(unit, reported=False)),
    }


def _activity(stats, compliance, links, charts) -> dict:
    month = _ym(stats["month"])
    totals, activity = stats["totals"], stats["activity"]
    statuses = [
        {
            "key": value,
            "label": label,
            "count": cell(totals[f"status_{value}"], links.reports(month=month, status=value)),
        }
        for value, label in STATUSES
    ]
    charts["chart-activity"] = {
        "type": "doughnut",
        "labels": [str(row["label"]) for row in statuses],
        "keys": [row["key"] for row in statuses],
        "datasets": [{"key": "status", "label": _("Reports"), "data": [row["count"]["n"] for row in statuses]}],
    }
    return {
        **activity,
        "reports_cell": cell(activity["reports"], links.reports(month=month)),
        "accepted_cell": cell(activity["accepted"], links.reports(month=month, status="accepted")),
        "rejected_cell": cell(totals["status_rejected"], links.reports(month=month, status="rejected")),
        "reporters": compliance["reported"],
        "reporters_cell": cell(compliance["reported"], links.roster(links.unit, reported=True)),
        "per_reporter": round(activity["reports"] / compliance["reported"], 1) if compliance["reported"] else None,
        "statuses": statuses,
    }


def _trainings(trainings, month, charts) -> dict:
    charts["chart-trainings"] = {
        "type": "bar",
        "labels": [_("Sessions"), _("Registered"), _("Attended")],
        "keys": ["sessions", "registered", "attended"],
        "datasets": [
            {
                "key": "trainings",
                "label": _label(month),
                "data": [trainings["sessions"], trainings["registered"] or 0, trainings["attended"] or 0],
            }
        ],
    }
    calendar = f"{reverse('trainings:month')}?{urlencode({'year': month.year, 'month': month.month})}"
    return {
        "sessions": cell(trainings["sessions"], calendar),
        "registered": trainings["registered"] or 0,
        "attended": trainings["attended"] or 0,
        "attendance_rate": round(100.0 * trainings["attended"] / trainings["registered"], 1)
        if trainings["registered"]
        else None,
    }


def _coverage(coverage, links) -> dict:
    """Training coverage: per unit the share of active collaborators trained in the last 12 months, each
    number linked to the roster's filter behind it (trained, not trained, never trained)."""

    def roster(unit, **extra):
        return f"{links.roster(unit)}&{urlencode(extra)}"

    rows = [
        {
            "unit": row["unit"],
            "active": cell(row["active"], links.roster(row["unit"])),
            "trained": cell(row["trained"], roster(row["unit"], trained="true")),
            "untrained": cell(row["active"] - row["trained"], roster(row["unit"], trained="false")),
            "never": cell(row["never"], roster(row["unit"], never_trained="true")),
            "share": row["share"],
        }
        for row in coverage["rows"]
    ]
    return {
        "rows": rows,
        "active": coverage["active"],
        "trained": coverage["trained"],
        "share": coverage["share"],
        "never": coverage["never"],
        "never_count": cell(coverage["never_count"], roster(links.unit, never_trained="true")),
        "sessions": coverage["sessions"],
    }
