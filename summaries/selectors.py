"""Reads for the dashboard and the summaries: every figure comes from the tallies or from bounded queries.

The city and the unions read the monthly tallies (a few hundred rows whatever the number of reports);
deeper units, which have few reports, are counted from their reports with the same rules (tallies.py).
"""

from collections import Counter, defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.db.models.functions import Collate, Substr
from django.utils import timezone

from collaborators.models import CollaboratorStatus, ReportingActivity, Role, TrainingAttendance, Unit, User
from core import periods
from core.periods import period_bounds
from reports.models import FocusPolicy, Report, ReportStatus, Rumour, Topic, Verification
from summaries.columns import ALL_COLUMNS, COUNTED_Q, FIELDS, HOT_Q, OPEN, columns_of, median_delay, month_of
from summaries.models import ReportingPeriod, RumourMonthTally, Summary, UnitMonthTally
from trainings.models import Registration, RegistrationStatus, SessionStatus, TrainingSession

RISING_MIN_REPORTS = 5  # a topic is "rising" with at least this many reports …
RISING_RATIO = 1.5  # … and at least 1.5 times the previous period's


month_add = periods.month_add  # the summaries' callers import it from here


def months_ending(month: date, count: int) -> list[date]:
    return [month_add(month, -offset) for offset in range(count - 1, -1, -1)]


def is_rolled_up(unit: Unit) -> bool:
    return unit.depth <= settings.SUMMARY_ROLLUP_DEPTH


def local_start(day: date):
    """Local midnight at the start of a day (Asia/Ho_Chi_Minh), as an aware datetime."""
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day))


def tally_rows(unit: Unit, months: list[date], *, topic_id=None, policy_id=None) -> dict:
    """{(month, topic_id, policy_id): Counter(columns)} for the unit's subtree, over these months."""
    result = defaultdict(Counter)
    if not months:
        return result
    if is_rolled_up(unit):
        rows = UnitMonthTally.objects.filter(unit=unit, month__in=months)
        if topic_id:
            rows = rows.filter(topic_id=topic_id)
        if policy_id:
            rows = rows.filter(policy_id=policy_id)
        for row in rows.values("month", "topic_id", "policy_id", *ALL_COLUMNS):
            key = (row.pop("month"), row.pop("topic_id"), row.pop("policy_id"))
            result[key].update({k: v for k, v in row.items() if v})
        return result
    reports = Report.objects.filter(
        COUNTED_Q,
        unit__path__startswith=unit.path,
        first_submitted_at__gte=local_start(period_bounds(min(months))[0]),
        first_submitted_at__lt=local_start(period_bounds(max(months))[1] + timedelta(days=1)),
    )
    if topic_id:
        reports = reports.filter(topic_id=topic_id)
    if policy_id:
        reports = reports.filter(focus_policy_id=policy_id)
    wanted = set(months)
    for r in reports.values(*FIELDS).iterator(chunk_size=2000):
        month = month_of(r["first_submitted_at"])
        if month in wanted:
            result[(month, r["topic_id"] or 0, r["focus_policy_id"] or 0)].update(columns_of(r))
    return result


def rumour_sightings(unit: Unit, month: date) -> Counter:
    """{rumour_id: sightings in the month under the unit}."""
    if is_rolled_up(unit):
        rows = RumourMonthTally.objects.filter(unit=unit, month=month, sightings__gt=0)
        return Counter(dict(rows.values_list("rumour_id", "sightings")))
    reports = Report.objects.filter(
        COUNTED_Q,
        unit__path__startswith=unit.path,
        rumour__isnull=False,
        first_submitted_at__gte=local_start(period_bounds(month)[0]),
        first_submitted_at__lt=local_start(period_bounds(month)[1] + timedelta(days=1)),
    )
    return Counter(dict(reports.values_list("rumour_id").annotate(n=Count("pk")).values_list("rumour_id", "n")))


def _sum(rows: dict, *, month=None, topic=None, policy=None) -> Counter:
    total = Counter()
    for (m, t, p), counts in rows.items():
        if (month is None or m == month) and (topic is None or t == topic) and (policy is None or p == policy):
            total.update(counts)
    return total


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _code_point_order(field: str):
    """Order by a text column as Python sorts str (code points), whatever the database's collation."""
    if connection.vendor == "postgresql":
        return Collate(field, "C")  # UTF-8 bytes in C order are code-point order
    return F(field)  # SQLite compares text with memcmp: the same order


