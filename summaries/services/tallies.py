"""Keep the monthly tallies current, one report's difference at a time (never a full refresh).

``reports_tally(report_ids=...)`` recounts what each report contributes, compares it with what the
report was last counted as (``ReportTally``), and adds the difference to the tallies of the report's
unit's ancestors down to SUMMARY_ROLLUP_DEPTH. It runs in the transaction that changed the report
(the receivers of the reports app's domain signals, summaries/receivers.py), so the tallies always
equal a recount of the committed reports; the periodic catch-up re-applies it to reports changed
since its last run and takes out deleted ones, for writes that bypass the reports services.

Who reported in a period is not counted here: it is a fact the reports service writes once per person
and period (``collaborators.models.ReportingActivity``).
"""

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, JSONField, OuterRef, Subquery
from django.utils import timezone

from collaborators.models import Unit, UnitMove
from collaborators.services.people import quality_tally_add, quality_tally_reset_reports
from core import fragments
from core.upserts import upsert_add
from reports.models import Report
from summaries.columns import ALL_COLUMNS, DELAY_COLUMNS, FIELDS, columns_of, counted, month_of
from summaries.models import ReportTally, RumourMonthTally, UnitMonthTally

# The name of the dashboard's cached blocks (summaries/views/dashboard.py), moved by every tally change.
DASHBOARD_FRAGMENTS = fragments.FIGURES

STEPLEN = Unit.steplen


def _rolled_paths(path: str, day: date | None = None, moves: dict | None = None) -> list[str]:
    """The paths (as they are today) of the units down to SUMMARY_ROLLUP_DEPTH that ``path`` hung under on
    ``day``: a branch moved later (``UnitMove``) still counts its earlier days under its old ancestors."""
    chain = _chain_on(path, day, moves) if moves and day is not None else _prefixes(path, 1)
    return chain[: settings.SUMMARY_ROLLUP_DEPTH]


