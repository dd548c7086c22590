"""Grow a benchmark database: a copy of the one bench/summaries.py --keep leaves, with its reports multiplied.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/opinion_bench_summaries \\
        .venv/bin/python -u bench/grow.py [--to opinion_bench_10m --reports 10000000] [--replace] [--check-only]

Building 10,000,000 reports the way bench/summaries.py builds 1,000,000 (each report through the
incremental tally service) would take hours. This script instead:

1. ``CREATE DATABASE <--to> TEMPLATE <source>`` (the source is the database in DATABASE_URL and is never
   written to; a template copy needs a moment with no connection on the source, so it retries for
   ``--wait`` seconds rather than ending anyone's connection);
2. inserts ``--reports / source reports - 1`` copies of every report, in SQL. A copy keeps everything
   that decides what the report counts for (author, unit, kind, status, topic, focus policy, rumour,
   direction, breadth, concern, urgency, alert level, …) and gets the id ``copy number × highest source
   id + source id``, a new client token, and its dates moved together by one random shift that keeps its
   first sending in the same reporting period (spread over the period, never after now); the observation
   date moves by the same number of days, so the delay is the same. The per-period shape of the data is
   the source's, multiplied. The insert runs with ``session_replication_role = replica`` (no foreign-key
   checks: a copy points at the rows its source points at; no counter trigger: the counters are recounted
   below) and without the reports table's secondary indexes, which are built again afterwards;
3. makes every figure derived from the reports consistent, set-based:
   - the trigger-kept counters (reports per unit and status, sightings per rumour and unit) recounted;
   - each rumour's sighting count, first and last sighting recounted (as reports.services does);
   - the monthly tallies (``UnitMonthTally``, ``RumourMonthTally``) and the report columns of the quality
     tallies (``collaborators.QualityTally``; ``answered`` is not a report figure and stays): a copy counts
     exactly what its source counts (same month, units, topic, policy, rumour and columns), so each
     counter is multiplied by the factor; each copy gets its source's ``ReportTally`` snapshot;
   - the reporting facts (``ReportingActivity``: one per person and period, with the first day) for the
     copies' sendings, keeping the earlier day;
   - the reports' timelines (``ReportEvent``) and change history rows, copied with their report's shift;
4. VACUUM ANALYZE, then the checks (also alone with ``--check-only``), each printed with its result:
   the dashboard's figures (city and one union, the latest complete and the current month) and the city's
   monthly summary compile against bench/summaries.py's hand-written SQL over the reports table; the
   counters, rumour sightings, reporting facts, quality tallies and monthly tallies against full recounts
   from the reports table; the snapshots against ``_contribution()`` of the tally service for a sample.
   ``--prove-checks`` first breaks one row of each derived table inside a transaction, runs the checks,
   requires each one to fail, and rolls back.

Prints the time of each step. The factor is the whole number nearest to ``--reports`` / the source's reports
(the tallies are multiplied), so the new database has exactly that multiple.
"""

import argparse
import os
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_network.settings")

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import summaries as bench  # noqa: E402  (django.setup() there)
from collaborators.models import Unit, UnitMove  # noqa: E402
from collaborators.models.activity import DELAY_COLUMNS, DELAY_DAYS, QUALITY_REPORT_COLUMNS  # noqa: E402
from core.periods import month_add, period_month, start_day  # noqa: E402
from reports.models import Breadth, Concern, Direction, Report, ReportKind, ReportStatus  # noqa: E402
from summaries.columns import ALL_COLUMNS, FIELDS  # noqa: E402
from summaries.models import ReportingPeriod, ReportTally, Summary  # noqa: E402
from summaries.services.summaries import summary_schedule  # noqa: E402
from summaries.services.tallies import _contribution, _moves  # noqa: E402

TZ = settings.TIME_ZONE
CHUNK = 100_000  # source ids per INSERT … SELECT (times the copies per report)
SAMPLE = 3_000  # reports whose snapshot is compared with the tally service's own _contribution()
STEPS: list[tuple[str, float]] = []


@contextmanager
def step(label: str):
    print(f"{label} …", flush=True)
    started = time.perf_counter()
    yield
    took = time.perf_counter() - started
    STEPS.append((label, took))
    print(f"  {label}: {took:.1f} s", flush=True)


def connect(db: dict, name: str):
    conn = psycopg2.connect(
        dbname=name, user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"] or None
    )
    conn.autocommit = True
    return conn


