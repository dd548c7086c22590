"""The dashboard (/dashboard/): one unit's subtree in one month, for staff and admins.

Every figure comes from ``summaries.selectors`` (tallies and bounded queries: a constant number of
queries whatever the number of units or reports). This module only shapes the figures for the page:
a table per block, the same numbers for its Chart.js chart (``json_script``, drawn by
``static/js/dashboard.js``; the CSP forbids inline scripts), and for each number the link to the
list behind it (the review queue's or the roster's filters).
"""

from urllib.parse import urlencode

from django.http import Http404, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from collaborators.access import home_unit, staff_or_404
from collaborators.selectors import page_actions_for
from collaborators.selectors import quality as quality_selectors
from core import fragments
from core.periods import month_add
from reports.models import Direction, ReportKind, ReportStatus, Verification
from summaries import selectors
from summaries.forms import DashboardFilterForm
from summaries.models import ReportingPeriod
from summaries.services.tallies import DASHBOARD_FRAGMENTS

DIRECTIONS = Direction.choices
KINDS = ReportKind.choices
STATUSES = [(value, label) for value, label in ReportStatus.choices if value != ReportStatus.DRAFT]
TOP_TOPICS = 10
COMPLIANCE_CHART_ROWS = 25
# The blocks with a chart, in the order of the page's chart data.
CHART_BLOCKS = (
    "over_time",
    "directions",
    "policies",
    "top_topics",
    "hot",
    "rumours",
    "compliance",
    "activity",
    "trainings",
)


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
    links = Links(unit, topic, policy, current_period=month == form.today_month)
    figures = Figures(unit, period, month, topic, policy, links)
    lazy = SimpleLazyObject
    context = {
        "form": form,
        "unit": unit,
        "home": home,
        "topic": topic,
        "policy": policy,
        "actions": page_actions_for(topic, user) + page_actions_for(policy, user),
        "period": period,
        "month": month,
        "previous_month": month_add(month, -1),
        "is_current_month": links.current_period,
        # Each block is built only when its fragment is not in the cache (see Figures).
        "headline": lazy(lambda: figures.headline),
        "over_time": lazy(lambda: figures.over_time),
        "directions": lazy(lambda: figures.directions),
        "policies": lazy(lambda: figures.policies),
        "top_topics": lazy(lambda: figures.top_topics),
        "hot": lazy(lambda: figures.hot),
        "rumours": lazy(lambda: figures.rumours),
        "compliance": lazy(lambda: figures.compliance),
        "activity": lazy(lambda: figures.activity),
        "trainings": lazy(lambda: figures.trainings),
        "coverage": lazy(lambda: figures.coverage),
        "charts": lambda: figures.charts,  # a plain dict for json_script, built when its fragment is missing
        "quality": lazy(lambda: _quality(request, unit, month)),
        # Cached per order too: each order its own fragment.
        "quality_fragment": f"quality{_quality_sort(request)}",
        "direction_labels": [label for _value, label in DIRECTIONS],
        "kind_labels": [label for _value, label in KINDS],
        "filtered": bool(topic or policy),
    }
    # The fields (the unit picker's ~100 options, the topics and policies) kept as HTML until a unit, topic
    # or policy is written: rendered, they cost more than the rest of a page served from its fragments.
    context["filter_fields"] = mark_safe(  # noqa: S308 - the form's own rendered (escaped) fields
        fragments.filter_fields_html(
            name="dashboard-filters",
            scope=(user.role, home.pk, user.is_superuser),
            data=data if data is not None else QueryDict(),
            render=lambda: render_to_string("summaries/_partials/dashboard_filter_fields.html", {"form": form}),
        )
    )
    context.update(_fragment_context(user, home, unit, month, topic, policy, form.today_month))
    return render(request, "summaries/dashboard.html", context)


# The page's cached blocks ({% fragment %} in the templates), prefetched in one round trip.
FRAGMENTS = (
    "headline",
    "over-time",
    "directions",
    "top-topics",
    "hot",
    "policies",
    "rumours",
    "activity",
    "compliance",
    "trainings",
    "coverage",
    "charts",
)