def _prefixes(path: str, start_depth: int) -> list[str]:
    return [path[: STEPLEN * d] for d in range(start_depth, len(path) // STEPLEN + 1)]


def _chain_on(path: str, day: date, moves: dict, _guard: int = 0) -> list[str]:
    """Root-to-``path`` paths of the units ``path`` hung under on ``day``; ``moves`` is
    {today's path of a moved unit: [(first day under the new parent, today's path of the old parent)]}."""
    depth = len(path) // STEPLEN
    for d in range(depth, 0, -1):
        prefix = path[: STEPLEN * d]
        for moved_on, old_parent_path in moves.get(prefix, ()):
            if moved_on > day and _guard < 50:
                return _chain_on(old_parent_path, day, moves, _guard + 1) + _prefixes(path, d)
    return _prefixes(path, 1)


def _moves() -> dict:
    """{today's path of a moved unit: [(moved on, today's path of its old parent)]}, earliest first."""
    moves: dict[str, list] = defaultdict(list)
    rows = UnitMove.objects.order_by("moved_on", "pk").values_list("unit__path", "moved_on", "old_parent__path")
    for unit_path, moved_on, old_parent_path in rows:
        moves[unit_path].append((moved_on, old_parent_path))
    return moves


def _day(r) -> date | None:
    return timezone.localdate(r["first_submitted_at"]) if r["first_submitted_at"] else None


def _contribution(r, unit_ids: dict, moves: dict | None = None) -> dict:
    if not counted(r):
        return {}
    return {
        "units": [unit_ids[p] for p in _rolled_paths(r["unit__path"], _day(r), moves)],
        "month": month_of(r["first_submitted_at"]).isoformat(),
        "topic": r["topic_id"] or 0,
        "policy": r["focus_policy_id"] or 0,
        "rumour": r["rumour_id"] or 0,
        "columns": columns_of(r),
        # The author's figures at the report's own unit (collaborators.QualityTally); a snapshot
        # written before these keys existed added nothing there, so taking it out takes nothing.
        "author": r["author_id"],
        "unit": r["unit_id"],
    }


# The tallies' columns a person's quality figures keep, by their names there.
QUALITY_OF = {"total": "sent", "status_accepted": "accepted", "status_returned": "returned"}
QUALITY_OF |= {"status_rejected": "rejected", "with_delay": "with_delay"}
QUALITY_OF |= {column: column for column in DELAY_COLUMNS}


def _add(deltas, rumour_deltas, contribution: dict, sign: int, quality_deltas=None) -> None:
    if not contribution:
        return
    if quality_deltas is not None and contribution.get("author"):
        row = quality_deltas[(contribution["author"], contribution["unit"], contribution["month"])]
        for column in contribution["columns"]:
            if column in QUALITY_OF:
                row[QUALITY_OF[column]] += sign
    for unit_id in contribution["units"]:
        key = (unit_id, contribution["month"], contribution["topic"], contribution["policy"])
        row = deltas[key]
        for column in contribution["columns"]:
            row[column] += sign
        if contribution["rumour"]:
            rumour_deltas[(unit_id, contribution["month"], contribution["rumour"])] += sign


_upsert = upsert_add  # core/upserts.py


def _apply(deltas, rumour_deltas, quality_deltas=None) -> None:
    rows = []
    for key in sorted(deltas):  # one order everywhere: concurrent transactions lock rows alike
        values = deltas[key]
        if any(values.values()):
            rows.append((*key, *(values.get(c, 0) for c in ALL_COLUMNS)))
    _upsert(
        UnitMonthTally._meta.db_table,
        ["unit_id", "month", "topic_id", "policy_id"],
        ALL_COLUMNS,
        [(u, date.fromisoformat(m), t, p, *rest) for (u, m, t, p, *rest) in rows],
    )
    _upsert(
        RumourMonthTally._meta.db_table,
        ["unit_id", "month", "rumour_id"],
        ["sightings"],
        [(u, date.fromisoformat(m), r, n) for (u, m, r), n in sorted(rumour_deltas.items()) if n],
    )
    if quality_deltas:
        quality_tally_add(
            rows=[
                (person, unit, date.fromisoformat(m), values)
                for (person, unit, m), values in sorted(quality_deltas.items())
                if any(values.values())
            ]
        )


# Without a savepoint of its own: it runs inside the transaction of the change it counts (or is that
# transaction, for the catch-up), and an error in it must undo that change anyway.
@transaction.atomic(savepoint=False)
def reports_tally(*, report_ids) -> int:
    """Bring the tallies in line with these reports' current state. Returns how many changed.

    Idempotent: a report already counted as it is now changes nothing. The reports' rows are locked
    as they are read (in id order), with what each was last counted as, so the save that triggered this
    and a concurrent catch-up cannot both add one report.
    """
    report_ids = list(report_ids)
    if not report_ids:
        return 0
    last_counted = ReportTally.objects.filter(report_id=OuterRef("pk")).values("counted")[:1]
    reports = list(
        Report.objects.select_for_update(of=("self",))
        .filter(pk__in=report_ids)
        .annotate(last_counted=Subquery(last_counted, output_field=JSONField()))
        .order_by("pk")
        .values(*FIELDS, "last_counted")
    )
    found = {r["pk"] for r in reports}
    snapshots = {r["pk"]: r.pop("last_counted") for r in reports}
    snapshots = {pk: counted for pk, counted in snapshots.items() if counted is not None}
    if len(found) < len(set(report_ids)):  # deleted reports: what they were counted as is taken out
        gone = ReportTally.objects.filter(report_id__in=set(report_ids) - found)
        snapshots.update(gone.values_list("report_id", "counted"))
    moves = _moves()
    paths = {p for r in reports for p in _rolled_paths(r["unit__path"], _day(r), moves)}
    unit_ids = dict(Unit.objects.filter(path__in=paths).values_list("path", "pk"))
    deltas = defaultdict(lambda: defaultdict(int))
    rumour_deltas = defaultdict(int)
    quality_deltas = defaultdict(lambda: defaultdict(int))
    changed, to_save, to_delete = 0, [], []
    for r in reports:
        new = _contribution(r, unit_ids, moves)
        old = snapshots.get(r["pk"]) or {}
        if new == old:
            continue
        changed += 1
        _add(deltas, rumour_deltas, old, -1, quality_deltas)
        _add(deltas, rumour_deltas, new, +1, quality_deltas)
        if new:
            to_save.append(ReportTally(report_id=r["pk"], counted=new))
        else:
            to_delete.append(r["pk"])
    for report_id, snapshot in snapshots.items():  # deleted reports
        if report_id not in found:
            changed += 1
            _add(deltas, rumour_deltas, snapshot, -1, quality_deltas)
            to_delete.append(report_id)
    _apply(deltas, rumour_deltas, quality_deltas)
    if to_delete:
        ReportTally.objects.filter(report_id__in=to_delete).delete()
    if to_save:
        ReportTally.objects.bulk_create(
            to_save, update_conflicts=True, unique_fields=["report_id"], update_fields=["counted"]
        )
    if changed:
        fragments.bump(DASHBOARD_FRAGMENTS)  # the dashboard's stored blocks show the old figures
    return changed


def _tally_in_batches(reports, size: int = 2000) -> int:
    """reports_tally over a queryset of reports, streamed by id, one transaction per ``size`` reports."""
    # Unordered: no walk of the default ordering's index.
    return _tally_ids_in_batches(reports.order_by().values_list("pk", flat=True), size)


def _tally_ids_in_batches(ids, size: int = 2000) -> int:
    changed, batch = 0, []
    for pk in ids.iterator(chunk_size=size):
        batch.append(pk)
        if len(batch) == size:
            changed += reports_tally(report_ids=batch)
            batch = []
    return changed + reports_tally(report_ids=batch)


def units_retally(*, units) -> int:
    """Recount the reports of branches that moved to another parent (their ancestors changed)."""
    return sum(_tally_in_batches(Report.objects.filter(unit__path__startswith=unit.path)) for unit in units)


CATCH_UP_KEY = "summaries.tallies.catch_up"


def tallies_catch_up(*, overlap_minutes: int = 10) -> int:
    """Re-apply the tally to reports changed since the last catch-up (a safety net; usually nothing).

    The reports services signal every change they make; a write outside them (a shell, a data fix, a
    ``QuerySet.update()`` that bumps ``updated_at``) is caught here, and so is a counted report deleted
    outside them (no service deletes a sent report): its last contribution is taken out. Returns how
    many changed.
    """
    from django.core.cache import cache

    now = timezone.now()
    since = cache.get(CATCH_UP_KEY) or now - timedelta(days=1)
    changed = _tally_in_batches(Report.objects.filter(updated_at__gte=since - timedelta(minutes=overlap_minutes)))
    gone = ReportTally.objects.filter(~Exists(Report.objects.filter(pk=OuterRef("report_id"))))
    changed += _tally_ids_in_batches(gone.values_list("report_id", flat=True))
    cache.set(CATCH_UP_KEY, now, None)
    return changed


def tallies_rebuild() -> int:
    """Count every report from scratch (first install, or after restoring a backup). Streams the reports."""
    with transaction.atomic():
        UnitMonthTally.objects.all().delete()
        RumourMonthTally.objects.all().delete()
        ReportTally.objects.all().delete()
        quality_tally_reset_reports()
    return _tally_in_batches(Report.objects.all(), size=5000)
