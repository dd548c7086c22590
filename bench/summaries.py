"""Summaries benchmark: the dashboard and the monthly compile at 100,000 and 1,000,000 reports.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/opinion_bench_summaries \\
        .venv/bin/python bench/summaries.py [--reports 1000000 --first 100000 --repeat 30] [--small] [--keep]

Drops and re-creates the database named in DATABASE_URL (PostgreSQL, name containing "bench"),
migrates it, loads a city federation -> 84 commune/ward unions -> grassroots unions (7,000 units)
and 20,000 people (bench/roster.py's loaders), 120 tracked rumours, then reports with
INSERT ... SELECT generate_series spread over 36 months (kinds, topics, focus policies, direction,
breadth, concern, urgent, alert level, observation date, status by age, rumour links). Reports
loaded by SQL bypass the reports services (and the signals they send), so they are then tallied
through the real incremental service, ``reports_tally(report_ids=...)``, in batches of 5,000 ids
(reports/s printed), and their authors' reporting facts recorded through
``collaborators.services.people.reporting_activities_record``.

Measured in one run, at --first reports and again after growing to --reports (loaded in the same
36 months, tallied incrementally on top of the first tallies):
  * GET /dashboard/?period=<latest complete month> through Django's test Client with force_login,
    for city-federation staff and for staff of one commune/ward union: median and p95 of --repeat
    runs after warm-up, queries per request, time inside SQL; next to (a) hand-written SQL on a
    plain psycopg2 connection computing the same figures straight from the reports table (checked
    equal to the dashboard's figures) and (b) a minimal view behind the same middleware;
  * summary_compile() of the city's and the union's monthly summary and the city's weekly one (a
    week is counted by streaming its reports), next to hand-written SQL for their figures; and peak
    worker memory: a separate Python process that runs django.setup(), compiles one summary and
    prints its peak RSS (VmHWM; ru_maxrss is printed too, but on Linux it starts from the parent's
    RSS at fork), against its own peak right after django.setup().
Prints Markdown tables (copied into docs/benchmarks.md), the slowest queries of one dashboard
request and the EXPLAIN of the slowest. The database is dropped at the end unless --keep is given.
"""

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import types
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_network.settings")

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.reports import texts  # noqa: E402
from bench.roster import (  # noqa: E402
    drop_database,
    load_people,
    load_units,
    p95,
    recreate_database,
    timed,
)
from collaborators.models import Role, Unit, User  # noqa: E402
from collaborators.services.people import reporting_activities_record  # noqa: E402
from core.periods import month_add, period_bounds, period_month, start_day  # noqa: E402
from core.text import fold  # noqa: E402
from reports.models import FocusPolicy, Report, Rumour, Topic, Verification  # noqa: E402
from summaries import selectors  # noqa: E402
from summaries.models import (  # noqa: E402
    ReportingPeriod,
    ReportTally,
    RumourMonthTally,
    Summary,
    SummaryStatus,
    UnitMonthTally,
)
from summaries.services.summaries import summary_compile, summary_schedule  # noqa: E402
from summaries.services.tallies import reports_tally  # noqa: E402

CHUNK = 200_000  # reports per INSERT … SELECT
TALLY_BATCH = 5_000  # ids per reports_tally() call, as tallies_rebuild() does
N_RUMOURS = 120
TZ = settings.TIME_ZONE
UNLIMITED = 1e9  # timed()'s budget: every one of --repeat runs is timed

# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------

# Topics by code, rough shares of the reports (the rest split evenly): wages, jobs and prices lead.
TOPIC_WEIGHTS = {
    "TIEN_LUONG": 16, "VIEC_LAM": 12, "GIA_CA": 11, "BHXH": 9, "NHA_O": 7, "CHINH_SACH_PL": 7, "QHLD": 6,
    "CHINH_TRI": 5, "ATVSLD": 4, "GIAO_DUC_Y_TE": 4, "GIAO_THONG": 4, "MOI_TRUONG": 3, "CONG_DOAN": 4,
    "QUOC_TE": 2, "TIN_XAU_DOC": 3, "KHAC": 3,
}  # fmt: skip
VERIFICATION_WEIGHTS = {
    Verification.UNVERIFIED: 50,
    Verification.TRUE: 10,
    Verification.FALSE: 25,
    Verification.CORRECTED: 15,
}

