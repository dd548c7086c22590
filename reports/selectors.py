"""Reads for reports and rumours, always through ``visible_to``."""

from datetime import datetime, time
from difflib import SequenceMatcher

from django.db import connection
from django.db.models import Case, CharField, Count, F, IntegerField, Sum, Value, When, Window
from django.db.models.functions import RowNumber, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from collaborators.access import scope_path
from collaborators.models import CollaboratorProfile, User
from core import fragments
from core.text import fold
from reports.models import AlertLevel, Report, ReportStatus, Rumour, RumourUnitCount, Topic, UnitReportCount


def review_queue(user):
    """The staff queue: urgent first, then the highest alert level, then the oldest submission."""
    alert_rank = Case(
        When(alert_level=AlertLevel.HOT_SPOT, then=Value(3)),
        When(alert_level=AlertLevel.COMPLEX, then=Value(2)),
        When(alert_level=AlertLevel.WATCH, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        Report.objects.visible_to(user)
        .select_related("unit", "author", "topic", "focus_policy", "assignee")
        .annotate(alert_rank=alert_rank)
        .order_by("-urgent", "-alert_rank", "submitted_at", "pk")
    )


def my_reports(user):
    return Report.objects.filter(author=user).select_related("topic", "unit").order_by("-updated_at", "-pk")


def events_for(report, viewer):
    """The timeline; the author does not see staff-internal entries."""
    events = report.events.select_related("actor")
    if viewer.pk == report.author_id and not (viewer.is_superuser or viewer.role != "collaborator"):
        events = events.filter(internal=False)
    return events


def rumours_listed_for(user):
    """Rumours a collaborator may report as "heard this too"."""
    return Rumour.objects.visible_to(user).order_by("-last_seen_at", "-pk")


def rumour_choices_for(user) -> list[tuple[int, str]]:
    """``rumours_listed_for`` as (id, title) pairs (the report form keeps them per unit)."""
    return list(rumours_listed_for(user).values_list("pk", "title"))


TRIGRAM_THRESHOLD = 0.2


def rumour_suggestions(*, user, text: str, limit: int = 5, candidates: int = 300, exclude=None):
    """Existing rumours most similar to ``text``, among those the user may see (merged copies left out).

    On PostgreSQL, every rumour in the user's scope is ranked by trigram similarity of the folded text
    (``pg_trgm``, its GIN index on ``search_text``): the federation's staff find the same rumour tracked
    by any union of the city, however old. Elsewhere (SQLite), the ``candidates`` most recently seen are
    scored by folded word overlap plus sequence similarity.
    """
    target = fold(text)
    rumours = Rumour.objects.visible_to(user).filter(merged_into__isnull=True)
    if exclude is not None:
        rumours = rumours.exclude(pk=exclude.pk)
    if not target.strip():
        return []
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        return list(
            rumours.annotate(similarity=TrigramSimilarity("search_text", target[:400]))
            .filter(similarity__gt=TRIGRAM_THRESHOLD)
            .order_by("-similarity", "-pk")[:limit]
        )
    words = set(target.split())
    pool = rumours.order_by("-last_seen_at", "-pk")[:candidates]
    scored = []
    for rumour in pool:
        other_words = set(rumour.search_text.split())
        overlap = len(words & other_words) / max(len(words | other_words), 1)
        ratio = SequenceMatcher(None, target[:400], rumour.search_text[:400]).ratio()
        score = 0.6 * overlap + 0.4 * ratio
        if score > 0.15:
            scored.append((score, rumour))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    return [rumour for _score, rumour in scored[:limit]]


def rumour_spread(rumour, *, viewer, days: int = 90) -> dict:
    """How a rumour spread, from the sightings the viewer may see: per day (sightings, and the units it
    was first heard in that day) over the last ``days`` days with any sighting, and per unit (sightings,
    first and last day). One grouped query, bounded by the rumour's sightings."""
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.db.models import Count, Max, Min
    from django.db.models.functions import TruncDate

    local = ZoneInfo(settings.TIME_ZONE)
    rows = list(
        Report.objects.visible_to(viewer)
        .filter(rumour=rumour, first_submitted_at__isnull=False)
        .exclude(status=ReportStatus.DRAFT)
        .annotate(day=TruncDate("first_submitted_at", tzinfo=local))
        .values("day", "unit_id", "unit__name")
        .annotate(n=Count("pk"), first=Min("first_submitted_at"), last=Max("first_submitted_at"))
        .order_by("day", "unit__name")
    )
    per_day: dict = {}
    per_unit: dict = {}
    for row in rows:
        day = per_day.setdefault(row["day"], {"day": row["day"], "sightings": 0, "new_units": []})
        day["sightings"] += row["n"]
        unit = per_unit.get(row["unit_id"])
        if unit is None:
            per_unit[row["unit_id"]] = {"name": row["unit__name"], "sightings": 0, "first": row["day"]}
            day["new_units"].append(row["unit__name"])
            unit = per_unit[row["unit_id"]]
        unit["sightings"] += row["n"]
        unit["last"] = row["day"]
    day_rows = sorted(per_day.values(), key=lambda d: d["day"])[-days:]
    total_units = 0
    for day in day_rows:
        total_units += len(day["new_units"])
        day["units_so_far"] = total_units
    units = sorted(per_unit.values(), key=lambda u: (-u["sightings"], u["name"]))
    chart = {
        "labels": [d["day"].strftime("%d/%m") for d in day_rows],
        "sightings": [d["sightings"] for d in day_rows],
        "units": [d["units_so_far"] for d in day_rows],
    }
    return {"days": day_rows, "units": units, "chart": chart}


OPEN_STATUSES = [ReportStatus.SUBMITTED]


def history_of(obj) -> list[dict]:
    """The simple-history records of a report or rumour, newest first, with who changed what."""
    records = list(obj.history.select_related("history_user").order_by("history_date", "history_id"))
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                field = record.instance._meta.get_field(change.field)
                changes.append(
                    {
                        "field": field.verbose_name,
                        "old": _display(field, change.old),
                        "new": _display(field, change.new),
                    }
                )
        entries.append({"record": record, "changes": changes})
        previous = record
    entries.reverse()
    return entries


def _display(field, value):
    """A changed value as a person reads it: a choice's label, not its code."""
    if field.choices and value not in (None, ""):
        return dict(field.flatchoices).get(value, value)
    return value


def person_section(person, viewer) -> dict:
    """The report counts on a person's roster page (answered through collaborators' person_page_sections).

    Counts are of the person's sent reports that the viewer may see (their own, or those filed in the
    staff's scope), by status, plus the sent total and "nothing new" submissions: one aggregate query.
    """
    from django.db.models import Count, Q

    sent = Report.objects.visible_to(viewer).filter(author=person).exclude(status=ReportStatus.DRAFT)
    totals = sent.aggregate(
        total=Count("pk"),
        nothing_new=Count("pk", filter=Q(nothing_new=True)),
        **{status: Count("pk", filter=Q(status=status)) for status in ReportStatus.values},
    )
    rows = [(value, label, totals[value]) for value, label in ReportStatus.choices if value != ReportStatus.DRAFT]
    return {
        "template": "reports/_partials/person_reports.html",
        "data": {"total": totals["total"], "nothing_new": totals["nothing_new"], "by_status": rows},
    }


def sent_reports_per_subtree(*, units, viewer) -> dict[str, int]:
    """{unit path: sent reports filed in its subtree that the viewer may see}: one grouped query per depth.

    Drafts are private to their authors and never counted. Answers collaborators' ``unit_figures``.
    """
    from collaborators.selectors.units import subtree_counts

    if scope_path(viewer) is None:  # not staff: their own reports, counted
        sent = Report.objects.visible_to(viewer).exclude(status=ReportStatus.DRAFT)
        return subtree_counts(sent, list(units), path_lookup="unit__path")
    # Staff see every sent report of their subtree, and the units listed are in it: the counters.
    units = list(units)
    counts = subtree_counts(UnitReportCount.objects.all(), units, path_lookup="unit__path", value=Sum("reports"))
    return _before_restructurings(counts, units)


def _before_restructurings(counts: dict[str, int], units: list) -> dict[str, int]:
    """The counters count a report where its unit hangs now; a branch handed to a successor by a merger or a
    split (``UnitMove``) sent its reports before that day under its old parent. Move those back: for each
    move and listed unit, the reports the branch sent while under its old parent count for the listed unit
    when the old parent is in it, and not when only the branch's new place is. One query for the moves and
    one per restructuring day and depth of the branches moved that day, not per unit or report."""
    from collaborators.models import UnitMove

    if not units:
        return counts
    paths = [unit.path for unit in units]
    moves = list(UnitMove.objects.order_by("moved_on", "pk").values_list("unit__path", "old_parent__path", "moved_on"))
    if not moves:
        return counts
    # Each branch's stays: [since, until) under each old parent, in the order it moved.
    relevant = []
    since_of: dict[str, object] = {}
    for branch, old_parent, moved_on in moves:
        since = since_of.get(branch)
        since_of[branch] = moved_on
        if any(old_parent.startswith(p) != branch.startswith(p) for p in paths if not p.startswith(branch)):
            relevant.append((branch, old_parent, since, moved_on))
    if not relevant:
        return counts
    groups: dict[tuple, set[str]] = {}
    for branch, _old_parent, since, moved_on in relevant:
        groups.setdefault((since, moved_on, len(branch)), set()).add(branch)
    sent = {}
    for (since, moved_on, length), branches in groups.items():
        rows = Report.objects.exclude(status=ReportStatus.DRAFT).filter(first_submitted_at__lt=_local_start(moved_on))
        if since is not None:
            rows = rows.filter(first_submitted_at__gte=_local_start(since))
        rows = (
            rows.annotate(branch=Substr("unit__path", 1, length))
            .filter(branch__in=branches)
            .order_by()
            .values("branch")
            .annotate(n=Count("pk"))
            .values_list("branch", "n")
        )
        for branch, n in rows:
            sent[(branch, since, moved_on)] = n
    counts = dict(counts)
    for branch, old_parent, since, moved_on in relevant:
        n = sent.get((branch, since, moved_on), 0)
        if not n:
            continue
        for path in paths:
            if not path.startswith(branch):  # the branch itself and its units keep all their reports
                counts[path] = counts.get(path, 0) + n * (old_parent.startswith(path) - branch.startswith(path))
    return counts


def _local_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def sent_counts(*, path: str) -> dict[str, int]:
    """{status: sent reports filed in the subtree at ``path`` ("" for every unit)}, from the counters.

    What staff whose scope is ``path`` see of each status (``visible_to`` leaves out only drafts): a sum
    over the subtree's units, however many reports they hold.
    """
    rows = UnitReportCount.objects.filter(reports__gt=0)
    if path:
        rows = rows.filter(unit__path__startswith=path)
    return dict(rows.order_by().values("status").annotate(n=Sum("reports")).values_list("status", "n"))


def rumour_units_seen(*, rumours, path: str):
    """[(rumour id, unit name, sightings)] of these rumours in the subtree at ``path`` ("" for all), from
    the sightings' counters: the units where each was heard most first."""
    rows = RumourUnitCount.objects.filter(rumour_id__in=list(rumours), sightings__gt=0)
    if path:
        rows = rows.filter(unit__path__startswith=path)
    return rows.order_by("rumour_id", "-sightings", "unit__name").values_list("rumour_id", "unit__name", "sightings")


def active_topics() -> dict:
    """{pk: Topic} of the topics a report may be filed under, kept in the cache under the choice lists'
    version (``fragments.CHOICES``, moved by every topic write): the report form's POST checks the chosen
    topic here rather than reading it (without a cache: read each time, one query as before)."""
    _make_key, topics, keep = fragments.read_under(fragments.CHOICES, parts=("active-topics",))
    if topics is None:
        topics = {topic.pk: topic for topic in Topic.objects.filter(is_active=True)}
        keep(topics)
    return topics


def rumour_units_named(*, rumours, path: str, named: int) -> dict:
    """{rumour id: (the first ``named`` unit names, how many units, sightings)} of these rumours in the
    subtree at ``path`` ("" for all), from the sightings' counters, the units where each was heard most
    first. The list of rumours names a few units per row: the database ranks and sums, and returns those
    few rows (a rumour heard across the city has a counter row in each of hundreds of units)."""
    rows = RumourUnitCount.objects.filter(rumour_id__in=list(rumours), sightings__gt=0)
    if path:
        rows = rows.filter(unit__path__startswith=path)
    by_rumour = {"partition_by": [F("rumour_id")]}
    rows = (
        rows.annotate(
            rank=Window(RowNumber(), **by_rumour, order_by=[F("sightings").desc(), F("unit__name").asc()]),
            units=Window(Count("pk"), **by_rumour),
            in_scope=Window(Sum("sightings"), **by_rumour),
        )
        .filter(rank__lte=named)
        .order_by("rumour_id", "rank")
        .values_list("rumour_id", "unit__name", "units", "in_scope")
    )
    named_units = {}
    for rumour_id, name, units, in_scope in rows:
        named_units.setdefault(rumour_id, ([], units, in_scope))[0].append(name)
    return named_units


def personal_data(person) -> list[dict]:
    """Every report ``person`` wrote (drafts too), in plain values, for the person's own-data download."""
    reports = Report.objects.filter(author=person).select_related("topic", "unit").prefetch_related("attachments")
    return [
        {
            "id": report.pk,
            "created_at": report.created_at,
            "first_submitted_at": report.first_submitted_at,
            "status": report.get_status_display(),
            "kind": report.get_kind_display(),
            "unit": report.unit.name,
            "topic": report.topic.name if report.topic else "",
            "title": report.title,
            "content": report.content,
            "place": report.place,
            "files": ", ".join(a.original_name for a in report.attachments.all()),
        }
        for report in reports.order_by("pk")
    ]


# How a report's author may be named to a reader. The one rule for every place that shows who wrote a
# report (its page and timeline, the queue, the rumour's sightings, the API, the exports, notifications):
# a collaborator who withdrew consent is named only to the reviewers who must act on the report (it waits
# for review and is in their care) and to themself; everyone else reads that the name is withheld.
NAMED, REVIEWER, WITHHELD, ANONYMISED = "named", "reviewer", "withheld", "anonymised"


def author_states(reports, viewer) -> dict:
    """{report pk: NAMED | REVIEWER | WITHHELD | ANONYMISED} for ``viewer``: one query for the authors'
    consent, one more only when a withdrawn author's report waits for review."""
    reports = list(reports)
    author_ids = {r.author_id for r in reports if r.author_id is not None}
    withdrawn = set()
    if author_ids and all(_profile_loaded(r) for r in reports if r.author_id is not None):
        withdrawn = {r.author_id for r in reports if r.author_id is not None and author_withdrawn(r)}
    elif author_ids:
        withdrawn = set(withdrawn_profiles().filter(user_id__in=author_ids).values_list("user_id", flat=True))
    waiting = [r.pk for r in reports if r.author_id in withdrawn and r.status == ReportStatus.SUBMITTED]
    acting = set()
    if waiting and viewer is not None and getattr(viewer, "is_authenticated", False):
        acting = set(Report.objects.manageable_by(viewer).filter(pk__in=waiting).values_list("pk", flat=True))
    states = {}
    for r in reports:
        if r.author_id is None:
            states[r.pk] = ANONYMISED
        elif r.author_id not in withdrawn or (viewer is not None and viewer.pk == r.author_id):
            states[r.pk] = NAMED
        else:
            states[r.pk] = REVIEWER if r.pk in acting else WITHHELD
    return states


def _profile_loaded(report) -> bool:
    """Whether the author's profile came with the report (``select_related("author__profile")``)."""
    author = report._state.fields_cache.get("author")
    return author is not None and "profile" in author._state.fields_cache


def author_consent_state(report, viewer) -> str:
    """How ``report``'s author may be named to ``viewer`` (see ``author_states``)."""
    return author_states([report], viewer)[report.pk]


def author_label(report, state) -> str:
    """The author as ``state`` lets them be shown: the name, or why it is not there (``report`` None: only
    the notes, for ``author_shown_expression``)."""
    if state == ANONYMISED or (report is not None and report.author_id is None):
        return _("(anonymised at the end of its retention period)")
    if state == WITHHELD:
        return _("(name withheld: consent withdrawn)")
    return report.author.get_full_name()


# The consent rule's one definition: an author withdrew consent when their profile has this field set (no
# profile: never withdrawn). ``author_withdrawn`` reads it on a report instance, ``withdrawn_profiles`` and
# ``author_shown_expression`` in a query; tests/reports/test_export_copy.py checks that they agree.
WITHDRAWN_FIELD = "consent_withdrawn_at"


def withdrawn_profiles():
    """The profiles of people who withdrew consent (the rule as a filter)."""
    return CollaboratorProfile.objects.filter(**{f"{WITHDRAWN_FIELD}__isnull": False})


def author_withdrawn(report) -> bool:
    """Whether the author withdrew consent, read from ``author__profile`` when it was selected."""
    if report.author_id is None:
        return False
    profile = getattr(report.author, "profile", None)
    return profile is not None and getattr(profile, WITHDRAWN_FIELD) is not None


def author_shown_expression():
    """The author of a report as a file that leaves the system names them, as a query expression on
    ``Report``: ``author_label(report, WITHHELD if author_withdrawn(report) else NAMED)`` computed in the
    database (the anonymised note, the withheld note, or ``get_full_name``), for reads without instances.
    The notes are in the active language."""
    return Case(
        When(author__isnull=True, then=Value(author_label(None, ANONYMISED))),
        When(**{f"author__profile__{WITHDRAWN_FIELD}__isnull": False}, then=Value(author_label(None, WITHHELD))),
        default=User.full_name_expression("author__"),
        output_field=CharField(),
    )


def actor_label(actor, report, state) -> str:
    """Who did something to a report (a timeline entry, a change in its history): the author is named
    only as ``state`` allows; staff are named."""
    if actor is None:
        return ""
    if report.author_id is not None and actor.pk == report.author_id and state in (WITHHELD, ANONYMISED):
        return author_label(report, state)
    return actor.get_full_name()
