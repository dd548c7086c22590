"""Collaborators' quality over chosen reporting periods, per person and per unit.

Read from the quality counters (``QualityTally``: one row per person, unit and period, kept by the
summaries' tallies and the requests for opinion), never from the reports: a period range for a subtree
is two grouped queries (people, units) whatever the number of reports. Rows are those the viewer may
see (``visible_to``: the reports and answers filed in their subtree), under the chosen unit.

A report counts in the period of its first sending, at the unit it is filed at now (an open report
moved to a successor unit counts there): exactly the reports the review queue lists for the same
unit, period and status, which each number links to.
"""

from collections import Counter
from datetime import date
from urllib.parse import urlencode

from django.db.models import Sum
from django.urls import reverse

from collaborators.models import QualityTally, Unit
from collaborators.models.activity import QUALITY_COLUMNS, median_delay

# Sort keys of the tables (a leading "-" in the request reverses them).
SORT_KEYS = ("name", "sent", "acceptance", "returned", "rejected", "delay", "answered")


def figures(counts) -> dict:
    """The figures of one row from its summed columns."""
    counts = {c: counts.get(c) or 0 for c in QUALITY_COLUMNS}
    decided = counts["accepted"] + counts["rejected"]
    delay, at_least = median_delay(counts)
    return {
        "sent": counts["sent"],
        "accepted": counts["accepted"],
        "returned": counts["returned"],
        "rejected": counts["rejected"],
        "decided": decided,
        "acceptance": round(100.0 * counts["accepted"] / decided, 1) if decided else None,
        "delay": delay,
        "delay_at_least": at_least,
        "with_delay": counts["with_delay"],
        "answered": counts["answered"],
    }


def _rows(user, unit: Unit, first: date, last: date):
    return QualityTally.objects.visible_to(user).filter(
        unit__path__startswith=unit.path, month__gte=first, month__lte=last
    )


def _sums():
    return {c: Sum(c) for c in QUALITY_COLUMNS}


def sort_rows(rows: list[dict], sort: str) -> list[dict]:
    """Sort by one figure (people or units without that figure last), then by name."""
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        key, sort = "sent", "-sent"
    reverse = sort.startswith("-")
    rows.sort(key=lambda row: row["name"].casefold())
    if key == "name":
        if reverse:
            rows.reverse()
        return rows
    present = [row for row in rows if row[key] is not None]
    missing = [row for row in rows if row[key] is None]
    present.sort(key=lambda row: row[key], reverse=reverse)  # stable: ties stay by name
    return present + missing


def people_quality(user, unit: Unit, first: date, last: date, *, sort: str = "-sent") -> list[dict]:
    """One row per person with reports or answers under ``unit`` in the periods ``first``..``last``."""
    grouped = (
        _rows(user, unit, first, last)
        .order_by()
        .values("person_id", "person__full_name", "person__username")
        .annotate(**_sums())
    )
    rows = []
    for row in grouped:
        rows.append(
            {
                "person_id": row["person_id"],
                "name": row["person__full_name"] or row["person__username"],
                **figures(row),
            }
        )
    return sort_rows(rows, sort)


def units_quality(user, unit: Unit, first: date, last: date, *, sort: str = "-sent") -> dict:
    """The chosen unit's own row (reports filed at it) and one row per unit directly under it (its
    whole subtree), with the total of all; each row's ``unit`` is the Unit."""
    grouped = _rows(user, unit, first, last).order_by().values("unit__path").annotate(**_sums())
    children = list(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path"))
    by_path = {child.path: Counter() for child in children}
    own, total = Counter(), Counter()
    steplen = Unit.steplen
    for row in grouped:
        path = row.pop("unit__path")
        counts = {k: v or 0 for k, v in row.items()}
        total.update(counts)
        if path == unit.path:
            own.update(counts)
        else:
            by_path.setdefault(path[: len(unit.path) + steplen], Counter()).update(counts)
    rows = [{"unit": child, "name": child.name, **figures(by_path[child.path])} for child in children]
    return {
        "own": {"unit": unit, "name": unit.name, **figures(own)},
        "rows": sort_rows(rows, sort),
        "total": figures(total),
    }


class QueueLinks:
    """The review queue's URL behind each figure: the reports of a person or a unit's subtree, first sent
    in the chosen periods, with one status or every status but drafts (observations only, as counted);
    for "requests answered", the answers to requests for opinion sent in those periods."""

    STATUS_OF = {"sent": "", "accepted": "accepted", "returned": "returned", "rejected": "rejected"}

    def __init__(self, first, last):
        self.url = reverse("reports:list")
        # "Requests answered": the reports app does not know which report answered a request, so that
        # figure links to the answers across requests (the requests' answers list, by person and period).
        self.answers_url = reverse("guidance:pulse_answers_in_periods")
        self.months = {"month": first.strftime("%Y-%m"), "month_to": last.strftime("%Y-%m")}
        self.base = {"nothing_new": "false", **self.months}

    def __call__(self, figure: str, *, unit, person_id=None, exact=False) -> str:
        if figure == "answered":
            query = {**self.months, "exact_unit" if exact else "unit": unit.pk}
            if person_id is not None:
                query["person"] = person_id
            return f"{self.answers_url}?{urlencode(query)}"
        query = {**self.base, "unit": unit.pk, "status": self.STATUS_OF[figure]}
        if exact:
            query["exact_unit"] = unit.pk
        if person_id is not None:
            query["author"] = person_id
        return f"{self.url}?{urlencode(query)}"


def linked(rows, links, *, unit=None, per_person=False, exact=False):
    """Give each row its figures' links (no link for 0: the list would be empty)."""
    for row in rows:
        row["links"] = {
            figure: links(
                figure,
                unit=unit if per_person else row["unit"],
                person_id=row["person_id"] if per_person else None,
                exact=exact,
            )
            if row[figure]
            else None
            for figure in [*QueueLinks.STATUS_OF, "answered"]
        }
    return rows


def quality_context(user, unit, first, last, *, sort="-sent", limit=None) -> dict:
    """What the quality page and the dashboard's compact table show: people and units, sorted, linked."""
    links = QueueLinks(first, last)
    people = people_quality(user, unit, first, last, sort=sort)
    units = units_quality(user, unit, first, last, sort=sort)
    linked(people, links, unit=unit, per_person=True)
    linked(units["rows"], links)
    linked([units["own"]], links, exact=True)
    total = {**units["total"], "unit": unit}
    linked([total], links)
    return {
        "unit": unit,
        "first": first,
        "last": last,
        "sort": sort,
        "people": people[:limit] if limit else people,
        "people_count": len(people),
        "units": units,
        "total": total,
    }