LOAD_SQL = """
WITH s AS (
    SELECT g,
           1 + floor(random() * %(n_authors)s)::int AS a,
           1 + floor(random() * %(n_texts)s)::int AS t,
           random() AS rk, random() AS rs, random() AS rd, random() AS rb, random() AS rc, random() AS ru,
           random() AS ra, random() AS rp, random() AS rt, random() AS rr, random() AS ro, random() AS rn,
           random() AS rv, random() AS rw,
           -- 36 months back from now, a little denser in recent months (the network grows)
           now() - power(random(), 1.15) * interval '1095 days' AS at
    FROM generate_series(%(lo)s, %(hi)s) AS g
), k AS (
    SELECT s.*,
           rn < 0.02 AS nothing_new,
           CASE WHEN rn < 0.02 THEN ''
                WHEN rk < 0.60 THEN 'opinion' WHEN rk < 0.72 THEN 'proposal' WHEN rk < 0.82 THEN 'question'
                WHEN rk < 0.95 THEN 'rumour' ELSE 'hot_spot' END AS kind,
           CASE WHEN at > now() - interval '10 days' THEN
                    CASE WHEN rs < 0.45 THEN 'submitted' WHEN rs < 0.52 THEN 'returned'
                         WHEN rs < 0.85 THEN 'accepted' WHEN rs < 0.90 THEN 'rejected' ELSE 'draft' END
                WHEN at > now() - interval '40 days' THEN
                    CASE WHEN rs < 0.08 THEN 'submitted' WHEN rs < 0.11 THEN 'returned'
                         WHEN rs < 0.88 THEN 'accepted' WHEN rs < 0.94 THEN 'rejected'
                         WHEN rs < 0.97 THEN 'archived' ELSE 'draft' END
                ELSE
                    CASE WHEN rs < 0.004 THEN 'submitted' WHEN rs < 0.008 THEN 'returned'
                         WHEN rs < 0.82 THEN 'accepted' WHEN rs < 0.88 THEN 'rejected'
                         WHEN rs < 0.98 THEN 'archived' ELSE 'draft' END
           END AS status,
           -- a focus policy on ~18 %% of the reports sent after it started to be tracked
           1 + floor(rv * %(n_policies)s)::int AS pi,
           CASE WHEN ro < 0.10 THEN NULL ELSE floor(-ln(1 - rw) * 3)::int END AS delay
    FROM s
), p AS (
    SELECT k.*,
           CASE WHEN NOT k.nothing_new AND rp < 0.18
                     AND k.at >= (%(policy_starts)s::date[])[k.pi] THEN k.pi ELSE 0 END AS policy
    FROM k
)
INSERT INTO reports_report (
    author_id, unit_id, nothing_new, kind, topic_id, focus_policy_id, title, content, direction, breadth,
    concern, spread, source, group_concerned, place, observed_on, people_involved, urgent, status,
    verification, alert_level, rumour_id, client_token, search_text,
    created_at, updated_at, submitted_at, first_submitted_at, reviewed_at
)
SELECT a.user_id, a.unit_id, p.nothing_new, p.kind,
       CASE WHEN p.nothing_new THEN NULL
            WHEN p.policy > 0 THEN (%(policy_topics)s::int[])[p.policy]
            WHEN rt < 0.03 THEN NULL
            ELSE (%(topic_pick)s::int[])[1 + floor(rt * 100)::int] END,
       CASE WHEN p.policy > 0 THEN (%(policy_ids)s::int[])[p.policy] END,
       CASE WHEN p.nothing_new THEN 'Không có gì mới' ELSE (%(titles)s::text[])[p.t] END,
       CASE WHEN p.nothing_new THEN '' ELSE (%(contents)s::text[])[p.t] END,
       CASE WHEN p.nothing_new OR rd < 0.05 THEN '' WHEN rd < 0.48 THEN 'positive' WHEN rd < 0.73 THEN 'neutral'
            WHEN rd < 0.88 THEN 'negative' ELSE 'mixed' END,
       CASE WHEN p.nothing_new OR rb < 0.10 THEN '' WHEN rb < 0.20 THEN 'overwhelming' WHEN rb < 0.43 THEN 'majority'
            WHEN rb < 0.70 THEN 'many' WHEN rb < 0.92 THEN 'some' ELSE 'few' END,
       CASE WHEN p.nothing_new OR rc < 0.05 THEN '' WHEN rc < 0.25 THEN 'high' WHEN rc < 0.75 THEN 'medium'
            ELSE 'low' END,
       CASE WHEN p.nothing_new THEN ''
            ELSE (ARRAY['unit','ward','industrial_park','city','national','online'])[1 + floor(rr * 6)::int] END,
       CASE WHEN p.nothing_new THEN ''
            ELSE (ARRAY['direct','meeting','social_media','press','hearsay'])[1 + floor(ra * 5)::int] END,
       '', '',
       CASE WHEN p.nothing_new OR p.delay IS NULL THEN NULL
            ELSE (p.at AT TIME ZONE %(tz)s)::date - p.delay END,
       CASE WHEN p.kind = 'hot_spot' THEN 10 + floor(ru * 490)::int END,
       -- a "nothing new" note is never urgent (reports.services.report_nothing_new)
       CASE WHEN p.nothing_new THEN false WHEN p.kind = 'hot_spot' THEN ru < 0.35 ELSE ru < 0.02 END,
       p.status,
       CASE WHEN p.kind = 'rumour' THEN 'unverified' ELSE '' END,
       CASE WHEN p.kind = 'hot_spot' THEN CASE WHEN ra < 0.6 THEN 'hot_spot' ELSE 'complex' END
            WHEN p.nothing_new OR ra < 0.90 THEN 'normal' WHEN ra < 0.96 THEN 'watch' WHEN ra < 0.99 THEN 'complex'
            ELSE 'hot_spot' END,
       -- three rumour reports in four are linked to a tracked rumour, the first rumours most often
       CASE WHEN p.kind = 'rumour' AND rr < 0.75
            THEN (%(rumour_ids)s::int[])[1 + floor(power(rr / 0.75, 2) * %(n_rumours)s)::int] END,
       gen_random_uuid(),
       CASE WHEN p.nothing_new THEN '' ELSE (%(folds)s::text[])[p.t] END,
       p.at - interval '20 minutes', p.at,
       CASE WHEN p.status = 'draft' THEN NULL ELSE p.at END,
       CASE WHEN p.status = 'draft' THEN NULL ELSE p.at END,
       CASE WHEN p.status IN ('draft', 'submitted') THEN NULL
            ELSE least(p.at + rs * interval '3 days', now()) END
FROM p JOIN bench_authors a ON a.rn = p.a
"""


def load_rumours(rng: random.Random, topics: list) -> list[int]:
    variants = list(VERIFICATION_WEIGHTS)
    rumours = []
    for i in range(N_RUMOURS):
        verification = rng.choices(variants, list(VERIFICATION_WEIGHTS.values()))[0]
        title = f"Tin đồn số {i + 1}: {rng.choice(['cắt giảm', 'tăng', 'điều chỉnh', 'dừng'])} chế độ tại doanh nghiệp"
        rumours.append(
            Rumour(
                title=title,
                topic=rng.choice(topics),
                verification=verification,
                resolution_note="" if verification == Verification.UNVERIFIED else "Đã xác minh với cơ quan chức năng.",
                search_text=fold(title),
            )
        )
    return [r.pk for r in Rumour.objects.bulk_create(rumours)]