# ---------------------------------------------------------------------------------------------
# 1. The template copy
# ---------------------------------------------------------------------------------------------


def copy_database(db: dict, source: str, target: str, replace: bool, wait: float) -> None:
    admin = connect(db, "postgres")
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target])
        if cursor.fetchone():
            if not replace:
                sys.exit(f"{target} exists: give --replace to build it again, or --check-only to check it")
            cursor.execute(f'DROP DATABASE "{target}" WITH (FORCE)')
        # CREATE DATABASE waits up to 5 s for the source's other connections to go, and meanwhile holds off new
        # ones: it is tried only when nobody is connected (others benchmark on the source), never ending theirs.
        deadline, tries, waited = time.monotonic() + wait, 0, time.monotonic()
        while True:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [source])
            if cursor.fetchone()[0] == 0:
                tries += 1
                try:
                    cursor.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                    break
                except psycopg2.errors.ObjectInUse:
                    pass
            if time.monotonic() > deadline:
                sys.exit(f"{source} kept open connections for {wait:.0f} s; try again later")
            time.sleep(0.2)
        print(f"  copied after {time.monotonic() - waited:.0f} s of waiting, {tries} tries", flush=True)
    admin.close()


# ---------------------------------------------------------------------------------------------
# 2. The copies
# ---------------------------------------------------------------------------------------------

# The reporting period of a report's first sending (or, for a draft, its creation) as local times: the
# period starts on start_day at local midnight (core.periods; start_day 1: calendar months).
PERIOD_OF = """
    CASE WHEN extract(day FROM {local}) >= %(sd)s
         THEN date_trunc('month', {local}) + (%(sd)s - 1) * interval '1 day'
         ELSE date_trunc('month', {local}) - interval '1 month' + (%(sd)s - 1) * interval '1 day' END
"""
SHIFTED = {"created_at": "r.{c} + s.shift", "first_submitted_at": "r.{c} + s.shift"}
SHIFTED_CAPPED = ("updated_at", "submitted_at", "reviewed_at", "overdue_notified_at")  # never after now


def report_columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position", [table]
    )
    return [row[0] for row in cursor.fetchall()]


def copy_sql(columns: list[str]) -> str:
    targets, values = [], []
    for c in columns:
        if c == "id":
            expr = "s.copy_no * %(m)s + r.id"
        elif c == "client_token":
            expr = "gen_random_uuid()"
        elif c == "observed_on":
            # the same delay: the observation moves by as many local days as the sending
            expr = (
                "r.observed_on + (((s.moment + s.shift) AT TIME ZONE %(tz)s)::date"
                " - (s.moment AT TIME ZONE %(tz)s)::date)"
            )
        elif c in SHIFTED:
            expr = SHIFTED[c].format(c=c)
        elif c in SHIFTED_CAPPED:
            expr = f"least(r.{c} + s.shift, now())"
        else:
            expr = f"r.{c}"
        targets.append(c)
        values.append(expr)
    period = PERIOD_OF.format(local="w.local_at")
    return f"""
        WITH w AS (
            SELECT r.id, coalesce(r.first_submitted_at, r.created_at) AS moment,
                   coalesce(r.first_submitted_at, r.created_at) AT TIME ZONE %(tz)s AS local_at
            FROM reports_report r WHERE r.id BETWEEN %(lo)s AND %(hi)s
        ), p AS (
            SELECT w.id, w.moment, ({period}) AS starts FROM w
        ), s AS (
            SELECT p.id, p.moment, c.n AS copy_no,
                   (p.starts AT TIME ZONE %(tz)s)
                   + random() * (least((p.starts + interval '1 month') AT TIME ZONE %(tz)s, now())
                                 - (p.starts AT TIME ZONE %(tz)s))
                   - p.moment AS shift
            FROM p CROSS JOIN generate_series(1, %(copies)s) AS c(n)
        )
        INSERT INTO reports_report ({", ".join(targets)})
        SELECT {", ".join(values)} FROM s JOIN reports_report r ON r.id = s.id
    """  # noqa: S608 (column names from the catalogue, values as parameters)


def secondary_indexes(cursor) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The reports table's indexes other than its primary key: (name, CREATE INDEX) of plain ones and
    (name, constraint definition) of those behind a unique constraint."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid), c.conname, c.contype, pg_get_constraintdef(c.oid)"
        " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid"
        " WHERE x.indrelid = 'reports_report'::regclass AND NOT x.indisprimary ORDER BY i.relname"
    )
    plain, constraints = [], []
    for name, definition, conname, _kind, condef in cursor.fetchall():
        if conname:
            constraints.append((conname, condef))
        else:
            plain.append((name, definition))
    return plain, constraints


