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

import functools
import json
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.expressions import Col
from django.utils import timezone

from collaborators.models import Unit, UnitMove
from collaborators.services.people import quality_tally_reset_reports, quality_tally_statements
from core import fragments
from core.upserts import CHUNK, execute_statements, upsert_statements
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
    """{today's path of a moved unit: [(moved on, today's path of its old parent)]}, earliest first.
    (reports_tally reads the same with the units' ids, without a query of its own: ``_moves_and_unit_ids``.)"""
    moves: dict[str, list] = defaultdict(list)
    rows = UnitMove.objects.order_by("moved_on", "pk").values_list("unit__path", "moved_on", "old_parent__path")
    for unit_path, moved_on, old_parent_path in rows:
        moves[unit_path].append((moved_on, old_parent_path))
    return moves


# --- the reads, in hand-written SQL -------------------------------------------------------------------
#
# reports_tally runs in the transaction of every report sent, and there the ORM's building of its queries
# (a locked read with a subquery, the moves, the units) cost as much as the database's work, in three
# round trips. Here the same reads are two statements built once per process from the models' names
# (quoted), with every value a parameter, and their values go through the fields' own converters, so a
# row reads as ``.values(*FIELDS)`` would read it, on PostgreSQL and SQLite alike. On PostgreSQL the
# tally of one report (every report sent, edited or reviewed) reads the second with the first: the ids of
# the units on the report's path and every move, aggregated as JSON in two more columns of its row.


class _Select:
    """One SELECT built once: its SQL around an IN list of parameters (after ``params``, the fixed ones
    before it), and a converter per column of ``columns`` (columns after those are read as they come)."""

    def __init__(self, head: str, tail: str, columns: list, params: tuple = ()):
        self.head, self.tail, self.params = head, tail, list(params)
        self.converters = []  # (column's index, [(converter, column)]), for the columns that have any
        for i, col in enumerate(columns):
            if converters := connection.ops.get_db_converters(col) + col.get_db_converters(connection):
                self.converters.append((i, [(convert, col) for convert in converters]))

    def rows(self, values: list) -> list[list]:
        with connection.cursor() as cursor:
            cursor.execute(self.head + ", ".join(["%s"] * len(values)) + self.tail, self.params + values)
            rows = [list(row) for row in cursor.fetchall()]
        for row in rows:
            for i, convs in self.converters:
                for convert, col in convs:
                    row[i] = convert(row[i], col, connection)
        return rows


def _column(model, name: str, alias: str | None = None) -> Col:
    """A model's column (``name``: a field's name, or "pk"), read from its table or from ``alias``."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return Col(alias or model._meta.db_table, field)


def _sql(col: Col) -> str:
    quote = connection.ops.quote_name
    return f"{quote(col.alias)}.{quote(col.target.column)}"


def _reads_moves_with_the_reports() -> bool:
    """Whether the reports' read can bring the units on their paths and the moves too (as JSON)."""
    return connection.vendor == "postgresql"


@functools.cache
def _reports_select(with_moves: bool = False) -> _Select:
    """The reports by id, in id order, locked (where the database can), each with its unit's path and
    what it was last counted as (``ReportTally``): FIELDS, then ``counted``. ``with_moves`` (PostgreSQL):
    then, as JSON text, the units on the report's path ({path: id}, as ``_moves_and_units_select`` reads
    them) and every unit move ([[moved on, the unit's path, the old parent's path]], in its order)."""
    quote = connection.ops.quote_name
    columns = [_column(Unit, "path") if name == "unit__path" else _column(Report, name) for name in FIELDS]
    columns.append(_column(ReportTally, "counted"))
    report, unit, tally = (quote(m._meta.db_table) for m in (Report, Unit, ReportTally))
    report_id = _sql(_column(Report, "pk"))
    selected, params = ", ".join(_sql(c) for c in columns), ()
    if with_moves:
        path, ancestor_path = _sql(_column(Unit, "path")), _sql(_column(Unit, "path", "ancestor"))
        (moved_on, move_id, moved_path, old_path), moves = _moves_sql()
        selected += (
            f", (SELECT json_object_agg({ancestor_path}, {_sql(_column(Unit, 'pk', 'ancestor'))})::text"  # noqa: S608
            f" FROM {unit} ancestor WHERE {ancestor_path} = ANY(ARRAY("
            f"SELECT left({path}, n) FROM generate_series(%s, length({path}), %s) n)))"
            f", (SELECT json_agg(json_build_array({moved_on}, {moved_path}, {old_path})"
            f" ORDER BY {moved_on}, {move_id})::text{moves})"
        )
        params = (STEPLEN, STEPLEN)
    lock = ""
    if connection.features.has_select_for_update:
        lock = f" FOR UPDATE OF {report}" if connection.features.has_select_for_update_of else " FOR UPDATE"
    head = (
        f"SELECT {selected} FROM {report}"  # noqa: S608
        f" INNER JOIN {unit} ON {_sql(_column(Unit, 'pk'))} = {_sql(_column(Report, 'unit'))}"
        f" LEFT OUTER JOIN {tally} ON {_sql(_column(ReportTally, 'pk'))} = {report_id}"
        f" WHERE {report_id} IN ("
    )
    return _Select(head, f") ORDER BY {report_id}{lock}", columns, params)