def load_params(rumour_ids: list[int]) -> dict:
    variants = texts()
    topics = {t.code: t.pk for t in Topic.objects.all()}
    pick = []
    for code, weight in TOPIC_WEIGHTS.items():
        pick += [topics[code]] * weight
    pick = (pick + list(topics.values()) * 100)[:100]
    policies = list(FocusPolicy.objects.order_by("pk"))
    return {
        "n_texts": len(variants),
        "titles": [v[0] for v in variants],
        "contents": [v[1] for v in variants],
        "folds": [v[2] for v in variants],
        "topic_pick": pick,
        "n_policies": len(policies),
        "policy_ids": [p.pk for p in policies],
        "policy_topics": [p.topic_id or pick[0] for p in policies],
        "policy_starts": [p.started_on or date(2000, 1, 1) for p in policies],
        "rumour_ids": rumour_ids,
        "n_rumours": len(rumour_ids),
        "tz": TZ,
    }


def vacuum_analyze() -> float:
    started = time.perf_counter()
    old = connection.get_autocommit()
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
    connection.set_autocommit(old)
    return time.perf_counter() - started


def load_reports(params: dict, first: int, last: int) -> float:
    """Insert reports numbered first..last (generate_series), then refresh the rumours' counters."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bench_authors AS SELECT row_number() OVER (ORDER BY id) AS rn,"
            " id AS user_id, unit_id FROM collaborators_user WHERE role = %s AND unit_id IS NOT NULL",
            [Role.COLLABORATOR],
        )
        cursor.execute("CREATE UNIQUE INDEX IF NOT EXISTS bench_authors_rn ON bench_authors (rn)")
        cursor.execute("SELECT count(*) FROM bench_authors")
        (n_authors,) = cursor.fetchone()
        for lo in range(first, last + 1, CHUNK):
            hi = min(lo + CHUNK - 1, last)
            cursor.execute(LOAD_SQL, {**params, "n_authors": n_authors, "lo": lo, "hi": hi})
            print(f"  inserted up to {hi:>9,} ({time.perf_counter() - started:.0f} s)", flush=True)
        cursor.execute(
            "UPDATE reports_rumour rm SET sighting_count = c.n, first_seen_at = c.f, last_seen_at = c.l"
            " FROM (SELECT rumour_id, count(*) n, min(submitted_at) f, max(submitted_at) l FROM reports_report"
            " WHERE rumour_id IS NOT NULL AND status <> 'draft' GROUP BY rumour_id) c WHERE c.rumour_id = rm.id"
        )
    return time.perf_counter() - started


def tally_after(last_id: int) -> tuple[int, float]:
    """Tally every report with id > last_id through the incremental service, TALLY_BATCH ids at a time."""
    ids = list(Report.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True))
    started = time.perf_counter()
    changed = 0
    for index in range(0, len(ids), TALLY_BATCH):
        changed += reports_tally(report_ids=ids[index : index + TALLY_BATCH])
        reset_queries()  # DEBUG keeps every query's text; the upserts are long
        done = index + TALLY_BATCH
        if done % 100_000 == 0 or done >= len(ids):
            took = time.perf_counter() - started
            print(
                f"  tallied {min(done, len(ids)):>9,} ({took:.0f} s, {min(done, len(ids)) / took:,.0f}/s)", flush=True
            )
    return changed, time.perf_counter() - started


def record_facts_after(last_id: int) -> float:
    """The reporting facts (one per author and period of a first sending) of reports with id > last_id,
    as the reports service writes them when a report is sent."""
    started = time.perf_counter()
    sent = (
        Report.objects.filter(pk__gt=last_id, first_submitted_at__isnull=False)
        .exclude(status="draft")
        .order_by()
        .values_list("author_id", "first_submitted_at")
    )
    reporting_activities_record(
        sendings=((author_id, timezone.localdate(moment)) for author_id, moment in sent.iterator(chunk_size=20_000))
    )
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# Raw SQL: the same figures straight from the reports table
# ---------------------------------------------------------------------------------------------

COUNTED = "r.status <> 'draft' AND NOT r.nothing_new AND r.first_submitted_at IS NOT NULL"
# The reporting period (core.periods) of a report's first sending, named by its month: the 15th to the 14th
# by default (%(start_day)s > 1: from that day on a date belongs to the next month), calendar months with 1.
SENT_DAY = "(r.first_submitted_at AT TIME ZONE %(tz)s)"
MONTH = (
    f"(date_trunc('month', {SENT_DAY}) + CASE WHEN %(start_day)s > 1 AND extract(day FROM {SENT_DAY}) >= %(start_day)s"
    " THEN interval '1 month' ELSE interval '0 days' END)::date"
)
HOT = "(r.kind = 'hot_spot' OR r.alert_level = 'hot_spot')"
# GREATEST() ignores NULLs: without the CASE a report with no observation date would count as 0 days.
DELAY = (
    "CASE WHEN r.observed_on IS NOT NULL"
    " THEN least(greatest((r.first_submitted_at AT TIME ZONE %(tz)s)::date - r.observed_on, 0), 15) END"
)
FROM_SUBTREE = "FROM reports_report r JOIN collaborators_unit u ON u.id = r.unit_id WHERE u.path LIKE %(prefix)s"


def local_start(day: date):
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day))


def period_start(month: date):
    """The first moment of the reporting period named by ``month`` (core.periods.period_bounds)."""
    return local_start(period_bounds(month)[0])


def period_end(month: date):
    """The first moment after the reporting period named by ``month``."""
    return local_start(period_bounds(month)[1] + timedelta(days=1))


def sql_params(unit: Unit, month: date) -> dict:
    return {
        "tz": TZ,
        "start_day": start_day(),
        "prefix": unit.path + "%",
        "child_len": len(unit.path) + Unit.steplen,
        "start12": period_start(month_add(month, -11)),
        "previous": period_start(month_add(month, -1)),
        "start": period_start(month),
        "end": period_end(month),
        "month_start": period_start(month),
        "month_end": period_end(month),
        "silent_month": period_month(timezone.localdate() - timedelta(weeks=settings.SUMMARY_SILENT_WEEKS)),
    }


def compile_params(summary: Summary) -> dict:
    """sql_params() for a summary's period (a month or a week) and the period before it."""
    period = summary.period
    month = period_month(period.starts_on)  # a week's compliance is its first day's month (summary_figures)
    return {
        **sql_params(summary.scope, month),
        "previous": local_start(period.previous().starts_on),
        "start": local_start(period.starts_on),
        "end": local_start(period.ends_on + timedelta(days=1)),
    }