def insert_copies(cursor, source_max: int, copies: int, keep_indexes: bool) -> None:
    plain, constraints = secondary_indexes(cursor)
    if not keep_indexes:
        with step(f"drop {len(plain)} indexes and {len(constraints)} unique constraints of reports_report"):
            for name, _definition in plain:
                cursor.execute(f'DROP INDEX "{name}"')
            for name, _definition in constraints:
                cursor.execute(f'ALTER TABLE reports_report DROP CONSTRAINT "{name}"')
    columns = report_columns(cursor, "reports_report")
    sql = copy_sql(columns)
    params = {"m": source_max, "copies": copies, "tz": TZ, "sd": start_day()}
    with step(f"insert {copies} copies of each report"):
        cursor.execute("SET session_replication_role = replica")  # no FK checks, no counter trigger
        started = time.perf_counter()
        for lo in range(1, source_max + 1, CHUNK):
            hi = min(lo + CHUNK - 1, source_max)
            cursor.execute(sql, {**params, "lo": lo, "hi": hi})
            took = time.perf_counter() - started
            print(f"    copies of ids {lo:>9,}–{hi:>9,}: {cursor.rowcount:,} rows ({took:.0f} s)", flush=True)
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('reports_report', 'id'), (SELECT max(id) FROM reports_report))"
        )
    if not keep_indexes:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for name, definition in plain:
            with step(f"create index {name}"):
                cursor.execute(definition)
        for name, definition in constraints:
            with step(f"add constraint {name}"):
                cursor.execute(f'ALTER TABLE reports_report ADD CONSTRAINT "{name}" {definition}')


# ---------------------------------------------------------------------------------------------
# 3. The derived figures
# ---------------------------------------------------------------------------------------------

# The shift of each copy of a source report that has rows in {table}: (copy id, source id, interval, local days).
SHIFTS = """
    SELECT c.n * %(m)s + o.id AS new_id, o.id AS old_id,
           coalesce(n.first_submitted_at, n.created_at) - coalesce(o.first_submitted_at, o.created_at) AS shift,
           (coalesce(n.first_submitted_at, n.created_at) AT TIME ZONE %(tz)s)::date
           - (coalesce(o.first_submitted_at, o.created_at) AT TIME ZONE %(tz)s)::date AS days
    FROM reports_report o CROSS JOIN generate_series(1, %(copies)s) AS c(n)
    JOIN reports_report n ON n.id = c.n * %(m)s + o.id
    WHERE o.id <= %(m)s AND o.id IN (SELECT DISTINCT {key} FROM {table})
"""


