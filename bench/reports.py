"""Reports benchmark: the review queue on 1,000,000 reports, and the report form's throughput.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/opinion_bench_reports \\
        .venv/bin/python bench/reports.py [--reports 1000000 --repeat 20] [--keep]

Drops and re-creates the database named in DATABASE_URL (PostgreSQL, name containing "bench"),
migrates it, bulk-loads a city federation -> 84 commune/ward unions -> ~2,000 grassroots unions and
~5,000 people (bench/roster.py's loaders), then 1,000,000 reports with INSERT ... SELECT
generate_series in PostgreSQL (authors are collaborators and each report's unit is its author's;
mostly accepted, the last week partly still submitted), then VACUUM ANALYZE.

Measured in one run, through Django's test Client with force_login:
  * GET /reports/ (the review queue: submitted reports of the subtree, urgent first, then alert
    level, then oldest; with the per-status counts) for staff of one commune/ward union and for
    city-federation staff: median and p95 after warm-up, queries per request; next to raw SQL for
    the same page (same WHERE, same ORDER BY, LIMIT 50, the paginator's COUNT, and the status counts);
  * POST /reports/new/ with action=send as a collaborator, N sequential new reports, reports/s, next
    to a minimal view (POST, returns "ok") behind the same middleware for the same user.
The test Client does not check CSRF tokens, for either view: the comparison stays like for like.
Prints Markdown tables and the EXPLAIN of the queue's page query for the ward-union case.
The database is dropped at the end unless --keep is given.
"""

import argparse
import os
import platform
import random
import re
import statistics
import sys
import time
import types
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_network.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from bench.roster import (  # noqa: E402
    drop_database,
    load_people,
    load_units,
    p95,
    recreate_database,
    timed,
)
from collaborators.models import Role, Unit, User  # noqa: E402
from core.text import fold  # noqa: E402
from reports.demo import POLICY_TEMPLATES, TEMPLATES  # noqa: E402
from reports.filters import overdue_cutoff  # noqa: E402
from reports.models import Report, ReportStatus, Topic  # noqa: E402
from reports.views.review import PAGE_SIZE  # noqa: E402

CHUNK = 200_000
WHO = ["Công nhân", "Giáo viên", "Viên chức y tế", "Người lao động"]


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


def texts():
    """(title, content, search_text) variants from the demo's templates."""
    rows = []
    for entries in [*TEMPLATES.values(), *POLICY_TEMPLATES.values()]:
        for _kind, title, content in entries:
            for who in WHO:
                t = title.format(Who=who, who=who.lower(), claim="")
                c = content.format(Who=who, who=who.lower(), claim="")
                rows.append((t[:200], c, fold(f"{t} {c}")))
    return rows