COMPLIANCE_SQL = """
SELECT CASE WHEN length(u.path) >= %(child_len)s THEN left(u.path, %(child_len)s) ELSE u.path END AS child,
       count(*) AS active,
       count(*) FILTER (WHERE p.id IN (
           SELECT r.author_id FROM reports_report r
           WHERE r.status <> 'draft' AND r.first_submitted_at >= %(month_start)s
             AND r.first_submitted_at < %(month_end)s
       )) AS reported
FROM collaborators_user p JOIN collaborators_unit u ON u.id = p.unit_id
JOIN collaborators_collaboratorprofile cp ON cp.user_id = p.id
WHERE u.path LIKE %(prefix)s AND p.role = 'collaborator' AND p.is_active AND cp.status = 'active'
GROUP BY 1 ORDER BY 1
"""
SILENT_SQL = """
SELECT count(*) FROM (
    SELECT p.unit_id FROM collaborators_user p JOIN collaborators_unit u ON u.id = p.unit_id
    JOIN collaborators_collaboratorprofile cp ON cp.user_id = p.id
    WHERE u.path LIKE %(prefix)s AND p.role = 'collaborator' AND p.is_active AND cp.status = 'active'
    GROUP BY p.unit_id HAVING NOT bool_or(EXISTS (
        SELECT 1 FROM collaborators_reportingactivity ra WHERE ra.person_id = p.id AND ra.month >= %(silent_month)s
    ))
) s
"""

DASHBOARD_SQL = {
    # 12 months by kind, with the hot spots and rapid reports per month (the hot chart)
    "over_time": f"""
        SELECT {MONTH}, r.kind, count(*), count(*) FILTER (WHERE {HOT}), count(*) FILTER (WHERE r.urgent)
        {FROM_SUBTREE} AND {COUNTED} AND r.first_submitted_at >= %(start12)s AND r.first_submitted_at < %(end)s
        GROUP BY 1, 2""",
    # direction per topic, this month and the previous one (top topics and their change)
    "topics": f"""
        SELECT {MONTH}, coalesce(r.topic_id, 0), r.direction, count(*)
        {FROM_SUBTREE} AND {COUNTED} AND r.first_submitted_at >= %(previous)s AND r.first_submitted_at < %(end)s
        GROUP BY 1, 2, 3""",
    # each focus policy's reception over 12 months
    "policies": f"""
        SELECT {MONTH}, r.focus_policy_id, r.direction, count(*)
        {FROM_SUBTREE} AND {COUNTED} AND r.focus_policy_id IS NOT NULL
          AND r.first_submitted_at >= %(start12)s AND r.first_submitted_at < %(end)s
        GROUP BY 1, 2, 3""",
    # activity: statuses, median delay between observation and submission
    "activity": f"""
        SELECT r.status, count(*), count(r.observed_on),
               percentile_disc(0.5) WITHIN GROUP (ORDER BY {DELAY})
        {FROM_SUBTREE} AND {COUNTED} AND r.first_submitted_at >= %(start)s AND r.first_submitted_at < %(end)s
        GROUP BY ROLLUP (1)""",
    # open hot spots and rapid reports (whatever their month), and the ten newest
    "hot_counts": f"""
        SELECT count(*) FILTER (WHERE {HOT} AND r.status = 'submitted'),
               count(*) FILTER (WHERE {HOT} AND r.status = 'returned'),
               count(*) FILTER (WHERE r.urgent AND r.status = 'submitted'),
               count(*) FILTER (WHERE r.urgent AND r.status = 'returned')
        {FROM_SUBTREE} AND r.status IN ('submitted', 'returned') AND ({HOT} OR r.urgent)""",
    "hot_items": f"""
        SELECT r.id, r.title, r.status, r.submitted_at, u.name, t.name
        FROM reports_report r JOIN collaborators_unit u ON u.id = r.unit_id
        LEFT JOIN reports_topic t ON t.id = r.topic_id
        WHERE u.path LIKE %(prefix)s AND r.status IN ('submitted', 'returned') AND ({HOT} OR r.urgent)
        ORDER BY r.submitted_at DESC, r.id DESC LIMIT 10""",
    # rumours with their sightings in the month
    "rumours": f"""
        SELECT r.rumour_id, rm.title, rm.verification, count(*)
        {FROM_SUBTREE.replace("WHERE", "JOIN reports_rumour rm ON rm.id = r.rumour_id WHERE")}
          AND {COUNTED} AND r.first_submitted_at >= %(start)s AND r.first_submitted_at < %(end)s
        GROUP BY 1, 2, 3""",
    # compliance per child unit (active collaborators, who sent something this month), silent units
    "compliance": COMPLIANCE_SQL,
    "silent": SILENT_SQL,
}