def derive(cursor, source_max: int, factor: int) -> None:
    m = {"m": source_max, "copies": factor - 1, "k": factor, "tz": TZ, "sd": start_day()}
    with step("recount reports per unit and status, sightings per rumour and unit (trigger-kept counters)"):
        cursor.execute("DELETE FROM reports_unitreportcount")
        cursor.execute(
            "INSERT INTO reports_unitreportcount (unit_id, status, reports) SELECT unit_id, status, count(*)"
            " FROM reports_report WHERE status <> 'draft' GROUP BY unit_id, status"
        )
        cursor.execute("DELETE FROM reports_rumourunitcount")
        cursor.execute(
            "INSERT INTO reports_rumourunitcount (rumour_id, unit_id, sightings) SELECT rumour_id, unit_id, count(*)"
            " FROM reports_report WHERE status <> 'draft' AND rumour_id IS NOT NULL GROUP BY rumour_id, unit_id"
        )
    with step("recount each rumour's sightings, first and last"):
        cursor.execute(
            "UPDATE reports_rumour rm SET sighting_count = coalesce(c.n, 0), first_seen_at = c.f, last_seen_at = c.l"
            " FROM reports_rumour x LEFT JOIN (SELECT rumour_id, count(*) n, min(submitted_at) f, max(submitted_at) l"
            " FROM reports_report WHERE rumour_id IS NOT NULL AND status <> 'draft' GROUP BY rumour_id) c"
            " ON c.rumour_id = x.id WHERE x.id = rm.id"
        )
    with step(f"multiply the monthly tallies and the quality tallies' report columns by {factor}"):
        sets = ", ".join(f"{c} = {c} * %(k)s" for c in ALL_COLUMNS)
        cursor.execute(f"UPDATE summaries_unitmonthtally SET {sets}", m)  # noqa: S608 (names from the model)
        cursor.execute("UPDATE summaries_rumourmonthtally SET sightings = sightings * %(k)s", m)
        sets = ", ".join(f"{c} = {c} * %(k)s" for c in QUALITY_REPORT_COLUMNS)
        cursor.execute(f"UPDATE collaborators_qualitytally SET {sets}", m)  # noqa: S608
    with step("copy each report's tally snapshot to its copies"):
        cursor.execute(
            "INSERT INTO summaries_reporttally (report_id, counted)"
            " SELECT c.n * %(m)s + t.report_id, t.counted FROM summaries_reporttally t"
            " CROSS JOIN generate_series(1, %(copies)s) AS c(n) WHERE t.report_id <= %(m)s",
            m,
        )
    with step("record the copies' reporting facts (one per person and period, its first day)"):
        local = "(r.first_submitted_at AT TIME ZONE %(tz)s)"
        facts = (
            "SELECT r.author_id, ({month}) AS month, min({local}::date) AS first_day FROM reports_report r"
            " WHERE {ids} AND r.status <> 'draft' AND r.first_submitted_at IS NOT NULL AND r.author_id IS NOT NULL"
            " GROUP BY 1, 2"
        )
        # bench/summaries.py records the facts of each load separately, and a later load's reports are spread
        # over the same months: where one of them came earlier in a period, the fact kept the later first day.
        cursor.execute(
            "UPDATE collaborators_reportingactivity a SET first_reported_on = f.first_day"  # noqa: S608
            f" FROM ({facts.format(month=bench.MONTH, local=local, ids='r.id <= %(m)s')}) f"
            " WHERE a.person_id = f.author_id AND a.month = f.month AND a.first_reported_on > f.first_day",
            {**m, "start_day": start_day()},
        )
        print(f"    {cursor.rowcount:,} facts of the source moved to the first day of their period", flush=True)
        cursor.execute(
            "INSERT INTO collaborators_reportingactivity (person_id, month, first_reported_on)"  # noqa: S608
            f" {facts.format(month=bench.MONTH, local=local, ids='r.id > %(m)s')}"
            " ON CONFLICT (month, person_id) DO UPDATE SET first_reported_on = excluded.first_reported_on"
            " WHERE collaborators_reportingactivity.first_reported_on > excluded.first_reported_on",
            {**m, "start_day": start_day()},
        )
        print(f"    {cursor.rowcount:,} facts added or moved earlier by the copies", flush=True)
    with step("copy the reports' timelines and change history"):
        cursor.execute("SELECT count(*) FROM reports_reportevent")
        (events,) = cursor.fetchone()
        if events:
            shifts = SHIFTS.format(key="report_id", table="reports_reportevent")
            cursor.execute(
                f"INSERT INTO reports_reportevent (report_id, actor_id, kind, note, internal, created_at)"
                f" SELECT s.new_id, e.actor_id, e.kind, e.note, e.internal, least(e.created_at + s.shift, now())"
                f" FROM ({shifts}) s JOIN reports_reportevent e ON e.report_id = s.old_id",
                m,
            )
            print(f"    {cursor.rowcount:,} events copied ({events:,} in the source)", flush=True)
        cursor.execute("SELECT count(*) FROM reports_historicalreport")
        (history,) = cursor.fetchone()
        if history:
            columns = [c for c in report_columns(cursor, "reports_historicalreport") if c != "history_id"]
            values = []
            for c in columns:
                if c == "id":
                    values.append("s.new_id")
                elif c in ("history_date", *SHIFTED, *SHIFTED_CAPPED):
                    values.append(f"least(h.{c} + s.shift, now())")
                elif c == "observed_on":
                    values.append("h.observed_on + s.days")
                elif c == "client_token":
                    values.append("n.client_token")
                else:
                    values.append(f"h.{c}")
            shifts = SHIFTS.format(key="id", table="reports_historicalreport")
            cursor.execute(
                f"INSERT INTO reports_historicalreport ({', '.join(columns)}) SELECT {', '.join(values)}"  # noqa: S608
                f" FROM ({shifts}) s JOIN reports_historicalreport h ON h.id = s.old_id"
                " JOIN reports_report n ON n.id = s.new_id",
                m,
            )
            print(f"    {cursor.rowcount:,} history rows copied ({history:,} in the source)", flush=True)


def vacuum(cursor) -> None:
    with step("VACUUM ANALYZE"):
        cursor.execute("VACUUM ANALYZE")