def compliance(unit: Unit, period: ReportingPeriod, *, limit: int = 50) -> dict:
    """Per unit directly under ``unit``: active collaborators, how many reported in the period, silent units.

    Reads people and the reporting facts (``ReportingActivity``: one row per person and period, written
    at a report's first sending, the rows the roster's "reported" filter and the reminders read too),
    never the reports, and counts in the database: one row per unit directly under ``unit`` and
    ``limit`` people come back, whatever the roster's size.

    A unit is silent when none of its active collaborators has reported in a period that ends within
    the last SUMMARY_SILENT_WEEKS weeks; "last" is the day their latest such period's first report came.
    """
    month = period.month
    active = User.objects.filter(
        unit__path__startswith=unit.path,
        role=Role.COLLABORATOR,
        is_active=True,
        profile__status=CollaboratorStatus.ACTIVE,
    )
    child_len = len(unit.path) + Unit.steplen
    children = {u.path: u for u in Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)}
    reported_q = ReportingActivity.reported_in(month)
    # A person's unit path cut to the level below ``unit`` (people in ``unit`` itself keep its path).
    per_unit = {
        row["child"]: {"active": row["active"], "reported": row["reported"]}
        for row in active.annotate(child=Substr("unit__path", 1, child_len))
        .values("child")
        .annotate(active=Count("pk"), reported=Count("pk", filter=reported_q))
        .order_by()
    }
    missing = [
        {"id": person_id, "name": name, "unit": unit_name}
        for person_id, name, unit_name in active.filter(~reported_q)
        .order_by(_code_point_order("unit__name"), _code_point_order("full_name"), "pk")
        .values_list("pk", "full_name", "unit__name")[:limit]
    ]
    rows = []
    for path, figures in sorted(per_unit.items()):
        target = children.get(path, unit)
        rows.append(
            {
                "unit": target,
                "active": figures["active"],
                "reported": figures["reported"],
                "missing": figures["active"] - figures["reported"],
                "rate": _share(figures["reported"], figures["active"]),
            }
        )
    rows.sort(key=lambda row: (row["rate"] if row["rate"] is not None else 101, row["unit"].path))
    since_month = periods.period_month(timezone.localdate() - timedelta(weeks=settings.SUMMARY_SILENT_WEEKS))
    recent = Exists(ReportingActivity.objects.filter(month__gte=since_month, person=OuterRef("pk")))
    silent_ids = set(
        active.values("unit_id")
        .annotate(recent=Count("pk", filter=recent))
        .filter(recent=0)
        .order_by()
        .values_list("unit_id", flat=True)
    )
    shown = list(Unit.objects.filter(pk__in=list(silent_ids)[: limit * 4]).order_by("path")[:limit])
    last = dict(  # only for the units shown: their people's latest reporting fact
        ReportingActivity.objects.filter(person__in=active.filter(unit__in=shown))
        .values("person__unit_id")
        .annotate(last=Max("first_reported_on"))
        .values_list("person__unit_id", "last")
    )
    silent = [{"unit": u, "last": last.get(u.pk)} for u in shown]
    silent.sort(key=lambda row: (row["last"] is not None, row["last"] or date.min))
    reported = sum(r["reported"] for r in rows)
    total_active = sum(r["active"] for r in rows)
    return {
        "rows": rows,
        "active": total_active,
        "reported": reported,
        "rate": _share(reported, total_active),
        "missing": missing,
        "missing_count": total_active - reported,
        "silent": silent,
        "silent_count": len(silent_ids),
        "silent_weeks": settings.SUMMARY_SILENT_WEEKS,
    }


def trainings_in(unit: Unit, period: ReportingPeriod, *, held_by=None) -> dict:
    """Sessions of the period (with ``held_by``, a moment: only those that had ended by then), their
    registrations and attendances."""
    sessions = TrainingSession.objects.filter(
        unit__path__startswith=unit.path,
        starts_at__gte=local_start(period.starts_on),
        starts_at__lt=local_start(period.ends_on + timedelta(days=1)),
    ).exclude(status__in=[SessionStatus.DRAFT, SessionStatus.CANCELLED])
    if held_by is not None:
        sessions = sessions.filter(ends_at__lte=held_by)
    registrations = Registration.objects.filter(session__in=sessions).aggregate(
        registered=Count("pk", filter=~Q(status=RegistrationStatus.CANCELLED)),
        attended=Count("pk", filter=Q(status=RegistrationStatus.ATTENDED)),
    )
    return {"sessions": sessions.count(), **registrations}


TRAINED_WITHIN_DAYS = 365  # "trained in the last 12 months", as the roster's filter reads it