def _moves_sql() -> tuple[list[str], str]:
    """The unit moves' columns (moved on, the move's id, the unit's path, the old parent's path) and their
    FROM. Each path is a look-up of its own: quicker for PostgreSQL to plan than two joins."""
    quote = connection.ops.quote_name
    unit = quote(Unit._meta.db_table)
    paths = [
        f"(SELECT {_sql(_column(Unit, 'path', alias))} FROM {unit} {alias}"  # noqa: S608
        f" WHERE {_sql(_column(Unit, 'pk', alias))} = {_sql(_column(UnitMove, key))})"
        for alias, key in (("moved", "unit"), ("old_parent", "old_parent"))
    ]
    columns = [_sql(_column(UnitMove, "moved_on")), _sql(_column(UnitMove, "pk")), *paths]
    return columns, f" FROM {quote(UnitMove._meta.db_table)}"


@functools.cache
def _moves_and_units_select() -> _Select:
    """Every unit move as (moved on, its id, the unit's path, the old parent's path, NULL), earliest
    first, then the units of the given paths as (NULL, NULL, path, NULL, id): two reads, one round trip."""
    quote = connection.ops.quote_name
    path, unit_id = _column(Unit, "path"), _column(Unit, "pk")
    moves, moves_from = _moves_sql()
    head = (
        f"SELECT {', '.join(moves)}, NULL{moves_from}"  # noqa: S608
        f" UNION ALL SELECT NULL, NULL, {_sql(path)}, NULL, {_sql(unit_id)}"
        f" FROM {quote(Unit._meta.db_table)} WHERE {_sql(path)} IN ("
    )
    # The converters of each column (the paths' are those of the units' path).
    converted = [_column(UnitMove, "moved_on"), _column(UnitMove, "pk"), path, path, unit_id]
    return _Select(head, ") ORDER BY 1, 2", converted)


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


def _writes(deltas, rumour_deltas, quality_deltas, to_delete: list, to_save: list) -> list[tuple[str, list]]:
    """The statements that add the differences and keep what each report was counted as, sent in one
    round trip where the database takes several statements at once (core/upserts.py)."""
    rows = []
    for key in sorted(deltas):  # one order everywhere: concurrent transactions lock rows alike
        values = deltas[key]
        if any(values.values()):
            rows.append((*key, *(values.get(c, 0) for c in ALL_COLUMNS)))
    statements = upsert_statements(
        UnitMonthTally._meta.db_table,
        ["unit_id", "month", "topic_id", "policy_id"],
        ALL_COLUMNS,
        [(u, date.fromisoformat(m), t, p, *rest) for (u, m, t, p, *rest) in rows],
    )
    statements += upsert_statements(
        RumourMonthTally._meta.db_table,
        ["unit_id", "month", "rumour_id"],
        ["sightings"],
        [(u, date.fromisoformat(m), r, n) for (u, m, r), n in sorted(rumour_deltas.items()) if n],
    )
    statements += quality_tally_statements(
        rows=[
            (person, unit, date.fromisoformat(m), values)
            for (person, unit, m), values in sorted(quality_deltas.items())
            if any(values.values())
        ]
    )
    quote = connection.ops.quote_name
    table, key = quote(ReportTally._meta.db_table), quote(ReportTally._meta.pk.column)
    for start in range(0, len(to_delete), CHUNK):
        chunk = sorted(to_delete)[start : start + CHUNK]
        # The table's and column's names come from the model (quoted); every value is a parameter.
        sql = f"DELETE FROM {table} WHERE {key} IN ({', '.join(['%s'] * len(chunk))})"  # noqa: S608
        statements.append((sql, chunk))
    counted_field = ReportTally._meta.get_field("counted")
    statements += upsert_statements(
        ReportTally._meta.db_table,
        [ReportTally._meta.pk.column],
        [counted_field.column],
        [(pk, counted_field.get_db_prep_value(new, connection)) for pk, new in sorted(to_save)],
        add=False,
    )
    return statements