# ---------------------------------------------------------------------------------------------
# 4. The checks
# ---------------------------------------------------------------------------------------------

COUNTED = bench.COUNTED
DELAY = bench.DELAY
MONTH = bench.MONTH


def _diff_sql(recount: str, kept: str, key: list[str], columns: list[str]) -> str:
    """Rows where a recount and a kept table differ (a missing row counts as zeros), and both sides' sums."""
    on = " AND ".join(f"a.{k} = b.{k}" for k in key)
    differ = " OR ".join(f"coalesce(a.{c}, 0) <> coalesce(b.{c}, 0)" for c in columns)
    first = columns[0]
    return (
        f"SELECT count(*) FILTER (WHERE {differ}), coalesce(sum(a.{first}), 0), coalesce(sum(b.{first}), 0)"
        f" FROM ({recount}) a FULL JOIN ({kept}) b ON {on}"
    )


def _column_filters() -> dict[str, str]:
    """Hand-written SQL for the monthly tallies' columns the checks compare."""
    hot = bench.HOT
    filters = {"total": "true"}
    filters |= {f"kind_{k}": f"r.kind = '{k}'" for k in ReportKind.values}
    filters |= {f"status_{s}": f"r.status = '{s}'" for s in ReportStatus.values if s != ReportStatus.DRAFT}
    filters |= {f"dir_{d}": f"r.direction = '{d}'" for d in Direction.values}
    filters |= {f"breadth_{b}": f"r.breadth = '{b}'" for b in Breadth.values}
    filters |= {f"concern_{c}": f"r.concern = '{c}'" for c in Concern.values}
    filters |= {
        "urgent": "r.urgent",
        "urgent_open": "r.urgent AND r.status IN ('submitted', 'returned')",
        "hot": hot,
        "hot_open": f"{hot} AND r.status IN ('submitted', 'returned')",
        "urgent_returned": "r.urgent AND r.status = 'returned'",
        "hot_returned": f"{hot} AND r.status = 'returned'",
        "with_delay": "r.observed_on IS NOT NULL",
    }
    filters |= {column: f"({DELAY}) = {min(d, DELAY_DAYS)}" for d, column in enumerate(DELAY_COLUMNS)}
    return filters


def _counts(filters: dict[str, str]) -> str:
    return ", ".join(f"count(*) FILTER (WHERE {f}) AS {c}" for c, f in filters.items())