def training_coverage(unit: Unit, *, limit: int = 50, sessions: int = 5) -> dict:
    """Per unit directly under ``unit``: active collaborators and how many attended a training in the
    last 12 months (``TrainingAttendance`` facts, the rows the roster's "trained" filter reads); the
    active collaborators never trained (the first ``limit``, and how many); and the next ``sessions``
    announced sessions open to the subtree (targeted at a unit in it or above it). A fixed number of
    grouped queries, whatever the roster's size.
    """
    active = User.objects.filter(
        unit__path__startswith=unit.path,
        role=Role.COLLABORATOR,
        is_active=True,
        profile__status=CollaboratorStatus.ACTIVE,
    )
    today = timezone.localdate()
    trained_q = TrainingAttendance.trained_since(today - timedelta(days=TRAINED_WITHIN_DAYS))
    ever_q = Exists(TrainingAttendance.objects.filter(person=OuterRef("pk")))
    child_len = len(unit.path) + Unit.steplen
    children = {u.path: u for u in Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)}
    rows = []
    for row in (
        active.annotate(child=Substr("unit__path", 1, child_len))
        .values("child")
        .annotate(active=Count("pk"), trained=Count("pk", filter=trained_q), never=Count("pk", filter=~ever_q))
        .order_by("child")
    ):
        rows.append(
            {
                "unit": children.get(row["child"], unit),
                "active": row["active"],
                "trained": row["trained"],
                "never": row["never"],
                "share": _share(row["trained"], row["active"]),
            }
        )
    rows.sort(key=lambda row: (row["share"] if row["share"] is not None else 101, row["unit"].path))
    never = list(
        active.filter(~ever_q)
        .order_by(_code_point_order("unit__name"), _code_point_order("full_name"), "pk")
        .values("pk", "full_name", "unit__name")[:limit]
    )
    upcoming = list(
        TrainingSession.objects.filter(
            Q(target_units__path__startswith=unit.path) | Q(target_units__path__in=unit.ancestor_paths()),
            status=SessionStatus.PUBLISHED,
            starts_at__gt=timezone.now(),
        )
        .filter(Q(registration_deadline__isnull=True) | Q(registration_deadline__gt=timezone.now()))
        .distinct()
        .order_by("starts_at", "pk")[:sessions]
    )
    total_active = sum(r["active"] for r in rows)
    trained = sum(r["trained"] for r in rows)
    return {
        "rows": rows,
        "active": total_active,
        "trained": trained,
        "share": _share(trained, total_active),
        "never": never,
        "never_count": sum(r["never"] for r in rows),
        "sessions": upcoming,
    }


def statistics(unit: Unit, period: ReportingPeriod, *, topic=None, policy=None, months: int = 12) -> dict:
    """Every figure of the dashboard (and of a monthly summary) for a unit's subtree in a period."""
    month = period.month
    previous = month_add(month, -1)
    span = months_ending(month, months)
    rows = tally_rows(unit, span, topic_id=topic.pk if topic else None, policy_id=policy.pk if policy else None)
    now = _sum(rows, month=month)
    before = _sum(rows, month=previous)
    topics = {t.pk: t for t in Topic.objects.all()}
    policies = {p.pk: p for p in FocusPolicy.objects.all()}

    over_time = [{"month": m, **_sum(rows, month=m)} for m in span]

    by_topic = []
    topic_ids = {t for (m, t, p) in rows if m in (month, previous)}
    for topic_id in topic_ids:
        current = _sum(rows, month=month, topic=topic_id)
        earlier = _sum(rows, month=previous, topic=topic_id)
        if not current["total"] and not earlier["total"]:
            continue
        change = _share(current["total"] - earlier["total"], earlier["total"])
        by_topic.append(
            {
                "topic": topics.get(topic_id),
                "topic_id": topic_id,
                "counts": current,
                "previous": earlier["total"],
                "change": change,
                "rising": current["total"] >= RISING_MIN_REPORTS
                and current["total"] >= RISING_RATIO * max(earlier["total"], 1),
            }
        )
    by_topic.sort(key=lambda row: (-row["counts"]["total"], row["topic"].order if row["topic"] else 999))

    by_policy = []
    for policy_id in sorted({p for (m, t, p) in rows if p}):
        series = []
        for m in span:
            counts = _sum(rows, month=m, policy=policy_id)
            series.append({"month": m, "counts": counts})
        if any(point["counts"]["total"] for point in series):
            by_policy.append({"policy": policies.get(policy_id), "policy_id": policy_id, "series": series})

    sightings = rumour_sightings(unit, month)
    rumours = list(Rumour.objects.filter(pk__in=list(sightings)).only("pk", "title", "verification", "sighting_count"))
    for rumour in rumours:
        rumour.period_sightings = sightings[rumour.pk]
    rumours.sort(key=lambda r: -r.period_sightings)
    by_verification = {v: {"rumours": 0, "sightings": 0} for v in Verification.values}
    for rumour in rumours:
        by_verification[rumour.verification]["rumours"] += 1
        by_verification[rumour.verification]["sightings"] += rumour.period_sightings

    delay, delay_at_least = median_delay(now)
    decided = now["status_accepted"] + now["status_rejected"]
    return {
        "unit": unit,
        "period": period,
        "month": month,
        "previous_month": previous,
        "totals": now,
        "previous_totals": before,
        "over_time": over_time,
        "by_topic": by_topic,
        "by_policy": by_policy,
        "rumours": rumours[:20],
        "rumours_by_verification": by_verification,
        "activity": {
            "reports": now["total"],
            "accepted": now["status_accepted"],
            "decided": decided,
            "acceptance_rate": _share(now["status_accepted"], decided),
            "median_delay": delay,
            "median_delay_at_least": delay_at_least,
            "with_delay": now["with_delay"],
        },
    }