COMPILE_SQL = {
    # every count of the summary for the month and the previous one, per topic
    "counts": f"""
        SELECT r.first_submitted_at >= %(start)s, coalesce(r.topic_id, 0), r.kind, r.status, r.direction,
               r.breadth, r.concern,
               count(*), count(*) FILTER (WHERE r.urgent), count(*) FILTER (WHERE {HOT}),
               count(*) FILTER (WHERE {HOT} AND r.status IN ('submitted', 'returned'))
        {FROM_SUBTREE} AND {COUNTED} AND r.first_submitted_at >= %(previous)s AND r.first_submitted_at < %(end)s
        GROUP BY 1, 2, 3, 4, 5, 6, 7""",
    # three latest accepted non-rumour reports of each topic (the summary keeps the five largest)
    "examples": f"""
        SELECT * FROM (
            SELECT coalesce(r.topic_id, 0) AS topic, r.id, r.title, left(r.content, 400), u.name,
                   row_number() OVER (PARTITION BY r.topic_id ORDER BY r.first_submitted_at DESC) AS n
            {FROM_SUBTREE} AND {COUNTED} AND r.first_submitted_at >= %(start)s AND r.first_submitted_at < %(end)s
              AND r.status = 'accepted' AND r.kind <> 'rumour'
        ) x WHERE n <= 3""",
    "hot_spots": f"""
        SELECT r.id, r.title, u.name, r.status, r.people_involved, left(r.content, 400)
        {FROM_SUBTREE} AND {COUNTED} AND r.first_submitted_at >= %(start)s AND r.first_submitted_at < %(end)s
          AND ({HOT} OR r.urgent) ORDER BY r.first_submitted_at DESC LIMIT 15""",
    "rumours": DASHBOARD_SQL["rumours"],
    "proposals": f"""
        SELECT r.id, r.title, left(r.content, 400), u.name
        {FROM_SUBTREE} AND {COUNTED} AND r.first_submitted_at >= %(start)s AND r.first_submitted_at < %(end)s
          AND r.kind = 'proposal' AND r.status <> 'rejected' ORDER BY r.first_submitted_at DESC LIMIT 15""",
    "compliance": COMPLIANCE_SQL,
    "silent": SILENT_SQL,
}


class Raw:
    """A plain psycopg2 connection (autocommit) running a dict of named queries."""

    def __init__(self, db):
        self.conn = psycopg2.connect(
            dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"]
        )
        self.conn.autocommit = True

    def run(self, queries: dict, params: dict) -> dict:
        results = {}
        with self.conn.cursor() as cursor:
            for name, sql in queries.items():
                cursor.execute(sql, params)
                results[name] = cursor.fetchall()
        return results

    def timed(self, queries, params, repeat):
        for _ in range(3):
            self.run(queries, params)
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            result = self.run(queries, params)
            samples.append((time.perf_counter() - start) * 1000)
        return {"median": statistics.median(samples), "p95": p95(samples), "queries": len(queries), "result": result}

    def close(self):
        self.conn.close()


# ---------------------------------------------------------------------------------------------
# The raw figures against the app's
# ---------------------------------------------------------------------------------------------


def dashboard_mismatches(unit: Unit, month: date, raw: dict) -> list[str]:
    """Compare the hand-written SQL's figures with the selectors' (what the dashboard shows)."""
    period = ReportingPeriod.objects.month_of(month)
    stats = selectors.statistics(unit, period)
    problems = []

    def same(label, mine, theirs):
        if mine != theirs:
            problems.append(f"{label}: raw {mine} vs app {theirs}")

    kinds = defaultdict(Counter)
    for m, kind, n, hot, urgent in raw["over_time"]:
        kinds[m][f"kind_{kind}"] += n
        kinds[m]["hot"] += hot
        kinds[m]["urgent"] += urgent
    for point in stats["over_time"]:
        app = Counter({k: v for k, v in point.items() if k.startswith("kind_") or k in ("hot", "urgent")})
        same(f"over time {point['month']:%Y-%m}", +kinds[point["month"]], +app)

    topics = defaultdict(Counter)
    for m, topic, direction, n in raw["topics"]:
        topics[(m, topic)]["total"] += n
        if direction:
            topics[(m, topic)][f"dir_{direction}"] += n
    for row in stats["by_topic"]:
        app = Counter({k: v for k, v in row["counts"].items() if k == "total" or k.startswith("dir_")})
        same(f"topic {row['topic_id']}", +topics[(month, row["topic_id"])], +app)
        same(
            f"topic {row['topic_id']} previous",
            topics[(selectors.month_add(month, -1), row["topic_id"])]["total"],
            row["previous"],
        )
    same(
        "topics listed",
        {t for (m, t), c in topics.items() if c["total"]},
        {row["topic_id"] for row in stats["by_topic"]},
    )

    policies = Counter()
    for m, policy, _direction, n in raw["policies"]:
        policies[(m, policy)] += n
    app_policies = Counter(
        {(p["month"], item["policy_id"]): p["counts"]["total"] for item in stats["by_policy"] for p in item["series"]}
    )
    same("policies over time", +policies, +app_policies)

    statuses = {status: n for status, n, _w, _d in raw["activity"] if status is not None}
    rollup = next(row for row in raw["activity"] if row[0] is None) if raw["activity"] else (None, 0, 0, None)
    same("statuses", statuses, {k[7:]: v for k, v in stats["totals"].items() if k.startswith("status_") and v})
    same("with delay", rollup[2], stats["activity"]["with_delay"])
    same("median delay", rollup[3], stats["activity"]["median_delay"])

    sightings = {r[0]: r[3] for r in raw["rumours"]}
    same("rumour sightings (all)", sightings, dict(selectors.rumour_sightings(unit, month)))
    same(
        "rumours listed",
        {r.pk: r.period_sightings for r in stats["rumours"]},
        {r.pk: sightings[r.pk] for r in stats["rumours"]},
    )
    by_verification = Counter()
    for _id, _title, verification, n in raw["rumours"]:
        by_verification[verification] += n
    same(
        "sightings by verification",
        +by_verification,
        +Counter({v: c["sightings"] for v, c in stats["rumours_by_verification"].items()}),
    )

    counts = selectors.open_hot_counts(unit)
    same(
        "open hot/urgent",
        list(raw["hot_counts"][0]),
        [counts[k] for k in ("hot_submitted", "hot_returned", "urgent_submitted", "urgent_returned")],
    )

    compliance = selectors.compliance(unit, period)
    app_rows = {row["unit"].path: (row["active"], row["reported"]) for row in compliance["rows"]}
    same("compliance per unit", {child: (a, r) for child, a, r in raw["compliance"]}, app_rows)
    same("silent units", raw["silent"][0][0], compliance["silent_count"])
    return problems