def recount_checks(cursor) -> dict[str, str | None]:
    """Every derived table against a full recount from the reports table: {check: problem or None}."""
    params = {"tz": TZ, "start_day": start_day(), "steplen": Unit.steplen, "depth": settings.SUMMARY_ROLLUP_DEPTH}
    results = {}

    def check(name, sql, describe):
        started = time.perf_counter()
        cursor.execute(sql, params)
        row = cursor.fetchone()
        problem = describe(row)
        results[name] = problem
        took = time.perf_counter() - started
        print(f"  {'FAIL' if problem else 'ok  '} {name}: {problem or describe_ok(row)} ({took:.1f} s)", flush=True)

    def describe_ok(row):
        return f"{row[1]:,} counted, equal row by row"

    def mismatch(row):
        return f"{row[0]:,} rows differ (recount {row[1]:,}, kept {row[2]:,})" if row[0] or row[1] != row[2] else None

    check(
        "queue counters (reports per unit and status) = COUNT(*) by unit and status",
        _diff_sql(
            "SELECT unit_id, status, count(*) AS reports FROM reports_report WHERE status <> 'draft' GROUP BY 1, 2",
            "SELECT unit_id, status, reports FROM reports_unitreportcount",
            ["unit_id", "status"],
            ["reports"],
        ),
        mismatch,
    )
    check(
        "sightings counters (per rumour and unit) = COUNT(*)",
        _diff_sql(
            "SELECT rumour_id, unit_id, count(*) AS sightings FROM reports_report"
            " WHERE status <> 'draft' AND rumour_id IS NOT NULL GROUP BY 1, 2",
            "SELECT rumour_id, unit_id, sightings FROM reports_rumourunitcount",
            ["rumour_id", "unit_id"],
            ["sightings"],
        ),
        mismatch,
    )
    check(
        "each rumour's sighting count, first and last = its reports",
        "SELECT count(*) FILTER (WHERE rm.sighting_count <> coalesce(c.n, 0) OR rm.first_seen_at IS DISTINCT FROM c.f"
        " OR rm.last_seen_at IS DISTINCT FROM c.l), coalesce(sum(c.n), 0), sum(rm.sighting_count)"
        " FROM reports_rumour rm LEFT JOIN (SELECT rumour_id, count(*) n, min(submitted_at) f, max(submitted_at) l"
        " FROM reports_report WHERE rumour_id IS NOT NULL AND status <> 'draft' GROUP BY 1) c ON c.rumour_id = rm.id",
        mismatch,
    )
    check(
        "reporting facts = (person, period, first day) of the sent reports",
        "SELECT count(*) FILTER (WHERE a.first_reported_on IS DISTINCT FROM b.first_reported_on), count(a.person_id),"
        " count(b.person_id) FROM ("
        f"  SELECT r.author_id AS person_id, {MONTH} AS month, min((r.first_submitted_at AT TIME ZONE %(tz)s)::date)"
        "   AS first_reported_on FROM reports_report r WHERE r.status <> 'draft' AND r.first_submitted_at IS NOT NULL"
        "   AND r.author_id IS NOT NULL GROUP BY 1, 2"
        ") a FULL JOIN collaborators_reportingactivity b ON a.person_id = b.person_id AND a.month = b.month",
        mismatch,
    )
    quality = {
        "sent": "true",
        "accepted": "r.status = 'accepted'",
        "returned": "r.status = 'returned'",
        "rejected": "r.status = 'rejected'",
        "with_delay": "r.observed_on IS NOT NULL",
    } | {column: f"({DELAY}) = {min(d, DELAY_DAYS)}" for d, column in enumerate(DELAY_COLUMNS)}
    check(
        "quality tallies (report columns) = a recount per person, unit and period",
        _diff_sql(
            f"SELECT r.author_id AS person_id, r.unit_id, {MONTH} AS month, {_counts(quality)}"
            f" FROM reports_report r WHERE {COUNTED} AND r.author_id IS NOT NULL GROUP BY 1, 2, 3",
            f"SELECT person_id, unit_id, month, {', '.join(QUALITY_REPORT_COLUMNS)} FROM collaborators_qualitytally",
            ["person_id", "unit_id", "month"],
            QUALITY_REPORT_COLUMNS,
        ),
        mismatch,
    )
    # A report counts under its unit's ancestors down to SUMMARY_ROLLUP_DEPTH (no unit has moved: checked below).
    rolled = (
        "FROM reports_report r JOIN collaborators_unit u ON u.id = r.unit_id"
        " CROSS JOIN generate_series(1, %(depth)s) AS d(n)"
        " JOIN collaborators_unit a ON a.path = left(u.path, d.n * %(steplen)s) AND length(u.path) >= d.n * %(steplen)s"
        f" WHERE {COUNTED}"
    )
    filters = _column_filters()
    check(
        f"monthly unit tallies ({len(filters)} of {len(ALL_COLUMNS)} columns) = a recount per unit, month,"
        " topic and policy",
        _diff_sql(
            f"SELECT a.id AS unit_id, {MONTH} AS month, coalesce(r.topic_id, 0) AS topic_id,"
            f" coalesce(r.focus_policy_id, 0) AS policy_id, {_counts(filters)} {rolled} GROUP BY 1, 2, 3, 4",
            f"SELECT unit_id, month, topic_id, policy_id, {', '.join(filters)} FROM summaries_unitmonthtally",
            ["unit_id", "month", "topic_id", "policy_id"],
            list(filters),
        ),
        mismatch,
    )
    check(
        "monthly rumour tallies = a recount per unit, month and rumour",
        _diff_sql(
            f"SELECT a.id AS unit_id, {MONTH} AS month, r.rumour_id, count(*) AS sightings {rolled}"
            " AND r.rumour_id IS NOT NULL GROUP BY 1, 2, 3",
            "SELECT unit_id, month, rumour_id, sightings FROM summaries_rumourmonthtally",
            ["unit_id", "month", "rumour_id"],
            ["sightings"],
        ),
        mismatch,
    )
    check(
        "one tally snapshot per counted report, none for others",
        "SELECT count(*) FILTER (WHERE r.id IS NULL OR t.report_id IS NULL), count(r.id), count(t.report_id)"
        f" FROM (SELECT r.id FROM reports_report r WHERE {COUNTED}) r"
        " FULL JOIN (SELECT report_id FROM summaries_reporttally WHERE counted <> '{}'::jsonb) t ON t.report_id = r.id",
        mismatch,
    )
    return results