def _fragment_context(user, home, unit, month, topic, policy, today_month) -> dict:
    """The key of this page's blocks: the figures' version (moved by every write that changes them,
    ``summaries.receivers``), the language, the viewer's scope (role and home unit), the unit shown, the
    period, the filters and today's date (what "this month" and "open" mean)."""
    prefix = fragments.key(
        DASHBOARD_FRAGMENTS,
        get_language(),
        user.role,
        home.pk,
        unit.pk,
        _ym(month),
        topic.pk if topic else "-",
        policy.pk if policy else "-",
        _ym(today_month),
        timezone.localdate().isoformat(),
    )
    if prefix is None:
        return {}
    names = [f"{prefix}:{name}" for name in FRAGMENTS]
    return {"fragment_key": prefix, "fragment_cache": fragments.get_many(names), "fragment_names": set(names)}


class Figures:
    """The dashboard's blocks, each built on first use from the selectors (each selector read once)."""

    def __init__(self, unit, period, month, topic, policy, links):
        self.unit, self.period, self.month, self.topic, self.policy = unit, period, month, topic, policy
        self.links = links
        self._charts = {block: {} for block in CHART_BLOCKS}

    @cached_property
    def stats(self):
        return selectors.statistics(self.unit, self.period, topic=self.topic, policy=self.policy)

    @cached_property
    def compliance_figures(self):
        return selectors.compliance(self.unit, self.period)

    @cached_property
    def hot_counts(self):
        return selectors.open_hot_counts(self.unit, topic=self.topic, policy=self.policy)

    @cached_property
    def headline(self):
        return _headline(self.stats, self.compliance_figures, self.hot_counts, self.links)

    @cached_property
    def over_time(self):
        return _over_time(self.stats, self.links, self._charts["over_time"])

    @cached_property
    def directions(self):
        return _directions(self.stats, self.links, self._charts["directions"])

    @cached_property
    def policies(self):
        return _policies(self.stats, self.links, self._charts["policies"])

    @cached_property
    def top_topics(self):
        return _top_topics(self.stats, self.links, self._charts["top_topics"])

    @cached_property
    def hot(self):
        items = selectors.open_hot_items(self.unit, topic=self.topic, policy=self.policy)
        return _hot(self.stats, self.hot_counts, items, self.links, self._charts["hot"])

    @cached_property
    def rumours(self):
        return _rumours(self.stats, self.links, self._charts["rumours"])

    @cached_property
    def compliance(self):
        return _compliance(self.compliance_figures, self.unit, self.links, self._charts["compliance"])

    @cached_property
    def activity(self):
        return _activity(self.stats, self.compliance_figures, self.links, self._charts["activity"])

    @cached_property
    def trainings(self):
        return _trainings(selectors.trainings_in(self.unit, self.period), self.month, self._charts["trainings"])

    @cached_property
    def coverage(self):
        return _coverage(selectors.training_coverage(self.unit), self.links)

    @cached_property
    def charts(self) -> dict:
        """Every block's chart data (in the order the page always had)."""
        charts = {}
        for block in CHART_BLOCKS:
            getattr(self, block)
            charts.update(self._charts[block])
        return charts


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


QUALITY_ROWS = 10


def _quality_sort(request) -> str:
    sort = request.GET.get("quality_sort", "-sent")
    return sort if sort.lstrip("-") in quality_selectors.SORT_KEYS else "-sent"


def _quality(request, unit, month) -> dict:
    """Collaborators' quality in the month: units under the dashboard's unit and the first people in the
    chosen order (``quality_sort``), from the quality counters, each number linked to the review queue."""
    sort = _quality_sort(request)
    quality = quality_selectors.quality_context(request.user, unit, month, month, sort=sort, limit=QUALITY_ROWS)
    query = request.GET.copy()
    query.pop("quality_sort", None)
    quality["sort_url"] = f"?{query.urlencode()}&" if query else "?"
    return quality