def _open_hot(unit: Unit, *, topic=None, policy=None):
    reports = Report.objects.filter(HOT_Q | Q(urgent=True), status__in=OPEN, unit__path__startswith=unit.path)
    if topic:
        reports = reports.filter(topic=topic)
    if policy:
        reports = reports.filter(focus_policy=policy)
    return reports


def open_hot_items(unit: Unit, *, limit: int = 10, topic=None, policy=None) -> list:
    """Hot spots and rapid reports waiting for review under the unit, newest first."""
    # Open reports always have submitted_at; without the IS NOT NULL the newest-first index scan
    # reads every draft first (NULLs sort first in DESC order): ~22,000 rows at 1,000,000 reports.
    return list(
        _open_hot(unit, topic=topic, policy=policy)
        .filter(submitted_at__isnull=False)
        .select_related("unit", "topic")
        .order_by("-submitted_at", "-pk")[:limit]
    )


def open_hot_counts(unit: Unit, *, topic=None, policy=None) -> dict:
    """How many hot spots and rapid reports are open under the unit now (whatever their month), by status.

    The city and the unions sum their tally rows (``hot_open``/``hot_returned``, ``urgent_open``/
    ``urgent_returned`` over every month: bounded by months × topics × policies, not by the backlog);
    deeper units count their own open reports. Keys: ``hot_<status>`` and ``urgent_<status>`` for
    ``submitted`` and ``returned``, and ``hot``/``urgent`` for both together.
    """
    if is_rolled_up(unit):
        rows = UnitMonthTally.objects.filter(unit=unit)
        if topic:
            rows = rows.filter(topic_id=topic.pk)
        if policy:
            rows = rows.filter(policy_id=policy.pk)
        sums = rows.aggregate(
            **{name: Sum(name) for name in ("hot_open", "hot_returned", "urgent_open", "urgent_returned")}
        )
        sums = {name: value or 0 for name, value in sums.items()}
        counts = {}
        for name in ("hot", "urgent"):
            counts[f"{name}_returned"] = sums[f"{name}_returned"]
            counts[f"{name}_submitted"] = sums[f"{name}_open"] - sums[f"{name}_returned"]
            counts[name] = sums[f"{name}_open"]
        return counts
    figures = {}
    for name, q in (("hot", HOT_Q), ("urgent", Q(urgent=True))):
        for status in OPEN:
            figures[f"{name}_{status}"] = Count("pk", filter=q & Q(status=status))
    counts = _open_hot(unit, topic=topic, policy=policy).aggregate(**figures)
    for name in ("hot", "urgent"):
        counts[name] = sum(counts[f"{name}_{status}"] for status in OPEN)
    return counts


def summaries_visible_to(user):
    return Summary.objects.visible_to(user).select_related("scope", "period")


def reviews_waiting(unit: Unit, period: ReportingPeriod) -> dict:
    """Reports of the period still waiting for review, and whether the review due day has passed."""
    start = local_start(period.starts_on)
    end = local_start(period.ends_on + timedelta(days=1))
    waiting = Report.objects.filter(
        unit__path__startswith=unit.path,
        status=ReportStatus.SUBMITTED,
        first_submitted_at__gte=start,
        first_submitted_at__lt=end,
    ).count()
    return {"count": waiting, "due_on": period.reviews_due_on, "late": timezone.localdate() > period.reviews_due_on}