# Without a savepoint of its own: it runs inside the transaction of the change it counts (or is that
# transaction, for the catch-up), and an error in it must undo that change anyway.
@transaction.atomic(savepoint=False)
def reports_tally(*, report_ids, writes: list | None = None) -> int:
    """Bring the tallies in line with these reports' current state. Returns how many changed.

    Idempotent: a report already counted as it is now changes nothing. The reports' rows are locked
    as they are read (in id order), with what each was last counted as, so the save that triggered this
    and a concurrent catch-up cannot both add one report. ``writes``: a list of (sql, params) statements
    the caller runs next in the same transaction, with its own (``core.upserts.execute_statements``, one
    round trip on PostgreSQL): the tallies' writes are added to it instead of being run here.
    """
    report_ids = sorted(set(report_ids))
    if not report_ids:
        return 0
    # One report (every report sent, edited or reviewed) reads the ids of its units and the moves in its own
    # row where the database can (PostgreSQL); a batch reads them in a second query, so the moves come once
    # and not in each of its reports' rows.
    with_moves = len(report_ids) == 1 and _reads_moves_with_the_reports()
    reports, snapshots, read = [], {}, None
    width = len(FIELDS)
    for row in _reports_select(with_moves).rows(report_ids):  # 1st round trip
        r = dict(zip(FIELDS, row[:width], strict=True))
        reports.append(r)
        if row[width] is not None:
            snapshots[r["pk"]] = row[width]
        if with_moves:
            read = _moves_and_units_of(*row[width + 1 :])
    found = {r["pk"] for r in reports}
    if len(found) < len(report_ids):  # deleted reports: what they were counted as is taken out
        gone = ReportTally.objects.filter(report_id__in=set(report_ids) - found)
        snapshots.update(gone.values_list("report_id", "counted"))
    moves, unit_ids = _moves_and_unit_ids(reports, read)  # 2nd round trip, unless read with the report
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
            to_save.append((r["pk"], new))
        else:
            to_delete.append(r["pk"])
    for report_id, snapshot in snapshots.items():  # deleted reports
        if report_id not in found:
            changed += 1
            _add(deltas, rumour_deltas, snapshot, -1, quality_deltas)
            to_delete.append(report_id)
    # The last round trip on PostgreSQL: the 2nd for one report, the 3rd for a batch.
    statements = _writes(deltas, rumour_deltas, quality_deltas, to_delete, to_save)
    if writes is None:
        execute_statements(statements)
    else:
        writes.extend(statements)
    if changed:
        fragments.bump(DASHBOARD_FRAGMENTS)  # the dashboard's stored blocks show the old figures
    return changed


def _moves_and_unit_ids(reports: list[dict], read: tuple[dict, dict] | None = None) -> tuple[dict, dict]:
    """The moves (as ``_moves``) and {path: unit id} for every path the reports roll up to. The ids of
    every unit above each report's unit come with the moves (``read``, when the reports' own read brought
    them; else one query here); only a report dated before a move of its branch rolls up to units off its
    path today (its old ancestors), read in one more query."""
    if not reports:
        return {}, {}
    if read is None:
        read = _moves_and_units_read(sorted({p for r in reports for p in _prefixes(r["unit__path"], 1)}))
    moves, unit_ids = read
    paths = {p for r in reports for p in _rolled_paths(r["unit__path"], _day(r), moves)}
    if missing := paths - unit_ids.keys():
        unit_ids |= dict(Unit.objects.filter(path__in=missing).values_list("path", "pk"))
    return moves, unit_ids


def _moves_and_units_read(paths: list[str]) -> tuple[dict, dict]:
    """The moves (as ``_moves``) and {path: unit id} of these paths, in one query."""
    moves: dict[str, list] = defaultdict(list)
    unit_ids = {}
    for moved_on, _move_id, path, old_parent_path, unit_id in _moves_and_units_select().rows(paths):
        if moved_on is None:
            unit_ids[path] = unit_id
        else:
            moves[path].append((moved_on, old_parent_path))
    return moves, unit_ids


def _moves_and_units_of(units: str | None, moves: str | None) -> tuple[dict, dict]:
    """The same from the two JSON columns of a report's row read ``with_moves`` (``_reports_select``)."""
    moved: dict[str, list] = defaultdict(list)
    for moved_on, path, old_parent_path in json.loads(moves or "[]"):
        moved[path].append((date.fromisoformat(moved_on), old_parent_path))
    return moved, json.loads(units or "{}")


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