def dashboard_check(raw: Raw, unit: Unit, month: date) -> list[str]:
    """The dashboard's figures for ``unit`` and ``month`` against the hand-written SQL over the reports
    table, once (bench/grow.py checks a grown database with it); the mismatches, empty when all equal."""
    return dashboard_mismatches(unit, month, raw.run(DASHBOARD_SQL, sql_params(unit, month)))


def compile_check(raw: Raw, summary: Summary) -> list[str]:
    """Compile ``summary`` with the real service and compare its figures with the hand-written SQL."""
    Summary.objects.filter(pk=summary.pk).update(status=SummaryStatus.PENDING, claimed_until=None)
    if not summary_compile(summary_id=summary.pk):
        return [f"summary {summary.pk} was not compiled"]
    summary.refresh_from_db()
    return compile_mismatches(summary, raw.run(COMPILE_SQL, compile_params(summary)))


def compile_mismatches(summary: Summary, raw: dict) -> list[str]:
    figures = summary.statistics
    totals, previous, by_topic = Counter(), Counter(), defaultdict(Counter)
    for current, topic, kind, status, direction, _b, _c, n, _u, _h, _ho in raw["counts"]:
        if current:
            totals[f"kind_{kind}"] += n
            totals[f"status_{status}"] += n
            totals["reports"] += n
            by_topic[topic]["total"] += n
            if direction:
                totals[f"dir_{direction}"] += n
        else:
            previous["reports"] += n
    problems = []
    app = Counter(reports=figures["totals"]["reports"])
    app.update({f"kind_{k}": v for k, v in figures["totals"]["by_kind"].items()})
    app.update({f"status_{k}": v for k, v in figures["totals"]["by_status"].items()})
    app.update({f"dir_{k}": v for k, v in figures["totals"]["directions"].items()})
    if +totals != +app:
        problems.append(f"totals: raw {+totals} vs summary {+app}")
    if previous["reports"] != figures["totals"]["previous"]:
        problems.append(f"previous: raw {previous['reports']} vs summary {figures['totals']['previous']}")
    topics = {t: c["total"] for t, c in by_topic.items()}
    if topics != {row["topic_id"]: row["total"] for row in figures["topics"]}:
        problems.append("topic totals differ")
    sightings = {r[0]: r[3] for r in raw["rumours"]}
    if any(sightings.get(r["id"]) != r["sightings"] for r in figures["rumours"]):
        problems.append("rumour sightings differ")
    return problems


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


def minimal_view(request):
    # The floor of any logged-in page: middleware, session load and save, the user row.
    return HttpResponse("ok" if request.user.is_authenticated else "anonymous")


def bench_urlconf():
    from opinion_network import urls

    module = types.ModuleType("bench_summaries_urls")
    module.urlpatterns = [path("bench/ok/", minimal_view), *urls.urlpatterns]
    return module


class QueryLog:
    """An execute wrapper keeping each query's time, text and parameters."""

    def __init__(self):
        self.rows = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.rows.append(((time.perf_counter() - start) * 1000, sql, params))


def second_factor_passed(client):
    """The session counts the second factor as passed and the consent as current, as after the code."""
    from collaborators.services.security import CONSENT_CHECKED, TWO_FACTOR_VERIFIED

    session = client.session
    session[TWO_FACTOR_VERIFIED] = "bench"
    session[CONSENT_CHECKED] = settings.PERSONAL_DATA_CONSENT_VERSION
    session.save()


def measure_dashboard(client, raw, user, unit, month, repeat):
    url = f"/dashboard/?period={month:%Y-%m}"
    client.force_login(user)
    second_factor_passed(client)
    view = timed(lambda: client.get(url), repeat, UNLIMITED)
    if view["result"].status_code != 200:
        sys.exit(f"GET {url} as {user} returned {view['result'].status_code}")
    minimal = timed(lambda: client.get("/bench/ok/"), repeat, UNLIMITED)
    log = QueryLog()
    with connection.execute_wrapper(log):
        client.get(url)
    client.logout()
    baseline = raw.timed(DASHBOARD_SQL, sql_params(unit, month), repeat)
    problems = dashboard_mismatches(unit, month, baseline["result"])  # dashboard_check() without timing
    return {
        "view": view,
        "minimal": minimal,
        "raw": baseline,
        "kb": len(view["result"].content) / 1024,
        "slowest": sorted(log.rows, key=lambda row: -row[0])[:3],
        "problems": problems,
    }


def measure_compile(raw, summary: Summary, repeat: int):
    """summary_compile() in this process (the claim, the figures, the drafts, the save), and raw SQL for its figures."""
    samples, queries = [], 0
    for i in range(2 + repeat):
        Summary.objects.filter(pk=summary.pk).update(status=SummaryStatus.PENDING, claimed_until=None)
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            if not summary_compile(summary_id=summary.pk):
                sys.exit(f"summary {summary.pk} was not compiled")
            took = (time.perf_counter() - start) * 1000
        if i >= 2:
            samples.append(took)
            queries = len(ctx.captured_queries)
        reset_queries()
    summary.refresh_from_db()
    baseline = raw.timed(COMPILE_SQL, compile_params(summary), repeat)
    return {
        "median": statistics.median(samples),
        "p95": p95(samples),
        "queries": queries,
        "raw": baseline,
        "problems": compile_mismatches(summary, baseline["result"]),
    }


WORKER = """
import json, os, resource, sys, time


def hwm_kb():
    # The peak RSS of this process image (VmHWM): ru_maxrss would include the parent's RSS at fork.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_network.settings")
import django
django.setup()
from django.db import connection
from summaries.models import Summary
from summaries.services.summaries import summary_compile
connection.ensure_connection()
baseline, baseline_maxrss = hwm_kb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
Summary.objects.filter(pk={pk}).update(status="pending", claimed_until=None)
start = time.perf_counter()
ok = summary_compile(summary_id={pk})
took = time.perf_counter() - start
peak, peak_maxrss = hwm_kb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"ok": ok, "seconds": took, "baseline_kb": baseline, "peak_kb": peak,
                  "baseline_maxrss_kb": baseline_maxrss, "peak_maxrss_kb": peak_maxrss}}))
"""