LOAD_SQL = """
WITH s AS (
    SELECT g,
           1 + floor(random() * %(n_authors)s)::int AS a,
           1 + floor(random() * %(n_texts)s)::int AS t,
           1 + floor(random() * %(n_topics)s)::int AS tp,
           random() AS rs, random() AS rk, random() AS ru, random() AS ra, random() AS rd,
           now() - power(random(), 1.5) * interval '548 days' AS at
    FROM generate_series(%(lo)s, %(hi)s) AS g
), k AS (
    SELECT s.*,
           CASE WHEN rk < 0.60 THEN 'opinion' WHEN rk < 0.75 THEN 'rumour' WHEN rk < 0.85 THEN 'question'
                WHEN rk < 0.95 THEN 'proposal' ELSE 'hot_spot' END AS kind,
           CASE WHEN at > now() - interval '7 days' THEN
                    CASE WHEN rs < 0.40 THEN 'submitted' WHEN rs < 0.85 THEN 'accepted'
                         WHEN rs < 0.92 THEN 'returned' WHEN rs < 0.95 THEN 'rejected' ELSE 'draft' END
                ELSE
                    CASE WHEN rs < 0.80 THEN 'accepted' WHEN rs < 0.90 THEN 'archived'
                         WHEN rs < 0.95 THEN 'rejected' WHEN rs < 0.98 THEN 'returned' ELSE 'draft' END
           END AS status
    FROM s
)
INSERT INTO reports_report (
    author_id, unit_id, nothing_new, kind, topic_id, title, content, direction, breadth, concern, spread,
    source, group_concerned, place, observed_on, urgent, status, verification, alert_level, client_token,
    search_text, created_at, updated_at, submitted_at, first_submitted_at, reviewed_at
)
SELECT a.user_id, a.unit_id, false, k.kind, (%(topics)s::int[])[k.tp],
       (%(titles)s::text[])[k.t], (%(contents)s::text[])[k.t],
       (ARRAY['positive','neutral','negative','mixed'])[1 + floor(rd * 4)::int],
       (ARRAY['overwhelming','majority','many','some','few'])[1 + floor(ra * 5)::int],
       (ARRAY['high','medium','low'])[1 + floor(ru * 3)::int],
       (ARRAY['unit','ward','industrial_park','city','national','online'])[1 + floor(rk * 6)::int],
       (ARRAY['direct','meeting','social_media','press','hearsay'])[1 + floor(rs * 5)::int],
       '', '', (k.at - interval '1 day')::date,
       ru < 0.02,
       k.status,
       CASE WHEN k.kind = 'rumour' THEN 'unverified' ELSE '' END,
       CASE WHEN ra < 0.90 THEN 'normal' WHEN ra < 0.96 THEN 'watch' WHEN ra < 0.99 THEN 'complex'
            ELSE 'hot_spot' END,
       gen_random_uuid(),
       (%(folds)s::text[])[k.t],
       k.at - interval '20 minutes', k.at,
       CASE WHEN k.status = 'draft' THEN NULL ELSE k.at END,
       CASE WHEN k.status = 'draft' THEN NULL ELSE k.at END,
       CASE WHEN k.status IN ('draft', 'submitted') THEN NULL ELSE least(k.at + interval '1 day', now()) END
FROM k JOIN bench_authors a ON a.rn = k.a
"""