def snapshot_check(seed: int, also=()) -> str | None:
    """A sample of reports (copies and sources; and ``also``) against what the tally service itself would
    count them as."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM reports_report")
        low, high = cursor.fetchone()
    rng = random.Random(seed)
    ids = {rng.randint(low, high) for _ in range(SAMPLE)} | set(also)
    reports = list(Report.objects.filter(pk__in=ids).values(*FIELDS))
    moves = _moves()
    unit_ids = dict(Unit.objects.values_list("path", "pk"))
    snapshots = dict(ReportTally.objects.filter(report_id__in=ids).values_list("report_id", "counted"))
    wrong = [r["pk"] for r in reports if _contribution(r, unit_ids, moves) != snapshots.get(r["pk"], {})]
    problem = f"{len(wrong):,} of {len(reports):,} differ, e.g. {wrong[:5]}" if wrong else None
    print(
        f"  {'FAIL' if problem else 'ok  '} tally snapshots = the tally service's _contribution() for"
        f" {len(reports):,} sampled reports{': ' + problem if problem else ''}",
        flush=True,
    )
    return problem


def page_checks(raw) -> dict[str, list[str]]:
    """bench/summaries.py's checks: the dashboard and the monthly compile against SQL over the reports table."""
    root = Unit.objects.get(depth=1)
    communes = sorted(Unit.objects.filter(depth=2), key=lambda u: u.numchild)
    commune = communes[len(communes) // 2]
    current = period_month(timezone.localdate())
    results = {}
    for unit in (root, commune):
        for month in (month_add(current, -1), current):
            started = time.perf_counter()
            problems = bench.dashboard_check(raw, unit, month)
            name = f"dashboard of {unit.name}, {month:%Y-%m} = hand-written SQL over the reports"
            results[name] = problems
            print(f"  {'FAIL' if problems else 'ok  '} {name} ({time.perf_counter() - started:.1f} s)", flush=True)
            for problem in problems[:10]:
                print(f"       {problem}")
    period = ReportingPeriod.objects.month_of(month_add(current, -1))
    summary = (
        Summary.objects.filter(scope=root, period=period).first() or summary_schedule(scope=root, period=period)[0]
    )
    started = time.perf_counter()
    problems = bench.compile_check(raw, summary)
    name = f"monthly summary compile of {root.name}, {period.month:%Y-%m} = hand-written SQL"
    results[name] = problems
    print(f"  {'FAIL' if problems else 'ok  '} {name} ({time.perf_counter() - started:.1f} s)", flush=True)
    for problem in problems[:10]:
        print(f"       {problem}")
    return results


def run_checks(raw, seed: int) -> int:
    """All checks; returns how many failed."""
    moved = UnitMove.objects.count()
    if moved:
        print(f"  note: {moved} unit moves: the monthly tally recount below ignores them and may differ")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_report")
        (n,) = cursor.fetchone()
        print(f"  {n:,} reports", flush=True)
        failed = sum(1 for problem in recount_checks(cursor).values() if problem)
    failed += 1 if snapshot_check(seed) else 0
    failed += sum(1 for problems in page_checks(raw).values() if problems)
    return failed


def prove_checks(raw, seed: int) -> bool:
    """Break one row of each derived table in a transaction, run every check, require each to fail; roll back."""
    print("proving the checks can fail: one row of each derived table broken inside a transaction …", flush=True)
    root = Unit.objects.get(depth=1)
    month = month_add(period_month(timezone.localdate()), -1)
    first = "WHERE id = (SELECT min(id) FROM {table}{where})"
    breaks = [
        ("reports_unitreportcount", "reports = reports + 1", ""),
        ("reports_rumourunitcount", "sightings = sightings + 1", ""),
        ("reports_rumour", "last_seen_at = last_seen_at + interval '1 second'", " WHERE sighting_count > 0"),
        ("collaborators_reportingactivity", "first_reported_on = first_reported_on + 1", ""),
        ("collaborators_qualitytally", "delay_3 = delay_3 + 1", ""),
        # the city's row of the month the dashboard check reads: the dashboard check must see it too
        ("summaries_unitmonthtally", "dir_negative = dir_negative + 1", f" WHERE unit_id = {root.pk} AND total > 0"
         f" AND month = '{month:%Y-%m-%d}'"),
        ("summaries_rumourmonthtally", "sightings = sightings + 1", ""),
    ]  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        for table, change, where in breaks:
            cursor.execute(f"UPDATE {table} SET {change} " + first.format(table=table, where=where))  # noqa: S608
        cursor.execute(
            "DELETE FROM summaries_reporttally"
            " WHERE report_id = (SELECT max(report_id) FROM summaries_reporttally WHERE counted <> '{}'::jsonb)"
        )
        cursor.execute("SELECT min(report_id) FROM summaries_reporttally WHERE counted <> '{}'::jsonb")
        (changed,) = cursor.fetchone()
        cursor.execute(
            "UPDATE summaries_reporttally SET counted = jsonb_set(counted, '{topic}', '999') WHERE report_id = %s",
            [changed],
        )
        results = recount_checks(cursor)
        results["snapshots"] = snapshot_check(seed, also=[changed])
        dashboard = bench.dashboard_check(raw, root, month)
        print(f"  {'FAIL' if dashboard else 'ok  '} dashboard of {root.name}, {month:%Y-%m}: {dashboard[:2]}")
        period = ReportingPeriod.objects.month_of(month)
        summary = Summary.objects.filter(scope=root, period=period).first()
        compiled = bench.compile_check(raw, summary) if summary else ["no summary to compile"]
        print(f"  {'FAIL' if compiled else 'ok  '} monthly summary compile of {root.name}: {compiled[:2]}")
        transaction.set_rollback(True)
    passed = [name for name, problem in results.items() if not problem]
    passed += ([] if dashboard else ["dashboard"]) + ([] if compiled else ["compile"])
    if passed:
        print(f"  DEFECT: these checks did not see the broken row: {passed}")
    else:
        print(f"  each of the {len(results) + 2} checks failed on its broken row; rolled back")
    return not passed  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--to", default="opinion_bench_10m", help="the database to build (name containing 'bench')")
    parser.add_argument("--reports", type=int, default=10_000_000, help="reports in the new database")
    parser.add_argument("--replace", action="store_true", help="drop --to first if it exists")
    parser.add_argument("--wait", type=float, default=600, help="seconds to wait for no connection on the source")
    parser.add_argument("--keep-indexes", action="store_true", help="insert with the reports' indexes in place")
    parser.add_argument("--check-only", action="store_true", help="only check --to (built before)")
    parser.add_argument("--prove-checks", action="store_true", help="first show that each check fails on a broken row")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()

    db = settings.DATABASES["default"]
    source = db["NAME"]
    if "postgresql" not in db["ENGINE"] or "bench" not in source or "bench" not in args.to or source == args.to:
        sys.exit(
            "DATABASE_URL must name the PostgreSQL bench database to copy, --to another whose name contains 'bench'"
        )
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    print(f"{timezone.now():%Y-%m-%d %H:%M} UTC: {source} → {args.to}, load average {load_at_start:.1f}", flush=True)

    if not args.check_only:
        with step(f"CREATE DATABASE {args.to} TEMPLATE {source}"):
            copy_database(db, source, args.to, args.replace, args.wait)
    conn = connect(db, args.to)
    connection.settings_dict["NAME"] = args.to  # Django's own connection: the new database from here on
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*), max(id) FROM reports_report")
        n, source_max = cursor.fetchone()
        if not args.check_only:
            factor = max(2, round(args.reports / n))  # the tallies are multiplied: a whole factor
            print(f"{n:,} reports (highest id {source_max:,}) × {factor} = {n * factor:,}", flush=True)
            insert_copies(cursor, source_max, factor - 1, args.keep_indexes)
            derive(cursor, source_max, factor)
            vacuum(cursor)
            print("\n| step | seconds |\n|---|--:|")
            for label, took in STEPS:
                print(f"| {label} | {took:.1f} |")
            print(f"| **build, all steps** | **{sum(t for _l, t in STEPS):.0f}** |", flush=True)
    conn.close()

    raw = bench.Raw({**db, "NAME": args.to})
    try:
        proved = prove_checks(raw, args.seed) if args.prove_checks else True
        print("checks …", flush=True)
        checks_started = time.perf_counter()
        failed = run_checks(raw, args.seed)
        took = time.perf_counter() - checks_started
        print(f"checks: {'all passed' if not failed else f'{failed} FAILED'} in {took:.0f} s")
    finally:
        raw.close()
    print(
        f"whole run {time.perf_counter() - started:.0f} s; load average {load_at_start:.1f} at the start,"
        f" {os.getloadavg()[0]:.1f} at the end"
    )
    if failed or not proved:
        sys.exit(1)


if __name__ == "__main__":
    main()