def worker_memory(summary: Summary) -> dict:
    """Compile one summary in a fresh Python process; its peak RSS after django.setup() and after the compile."""
    code = WORKER.format(root=str(ROOT), pk=summary.pk)
    done = subprocess.run(  # noqa: S603 (this interpreter, this file's own snippet)
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=False
    )
    if done.returncode != 0:
        sys.exit(f"the worker process failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not result["ok"]:
        sys.exit(f"the worker process did not compile summary {summary.pk}")
    return result


def explain(title, sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print(f"\n{title}\n```\n{plan}\n```")


def short(sql: str) -> str:
    return " ".join(sql.split())[:110]


def measure_phase(label, client, raw, cases, summaries, repeat) -> dict:
    print(f"\nmeasuring at {label} …", flush=True)
    dashboards = {}
    for who, user, unit in cases:
        with override_settings(ROOT_URLCONF=bench_urlconf()):
            dashboards[who] = measure_dashboard(client, raw, user, unit, cases.month, repeat)
        d = dashboards[who]
        print(
            f"  dashboard {who}: median {d['view']['median']:.1f} ms, p95 {d['view']['p95']:.1f} ms, "
            f"{d['view']['queries']} queries; raw {d['raw']['median']:.1f} ms; minimal {d['minimal']['median']:.1f} ms",
            flush=True,
        )
        for problem in d["problems"]:
            print(f"  MISMATCH {who}: {problem}")
    compiles, memory = {}, {}
    for who, summary in summaries.items():
        compiles[who] = measure_compile(raw, summary, max(5, repeat // 3))
        memory[who] = worker_memory(summary)
        c, m = compiles[who], memory[who]
        print(
            f"  compile {who}: median {c['median']:.0f} ms ({c['queries']} queries), raw {c['raw']['median']:.0f} ms;"
            f" worker peak RSS {m['baseline_kb'] / 1024:.0f} → {m['peak_kb'] / 1024:.0f} MB (ru_maxrss"
            f" {m['baseline_maxrss_kb'] / 1024:.0f} → {m['peak_maxrss_kb'] / 1024:.0f} MB)",
            flush=True,
        )
        for problem in c["problems"]:
            print(f"  MISMATCH compile {who}: {problem}")
    return {"label": label, "dashboards": dashboards, "compiles": compiles, "memory": memory}


class Cases(list):
    month: date


def print_tables(phases, loads, cases, summaries, args):
    first, last = phases
    print("\n**Loading and tallying** (tally: `reports_tally(report_ids=…)`, 5,000 ids a call)\n")
    print("| step | reports | load s | tally s | tallied reports/s | tally rows after |")
    print("|---|--:|--:|--:|--:|--:|")
    for row in loads:
        print(
            f"| {row['step']} | {row['reports']:,} | {row['load']:.0f} | {row['tally']:.0f}"
            f" | {row['reports'] / row['tally']:,.0f} | {row['rows']:,} |"
        )

    print(f"\n**Dashboard, `GET /dashboard/?period={cases.month:%Y-%m}`** (median and p95 of {args.repeat} runs)\n")
    print(
        "| reports | who | reports in scope (month) | view median ms | view p95 ms | queries | view SQL ms | KB"
        " | raw SQL ms (p95) | raw queries | minimal view ms | × raw SQL | × minimal |"
    )
    print("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for phase in phases:
        for who, _user, _unit in cases:
            d = phase["dashboards"][who]
            v, r, m = d["view"], d["raw"], d["minimal"]
            in_month = sum(row[1] for row in r["result"]["activity"] if row[0] is None)
            print(
                f"| {phase['label']} | {who} | {in_month:,} | {v['median']:.1f} | {v['p95']:.1f} | {v['queries']}"
                f" | {v['sql_ms']:.1f} | {d['kb']:.0f} | {r['median']:.1f} ({r['p95']:.1f}) | {r['queries']}"
                f" | {m['median']:.1f} | {v['median'] / r['median']:.2f}× | {v['median'] / m['median']:.1f}× |"
            )

    print(
        f"\n**Growth {first['label']} → {last['label']}**"
        " (second ÷ first; target for the dashboard p95 from 100k to 1M: < 1.5×)\n"
    )
    print(
        "| who | dashboard median | dashboard p95 | view SQL ms | raw SQL median"
        " | dashboard p95 at the second (target at 1M: ≤ 150 ms) |"
    )
    print("|---|--:|--:|--:|--:|--:|")
    for who, _user, _unit in cases:
        a, b = first["dashboards"][who], last["dashboards"][who]
        print(
            f"| {who} | {b['view']['median'] / a['view']['median']:.2f}× | {b['view']['p95'] / a['view']['p95']:.2f}×"
            f" | {b['view']['sql_ms'] / a['view']['sql_ms']:.2f}× | {b['raw']['median'] / a['raw']['median']:.2f}×"
            f" | {b['view']['p95']:.1f} ms |"
        )

    print("\n**Summary compile, `summary_compile(summary_id=…)`** (target for the city's monthly at 1M: < 5 s)\n")
    print(
        "| reports | summary | compile median ms | p95 ms | queries | raw SQL ms (p95) | × raw SQL"
        " | worker process: s | RSS after setup MB | peak RSS MB | peak − setup MB |"
    )
    print("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for phase in phases:
        for who in summaries:
            c, m = phase["compiles"][who], phase["memory"][who]
            r = c["raw"]
            print(
                f"| {phase['label']} | {who} | {c['median']:.0f} | {c['p95']:.0f} | {c['queries']}"
                f" | {r['median']:.0f} ({r['p95']:.0f}) | {c['median'] / r['median']:.2f}× | {m['seconds']:.2f}"
                f" | {m['baseline_kb'] / 1024:.0f} | {m['peak_kb'] / 1024:.0f}"
                f" | {(m['peak_kb'] - m['baseline_kb']) / 1024:.0f} |"
            )
    problems = [
        p
        for phase in phases
        for d in [*phase["dashboards"].values(), *phase["compiles"].values()]
        for p in d["problems"]
    ]
    print(
        "\nFigures of the hand-written SQL against the app's: "
        + ("all equal." if not problems else f"{len(problems)} MISMATCHES (see above).")
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports at the second measurement")
    parser.add_argument("--first", type=int, default=100_000, help="reports at the first measurement")
    parser.add_argument("--units", type=int, default=7_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--small", action="store_true", help="quick check: 20,000 → 50,000 reports, 1,000 units")
    parser.add_argument("--keep", action="store_true", help="leave the bench database in place")
    args = parser.parse_args()
    if args.small:
        args.first, args.reports, args.units, args.people, args.repeat = 20_000, 50_000, 1_000, 3_000, 10
    if args.reports <= args.first:
        sys.exit("--reports must be larger than --first")

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"] or "bench" not in db["NAME"]:
        sys.exit("DATABASE_URL must name a PostgreSQL database whose name contains 'bench' (it is dropped).")

    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    recreate_database(db)
    raw = None
    try:
        call_command("migrate", verbosity=0, interactive=False)
        migrated = time.perf_counter()
        rng = random.Random(args.seed)
        root, communes, grassroots = load_units(rng, args.units)
        city_staff, commune_staff = load_people(rng, args.people, root, communes, grassroots, reporting_facts=False)
        rumour_ids = load_rumours(rng, list(Topic.objects.all()))
        params = load_params(rumour_ids)
        print(
            f"migrate {migrated - started:.0f} s; {Unit.objects.count():,} units, {User.objects.count():,} people,"
            f" {len(rumour_ids)} rumours in {time.perf_counter() - migrated:.0f} s",
            flush=True,
        )

        loads = []

        def grow(step, lo, hi):
            print(f"loading reports {lo:,}–{hi:,} …", flush=True)
            last_id = Report.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            load_s = load_reports(params, lo, hi)
            vac = vacuum_analyze()
            print(f"  loaded in {load_s:.0f} s, VACUUM ANALYZE {vac:.0f} s; tallying …", flush=True)
            changed, tally_s = tally_after(last_id)
            print(f"  reporting facts recorded in {record_facts_after(last_id):.0f} s", flush=True)
            vac = vacuum_analyze()
            rows = UnitMonthTally.objects.count()
            print(
                f"  tallied {changed:,} changes in {tally_s:.0f} s ({(hi - lo + 1) / tally_s:,.0f} reports/s);"
                f" {rows:,} unit-month rows, {RumourMonthTally.objects.count():,} rumour-month rows,"
                f" {ReportTally.objects.count():,} report snapshots; VACUUM ANALYZE {vac:.0f} s",
                flush=True,
            )
            loads.append({"step": step, "reports": hi - lo + 1, "load": load_s, "tally": tally_s, "rows": rows})

        grow("first load", 1, args.first)

        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = None  # one connection for the whole run
        raw = Raw(db)

        commune = sorted(communes, key=lambda u: u.numchild)[len(communes) // 2]
        ward_staff = next(s for s in commune_staff if s.unit_id == commune.pk)
        cases = Cases(
            [
                ("city federation", city_staff, root),
                (f"union “{commune.name}” ({commune.numchild} grassroots)", ward_staff, commune),
            ]
        )
        cases.month = month_add(period_month(timezone.localdate()), -1)  # the latest complete reporting month
        period = ReportingPeriod.objects.month_of(cases.month)
        summaries = {
            "city, monthly": summary_schedule(scope=root, period=period)[0],
            "union, monthly": summary_schedule(scope=commune, period=period)[0],
            # a week is counted by streaming its reports (no tallies): the memory bound that matters
            "city, weekly": summary_schedule(
                scope=root, period=ReportingPeriod.objects.week_of(timezone.localdate() - timedelta(days=7))
            )[0],
        }

        client = Client(HTTP_HOST="localhost")
        phases = [measure_phase(f"{Report.objects.count():,}", client, raw, cases, summaries, args.repeat)]
        first_slowest = phases[0]["dashboards"]["city federation"]["slowest"]

        grow("grown incrementally", args.first + 1, args.reports)
        phases.append(measure_phase(f"{Report.objects.count():,}", client, raw, cases, summaries, args.repeat))

        print(
            f"\n{date.today():%Y-%m-%d}, {platform.node() or 'host'}: {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, Django {django.get_version()}, PostgreSQL "
            f"{connection.pg_version // 10000}, DEBUG={settings.DEBUG}; {Unit.objects.count():,} units,"
            f" {User.objects.count():,} people, {Report.objects.count():,} reports over 36 months;"
            f" month measured {cases.month:%Y-%m}; load average {load_at_start:.1f} at the start,"
            f" {os.getloadavg()[0]:.1f} at the end"
        )
        print_tables(phases, loads, cases, summaries, args)

        for label, slowest in ((phases[0]["label"], first_slowest), (phases[1]["label"], None)):
            rows = slowest or phases[1]["dashboards"]["city federation"]["slowest"]
            print(f"\nSlowest queries of one `GET /dashboard/` as city staff at {label} reports:")
            for took, sql, _params in rows:
                print(f"- {took:.1f} ms `{short(sql)}…`")
        took, sql, params_ = phases[1]["dashboards"]["city federation"]["slowest"][0]
        explain(f"EXPLAIN ANALYZE of the slowest dashboard query (city, {phases[1]['label']} reports):", sql, params_)
        print(f"\nwhole run {time.perf_counter() - started:.0f} s")
    finally:
        if raw is not None:
            raw.close()
        if args.keep:
            print(f"kept database {db['NAME']}")
        else:
            drop_database(db)


if __name__ == "__main__":
    main()