def load_reports(n_reports: int) -> float:
    started = time.perf_counter()
    variants = texts()
    topics = list(Topic.objects.order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_authors AS SELECT row_number() OVER (ORDER BY id) AS rn, id AS user_id,"
            " unit_id FROM collaborators_user WHERE role = %s AND unit_id IS NOT NULL",
            [Role.COLLABORATOR],
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_authors (rn)")
        cursor.execute("SELECT count(*) FROM bench_authors")
        (n_authors,) = cursor.fetchone()
        params = {
            "n_authors": n_authors,
            "n_texts": len(variants),
            "n_topics": len(topics),
            "topics": topics,
            "titles": [v[0] for v in variants],
            "contents": [v[1] for v in variants],
            "folds": [v[2] for v in variants],
        }
        for lo in range(1, n_reports + 1, CHUNK):
            hi = min(lo + CHUNK - 1, n_reports)
            cursor.execute(LOAD_SQL, {**params, "lo": lo, "hi": hi})
            print(f"  {hi:>9,} reports ({time.perf_counter() - started:.0f} s)", flush=True)
    loaded = time.perf_counter() - started
    old_autocommit = connection.get_autocommit()
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        # What autovacuum does soon after a bulk load; the visibility map lets index-only scans work.
        cursor.execute("VACUUM ANALYZE")
    connection.set_autocommit(old_autocommit)
    print(f"loaded in {loaded:.0f} s, VACUUM ANALYZE {time.perf_counter() - started - loaded:.0f} s")
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


@csrf_exempt
def minimal_view(request):
    # The floor of a logged-in POST: middleware, session load and save, the user row.
    return HttpResponse("ok" if request.user.is_authenticated else "anonymous")


def bench_urlconf():
    from opinion_network import urls

    module = types.ModuleType("bench_reports_urls")
    module.urlpatterns = [path("bench-minimal/", minimal_view), *urls.urlpatterns]
    return module


# Written as the selector's Case() compiles, so that both can use report_queue_rank_idx (migration 0003).
ALERT_RANK_SQL = (
    "CASE WHEN r.alert_level = 'hot_spot' THEN 3 WHEN r.alert_level = 'complex' THEN 2"
    " WHEN r.alert_level = 'watch' THEN 1 ELSE 0 END"
)


def raw_queue(prefix):
    """The queue page, its count and the status counts, written by hand (the view's default filter: submitted)."""
    where = "u.path LIKE %s AND r.status <> 'draft' AND r.status = 'submitted'"
    page = (
        "SELECT r.id, r.title, r.kind, r.status, r.urgent, r.alert_level, r.submitted_at, u.name, t.name,"
        f" a.full_name, (r.status = 'submitted' AND r.submitted_at < %s) AS overdue"
        " FROM reports_report r JOIN collaborators_unit u ON u.id = r.unit_id"
        " JOIN collaborators_user a ON a.id = r.author_id LEFT JOIN reports_topic t ON t.id = r.topic_id"
        f" WHERE {where} ORDER BY r.urgent DESC, {ALERT_RANK_SQL} DESC, r.submitted_at ASC, r.id ASC"
        f" LIMIT {PAGE_SIZE}"
    )
    count = f"SELECT count(*) FROM reports_report r JOIN collaborators_unit u ON u.id = r.unit_id WHERE {where}"
    statuses = (
        "SELECT r.status, count(*) FROM reports_report r JOIN collaborators_unit u ON u.id = r.unit_id"
        " WHERE u.path LIKE %s AND r.status <> 'draft' GROUP BY r.status"
    )
    return [(page, [overdue_cutoff(), prefix + "%"]), (count, [prefix + "%"]), (statuses, [prefix + "%"])]


def run_raw(queries):
    with connection.cursor() as cursor:
        cursor.execute(*queries[0])
        rows = cursor.fetchall()
        cursor.execute(*queries[1])
        (total,) = cursor.fetchone()
        by_status = {}
        for sql, params in queries[2:]:
            cursor.execute(sql, params)
            by_status = dict(cursor.fetchall())
    return [r[0] for r in rows], total, by_status


ROW_ID = re.compile(r'<a href="/reports/(\d+)/" data-testid="report-link">')
RESULT_COUNT = re.compile(r'data-testid="result-count">\s*([\d.,\s]+)')


def check_same_page(response, raw_result, label):
    html = response.content.decode()
    ids = [int(x) for x in ROW_ID.findall(html)]
    found = RESULT_COUNT.search(html)
    count = int(re.sub(r"\D", "", found.group(1))) if found else None
    raw_ids, raw_count, _ = raw_result
    if ids != raw_ids or count != raw_count:
        sys.exit(
            f"{label}: the view and the raw SQL disagree (count {count} vs {raw_count}; ids {ids[:5]} vs {raw_ids[:5]})"
        )
    return count


def measure_queue(client, user, prefix, label, repeat, budget):
    client.force_login(user)
    raw = raw_queue(prefix)
    view = timed(lambda: client.get("/reports/"), repeat, budget)
    if view["result"].status_code != 200:
        sys.exit(f"{label}: GET /reports/ returned {view['result'].status_code}")
    page_and_count = timed(lambda: run_raw(raw[:2]), repeat, budget)
    with_statuses = timed(lambda: run_raw(raw), repeat, budget)
    matches = check_same_page(view["result"], page_and_count["result"], label)
    minimal = timed(lambda: client.get("/bench-minimal/"), repeat, budget)
    slowest = slowest_queries(lambda: client.get("/reports/"))
    client.logout()
    in_scope = sum(with_statuses["result"][2].values())
    return {
        "case": label,
        "in_scope": in_scope,
        "matches": matches,
        "view": view,
        "raw": page_and_count,
        "raw_all": with_statuses,
        "minimal": minimal,
        "slowest": slowest,
    }


class QueryLog:
    """An execute wrapper keeping each query's time and its first words."""

    def __init__(self):
        self.rows = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.rows.append(((time.perf_counter() - start) * 1000, " ".join(sql.split())[:90]))


def slowest_queries(fn, n=3):
    log = QueryLog()
    with connection.execute_wrapper(log):
        fn()
    return sorted(log.rows, reverse=True)[:n]


def measure_submit(client, author, topic, n):
    """n sequential POST /reports/new/ (action=send), each a new report; then n POSTs to the minimal view."""
    client.force_login(author)
    client.get("/reports/new/")  # warm-up: templates, the session

    def post_one(i):
        return client.post(
            "/reports/new/",
            {
                "token": str(uuid.uuid4()),
                "kind": "opinion",
                "topic": topic.pk,
                "title": f"Công nhân băn khoăn về việc điều chỉnh lương tối thiểu vùng ({i})",
                "content": "Nhiều ý kiến cho rằng mức tăng lương chưa theo kịp giá thuê nhà trọ.",
                "direction": "neutral",
                "action": "send",
            },
        )

    for i in range(3):
        response = post_one(-i)
        if response.status_code != 302:
            sys.exit(f"POST /reports/new/ returned {response.status_code}: {response.content[:500]!r}")
    before = Report.objects.filter(author=author, status=ReportStatus.SUBMITTED).count()
    samples, queries = [], []
    for i in range(n):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = post_one(i)
            samples.append(time.perf_counter() - start)
        queries.append(len(ctx.captured_queries))
        if response.status_code != 302:
            sys.exit(f"POST /reports/new/ #{i} returned {response.status_code}")
    created = Report.objects.filter(author=author, status=ReportStatus.SUBMITTED).count() - before
    if created != n:
        sys.exit(f"expected {n} new submitted reports, found {created}")
    minimal = []
    for _ in range(3):
        client.post("/bench-minimal/", {"x": "1"})
    for _ in range(n):
        start = time.perf_counter()
        response = client.post("/bench-minimal/", {"x": "1"})
        minimal.append(time.perf_counter() - start)
    client.logout()
    return samples, statistics.median(queries), minimal


def explain(title, sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print(f"\n{title}\n```\n{plan}\n```")


def ms(seconds_list):
    return statistics.median(seconds_list) * 1000, p95(seconds_list) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=2_085, help="1 city + 84 commune/ward unions + grassroots")
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--budget", type=float, default=30, help="seconds of timed runs per case (min 5 runs)")
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="leave the bench database in place")
    args = parser.parse_args()

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"] or "bench" not in db["NAME"]:
        sys.exit("DATABASE_URL must name a PostgreSQL database whose name contains 'bench' (it is dropped).")

    started = time.perf_counter()
    recreate_database(db)
    try:
        call_command("migrate", verbosity=0, interactive=False)
        migrated = time.perf_counter()
        rng = random.Random(args.seed)
        root, communes, grassroots = load_units(rng, args.units)
        city_staff, commune_staff = load_people(rng, args.people, root, communes, grassroots, reporting_facts=False)
        print(
            f"migrate {migrated - started:.0f} s; {Unit.objects.count()} units, {User.objects.count()} people "
            f"in {time.perf_counter() - migrated:.0f} s; loading {args.reports:,} reports"
        )
        load_seconds = load_reports(args.reports)

        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = None  # one connection for the whole run

        commune = sorted(communes, key=lambda u: u.numchild)[len(communes) // 2]
        ward_staff = next(s for s in commune_staff if s.unit_id == commune.pk)
        author = User.objects.filter(
            role=Role.COLLABORATOR, is_active=True, unit__path__startswith=commune.path
        ).first()
        topic = Topic.objects.order_by("order").first()

        client = Client(HTTP_HOST="localhost")
        with override_settings(ROOT_URLCONF=bench_urlconf()):
            ward = measure_queue(
                client, ward_staff, commune.path, f"ward union “{commune.name}”", args.repeat, args.budget
            )
            city = measure_queue(client, city_staff, root.path, "city federation", args.repeat, args.budget)
            submit, submit_queries, minimal_post = measure_submit(client, author, topic, args.submissions)

        total = Report.objects.count()
        print(
            f"\n{date.today():%Y-%m-%d}, {platform.node() or 'host'}: {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f}, Python {platform.python_version()}, Django {django.get_version()}, "
            f"PostgreSQL {connection.pg_version // 10000}, DEBUG={settings.DEBUG}; {total:,} reports "
            f"(loaded in {load_seconds:.0f} s), {Unit.objects.count()} units, {User.objects.count()} people"
        )
        print("\n**Review queue, GET /reports/ (default filter: submitted)**\n")
        print(
            "| who | reports in scope (not drafts) | waiting (submitted) | runs | view median ms | view p95 ms"
            " | queries | view SQL ms | raw page+COUNT ms (p95) | raw + status counts ms (p95) | × raw page+COUNT"
            " | × raw all | minimal GET ms |"
        )
        print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for row in (ward, city):
            v, r, ra, m = row["view"], row["raw"], row["raw_all"], row["minimal"]
            print(
                f"| {row['case']} | {row['in_scope']:,} | {row['matches']:,} | {v['runs']} | {v['median']:.1f}"
                f" | {v['p95']:.1f} | {v['queries']} | {v['sql_ms']:.1f} | {r['median']:.1f} ({r['p95']:.1f})"
                f" | {ra['median']:.1f} ({ra['p95']:.1f}) | {v['median'] / r['median']:.1f}×"
                f" | {v['median'] / ra['median']:.1f}× | {m['median']:.1f} |"
            )
        for row in (ward, city):
            print(f"\nSlowest queries of one GET /reports/ as {row['case']}:")
            for took, sql in row["slowest"]:
                print(f"- {took:.1f} ms `{sql}…`")
        s_med, s_p95 = ms(submit)
        m_med, m_p95 = ms(minimal_post)
        print(f"\n**Report form, POST /reports/new/ action=send, {args.submissions} sequential new reports**\n")
        print("| case | median ms | p95 ms | queries | per second (1 / mean) | × minimal |")
        print("|---|--:|--:|--:|--:|--:|")
        print(
            f"| report form (send) | {s_med:.1f} | {s_p95:.1f} | {submit_queries:.0f}"
            f" | {len(submit) / sum(submit):.1f} | {s_med / m_med:.1f}× |"
        )
        minimal_rate = len(minimal_post) / sum(minimal_post)
        print(f"| minimal POST view, same middleware | {m_med:.1f} | {m_p95:.1f} | – | {minimal_rate:.1f} | 1× |")

        # The view's own page query as the ward staff runs it, and the city's count.
        from reports import selectors
        from reports.filters import ReportFilter

        for who, viewer in (("ward-union staff", ward_staff), ("city staff", city_staff)):
            queue = ReportFilter({"status": "submitted"}, queryset=selectors.review_queue(viewer), user=viewer)
            sql, params = queue.qs[:PAGE_SIZE].query.sql_with_params()
            explain(f"EXPLAIN ANALYZE, queue page 1 as {who} (the view's query):", sql, params)
        explain("EXPLAIN ANALYZE, raw queue page as city staff:", *raw_queue(root.path)[0])
        explain("EXPLAIN ANALYZE, status counts as city staff (raw):", *raw_queue(root.path)[2])
        print(f"\nwhole run {time.perf_counter() - started:.0f} s")
    finally:
        if args.keep:
            print(f"kept database {db['NAME']}")
        else:
            drop_database(db)


if __name__ == "__main__":
    main()
