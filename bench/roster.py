"""Roster benchmark: server time of /roster/ against baselines measured in the same run.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/opinion_bench \\
        .venv/bin/python bench/roster.py [--people 10000 --units 7000 --repeat 30 --budget 10] [--keep]

Drops and re-creates the database named in DATABASE_URL (it must be PostgreSQL and its name must
contain "bench"), migrates it, bulk-loads a city federation with commune/ward unions and grassroots
unions and people with Vietnamese names, then times GET /roster/ through Django's test Client for a
city-federation staff member and a commune/ward staff member. Each case is compared with
(i) raw SQL through connection.cursor() fetching the same page (LIMIT 50 + the paginator's COUNT)
and (ii) a minimal view behind the same middleware, for the same logged-in user.
Two attribution rows are not requests of the app as it is: the filter form rendered alone, and (for the
city) the list with the unit filter's choices cut to depth <= 2 by a patch inside this process.
Prints a Markdown table (copied into docs/benchmarks.md) and the plans of the search queries.
The database is dropped at the end unless --keep is given.
"""

import argparse
import contextlib
import math
import os
import platform
import random
import re
import statistics
import sys
import time
import types
from datetime import date, timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_network.settings")

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path  # noqa: E402

from collaborators import selectors  # noqa: E402
from collaborators.filters import PeopleFilter  # noqa: E402
from collaborators.models import (  # noqa: E402
    CollaboratorProfile,
    CollaboratorStatus,
    Gender,
    Position,
    Role,
    TrainingAttendance,
    Unit,
    UnitKind,
    User,
)
from collaborators.services.people import reporting_activities_record  # noqa: E402
from core.text import fold  # noqa: E402

PAGE_SIZE = 50  # the view's Paginator(…, 50)
WARMUP = 3
MIN_RUNS = 5

# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------

SURNAMES = {  # rough frequencies of Vietnamese family names, in percent
    "Nguyễn": 38, "Trần": 11, "Lê": 9.5, "Phạm": 7, "Hoàng": 3, "Huỳnh": 2, "Phan": 4.5, "Vũ": 2,
    "Võ": 2, "Đặng": 2.1, "Bùi": 2, "Đỗ": 1.4, "Hồ": 1.3, "Ngô": 1.3, "Dương": 1, "Lý": 0.5,
}  # fmt: skip
MIDDLE = {
    Gender.MALE: ["Văn", "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công"],
    Gender.FEMALE: ["Thị", "Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Kim"],
}
GIVEN = {
    Gender.MALE: [
        "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy",
        "Khoa", "Long", "Nam", "Phong", "Quân", "Sơn", "Thắng", "Tuấn", "Việt",
    ],
    Gender.FEMALE: [
        "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh",
        "Mai", "Ngân", "Nhung", "Phương", "Thảo", "Trang", "Tuyết", "Vân", "Yến",
    ],
}  # fmt: skip
PLACES = [
    "Bến Nghé", "Đa Kao", "Tân Định", "Cầu Kho", "Phạm Ngũ Lão", "Bình Thạnh", "Thảo Điền", "An Khánh",
    "Phú Mỹ", "Tân Phong", "Hiệp Bình", "Linh Trung", "Long Bình", "Tân Kiên", "Bình Chánh", "Nhà Bè",
    "Cần Giờ", "Củ Chi", "Hóc Môn", "Đông Thạnh", "Xuân Thới", "Tân Sơn Nhì", "Phú Thọ Hòa", "Bình Hưng Hòa",
]  # fmt: skip
EMPLOYERS = [
    "Công ty TNHH", "Công ty Cổ phần", "Trường Tiểu học", "Trường THCS", "Bệnh viện", "Xí nghiệp", "Hợp tác xã",
]  # fmt: skip
STATUS_WEIGHTS = {
    CollaboratorStatus.ACTIVE: 70,
    CollaboratorStatus.PROPOSED: 10,
    CollaboratorStatus.SUSPENDED: 5,
    CollaboratorStatus.TERM_ENDED: 7,
    CollaboratorStatus.LEFT: 6,
    CollaboratorStatus.DISMISSED: 2,
}
PHONE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "086", "032", "033", "035", "038"]


def recreate_database(db: dict) -> None:
    """DROP + CREATE the bench database, connected to the maintenance database "postgres"."""
    conn = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"] or None
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    conn.close()


def drop_database(db: dict) -> None:
    connections.close_all()
    conn = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"] or None
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
    conn.close()


def load_units(rng: random.Random, n_units: int, n_communes: int = 84):
    """City federation -> n_communes commune/ward unions -> the rest as grassroots unions, uneven sizes."""
    n_grassroots = n_units - 1 - n_communes
    weights = [rng.uniform(0.3, 2.0) for _ in range(n_communes)]  # some wards have many more enterprises
    parent_of = rng.choices(range(n_communes), weights=weights, k=n_grassroots)
    children = [0] * n_communes
    for c in parent_of:
        children[c] += 1

    # Paths in treebeard's own format (steplen 4, base 36): root "0001", its first child "00010001".
    root_path = Unit._get_path(None, 1, 1)
    units = [
        Unit(
            path=root_path,
            depth=1,
            numchild=n_communes,
            kind=UnitKind.CITY_FEDERATION,
            code="LDLD",
            name="Liên đoàn Lao động Thành phố",
        )
    ]
    commune_paths = []
    for c in range(n_communes):
        p = Unit._get_path(root_path, 2, c + 1)
        commune_paths.append(p)
        ward = "phường" if c % 3 else "xã"
        units.append(
            Unit(
                path=p,
                depth=2,
                numchild=children[c],
                kind=UnitKind.COMMUNE_WARD,
                code=f"CW{c + 1:03d}",
                name=f"Công đoàn {ward} {PLACES[c % len(PLACES)]} {c // len(PLACES) + 1}",
            )
        )
    next_step = [0] * n_communes
    for g, c in enumerate(parent_of):
        next_step[c] += 1
        units.append(
            Unit(
                path=Unit._get_path(commune_paths[c], 3, next_step[c]),
                depth=3,
                numchild=0,
                kind=UnitKind.GRASSROOTS,
                code=f"GR{g + 1:05d}",
                name=f"Công đoàn cơ sở {rng.choice(EMPLOYERS)} {PLACES[g % len(PLACES)]} số {g + 1}",
                member_count=rng.randint(10, 800),
            )
        )
    units = Unit.objects.bulk_create(units, batch_size=2000)
    return units[0], units[1 : 1 + n_communes], units[1 + n_communes :]


def load_people(
    rng: random.Random, n_people: int, root: Unit, communes: list, grassroots: list, *, reporting_facts: bool = True
):
    """One staff member at the city federation, one per commune/ward union, collaborators in grassroots unions."""
    surnames, surname_weights = list(SURNAMES), list(SURNAMES.values())
    phones = rng.sample(range(10**7), n_people)
    unusable = make_password(None)  # imported people have no login yet
    today = date.today()
    staff_units = [root, *communes]
    users = []
    for i in range(n_people):
        gender = rng.choice([Gender.MALE, Gender.FEMALE])
        surname = rng.choices(surnames, surname_weights)[0]
        full_name = f"{surname} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
        username = f"u{i:06d}"
        phone = PHONE_PREFIXES[i % len(PHONE_PREFIXES)] + f"{phones[i]:07d}"
        email = f"{fold(full_name).replace(' ', '.')}.{i}@example.com" if rng.random() < 0.4 else ""
        is_staff_row = i < len(staff_units)
        users.append(
            User(
                username=username,
                full_name=full_name,
                phone=phone,
                email=email,
                unit=staff_units[i] if is_staff_row else rng.choice(grassroots),
                role=Role.STAFF if is_staff_row else Role.COLLABORATOR,
                is_active=is_staff_row or rng.random() < 0.7,
                password=unusable,
                # User.save() keeps this column; bulk_create bypasses save(), so fill it the same way.
                search_text=fold(" ".join(filter(None, [full_name, username, phone, email]))),
            )
        )
        users[-1]._gender = gender
    users = User.objects.bulk_create(users, batch_size=2000)

    statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    positions = list(Position.values)
    profiles, trainings, sendings = [], [], []
    for user in users:
        status = rng.choices(statuses, status_weights)[0]
        profiles.append(
            CollaboratorProfile(
                user=user,
                gender=user._gender,
                position=rng.choice(positions),
                status=status,
                status_since=today - timedelta(days=rng.randint(0, 900)),
                birth_year=rng.randint(1965, 2002),
            )
        )
        # The roster's facts, as the trainings and reports services write them.
        if rng.random() < 0.6:
            trainings.append(TrainingAttendance(person=user, attended_on=today - timedelta(days=rng.randint(0, 700))))
        if status == CollaboratorStatus.ACTIVE:
            sendings.append((user.pk, today - timedelta(days=rng.randint(0, 90))))
    CollaboratorProfile.objects.bulk_create(profiles, batch_size=2000)
    TrainingAttendance.objects.bulk_create(trainings, batch_size=2000)
    if reporting_facts:  # the benchmarks that load reports record the facts of those reports instead
        reporting_activities_record(sendings=sendings)
    return users[0], users[1 : 1 + len(communes)]


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


def minimal_view(request):
    # The floor of any logged-in page: middleware, session load and save, the user row.
    return HttpResponse("ok" if request.user.is_authenticated else "anonymous")


def bench_urlconf():
    """The project's URLs plus /bench/ok/, as a module object for ROOT_URLCONF."""
    from opinion_network import urls

    module = types.ModuleType("bench_roster_urls")
    module.urlpatterns = [path("bench/ok/", minimal_view), *urls.urlpatterns]
    return module


def p95(samples):
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


class SqlTimer:
    """An execute wrapper adding up the time spent in cursor.execute() (not in server-side cursor fetches)."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start


def timed(fn, repeat, budget):
    """Median and p95 (ms) of fn() after WARMUP untimed calls, its SQL time and query count.

    Stops early once `budget` seconds have gone and at least MIN_RUNS were timed, so a slow case
    cannot stretch the run past a few minutes; the table says how many runs each figure rests on.
    """
    for _ in range(WARMUP):
        fn()
    samples, sql_ms = [], []
    deadline = time.perf_counter() + budget
    for _ in range(repeat):
        timer = SqlTimer()
        with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timer):
            start = time.perf_counter()
            result = fn()
            samples.append((time.perf_counter() - start) * 1000)
        sql_ms.append(timer.seconds * 1000)
        if len(samples) >= MIN_RUNS and time.perf_counter() > deadline:
            break
    return {
        "runs": len(samples),
        "median": statistics.median(samples),
        "p95": p95(samples),
        "queries": len(ctx.captured_queries),
        "sql_ms": statistics.median(sql_ms),
        "result": result,
    }


def raw_sql(prefix, words=(), page=1):
    """(query, params) pairs that fetch one roster page and its count, written by hand."""
    where = ["un.path LIKE %s"]
    params = [prefix + "%"]
    for word in words:
        where.append("u.search_text LIKE %s")
        params.append("%" + word + "%")
    where_sql = " AND ".join(where)
    select = (
        "SELECT u.id, u.full_name, u.username, u.phone, u.is_active, u.role, un.name,"
        " p.position, p.status, p.consent_withdrawn_at,"
        " (SELECT ra.first_reported_on FROM collaborators_reportingactivity ra"
        " WHERE ra.person_id = u.id ORDER BY ra.month DESC LIMIT 1)"
        " FROM collaborators_user u JOIN collaborators_unit un ON un.id = u.unit_id"
        " LEFT JOIN collaborators_collaboratorprofile p ON p.user_id = u.id"
        f" WHERE {where_sql} ORDER BY un.path, u.full_name, u.id LIMIT {PAGE_SIZE} OFFSET %s"
    )
    count = (
        f"SELECT COUNT(*) FROM collaborators_user u JOIN collaborators_unit un ON un.id = u.unit_id WHERE {where_sql}"
    )
    return (select, [*params, (page - 1) * PAGE_SIZE]), (count, params)


def run_raw(queries):
    with connection.cursor() as cursor:
        cursor.execute(*queries[0])
        rows = cursor.fetchall()
        cursor.execute(*queries[1])
        (total,) = cursor.fetchone()
    return [r[0] for r in rows], total


ROW_ID = re.compile(r'data-testid="person-row">\s*<td><a href="/roster/(\d+)/"')
RESULT_COUNT = re.compile(r'data-testid="result-count">\s*(\d+)')


def check_same_page(response, raw_result, label):
    """The view and the raw SQL must show the same people in the same order, and the same count."""
    html = response.content.decode()
    ids = [int(x) for x in ROW_ID.findall(html)]
    found = RESULT_COUNT.search(html)
    if found is None:
        sys.exit(f"{label}: no result count in the page; person_list.html changed, update ROW_ID and RESULT_COUNT")
    count = int(found.group(1))
    raw_ids, raw_count = raw_result
    if ids != raw_ids or count != raw_count:
        sys.exit(f"{label}: the view and the raw SQL disagree ({count} vs {raw_count} rows; page ids differ)")
    return count


def measure_user(client, user, cases, repeat, budget):
    client.force_login(user)
    rows = []
    minimal = timed(lambda: client.get("/bench/ok/"), repeat, budget)
    rows.append({"case": "minimal view", **minimal, "kb": len(minimal["result"].content) / 1024, "matches": ""})
    for label, url, raw, *patch in cases:
        with patch[0]() if patch else contextlib.nullcontext():
            view = timed(lambda url=url: client.get(url), repeat, budget)
        if view["result"].status_code != 200:
            sys.exit(f"{label}: GET {url} returned {view['result'].status_code}")
        baseline = timed(lambda raw=raw: run_raw(raw), repeat, budget)
        matches = check_same_page(view["result"], baseline["result"], label)
        rows.append(
            {
                "case": label,
                **view,
                "kb": len(view["result"].content) / 1024,
                "raw": baseline["median"],
                "raw_p95": baseline["p95"],
                "matches": matches,
                "x_raw": view["median"] / baseline["median"],
                "x_min": view["median"] / minimal["median"],
            }
        )
    # Not a request: the filter form alone, rendered as person_list.html renders it, to show its share.
    form_only = timed(lambda: render_filter_form(user), repeat, budget)
    rows.append(
        {
            "case": "filter form alone (template only, no request)",
            **form_only,
            "kb": len(form_only["result"].encode()) / 1024,
            "matches": "",
            "x_min": form_only["median"] / minimal["median"],
        }
    )
    client.logout()
    return rows


def unit_choices_cut_to_depth_2():
    """What-if, patched in this process only: the unit filter offers the federation and wards, not all units."""
    original = PeopleFilter.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.filters["unit"].queryset = self.filters["unit"].queryset.filter(depth__lte=2)

    return mock.patch.object(PeopleFilter, "__init__", init)


FILTER_FORM = "{% load crispy_forms_tags %}{% for field in filter.form %}{{ field|as_crispy_field }}{% endfor %}"


def render_filter_form(user):
    people = PeopleFilter(None, queryset=selectors.people_visible_to(user), user=user)
    return Template(FILTER_FORM).render(Context({"filter": people}))


def print_table(title, rows):
    print(f"\n**{title}**\n")
    print(
        "| case | people matched | runs | median ms | p95 ms | queries | SQL ms | KB | raw SQL ms (p95)"
        " | × raw SQL | × minimal view |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        raw = f"{r['raw']:.1f} ({r['raw_p95']:.1f})" if "raw" in r else "–"
        x_raw = f"{r['x_raw']:.0f}×" if "x_raw" in r else "–"
        x_min = f"{r['x_min']:.0f}×" if "x_min" in r else "1×"
        print(
            f"| {r['case']} | {r['matches']} | {r['runs']} | {r['median']:.1f} | {r['p95']:.1f} | {r['queries']}"
            f" | {r['sql_ms']:.1f} | {r['kb']:.0f} | {raw} | {x_raw} | {x_min} |"
        )


def explain(title, sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print(f"\n{title}\n```\n{plan}\n```")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=7_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--budget", type=float, default=10, help="seconds of timed runs per case (min 5 runs)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="leave the bench database in place")
    args = parser.parse_args()

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"] or "bench" not in db["NAME"]:
        sys.exit("DATABASE_URL must name a PostgreSQL database whose name contains 'bench' (it is dropped).")
    if args.units < 200 or args.people < 2000:
        sys.exit("--units must be at least 200 and --people at least 2000 (the search needs a page 3).")

    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    recreate_database(db)
    try:
        call_command("migrate", verbosity=0, interactive=False)
        migrated = time.perf_counter()
        rng = random.Random(args.seed)
        root, communes, grassroots = load_units(rng, args.units)
        city_staff, commune_staff = load_people(rng, args.people, root, communes, grassroots)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum would do soon after a real import
        loaded = time.perf_counter()
        problems = Unit.objects.find_problems()
        if any(problems):
            sys.exit(f"the unit tree is malformed: {problems}")
        print(
            f"migrate {migrated - started:.1f} s; loaded {Unit.objects.count()} units and "
            f"{User.objects.count()} people in {loaded - migrated:.1f} s"
        )

        # A reconnect every CONN_MAX_AGE seconds would land in one case's p95 at random: keep one connection.
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = None

        # The commune/ward union with the median number of grassroots unions, and its largest grassroots union.
        commune = sorted(communes, key=lambda u: u.numchild)[len(communes) // 2]
        ward_staff = next(s for s in commune_staff if s.unit_id == commune.pk)
        ward_grassroots = max(
            (g for g in grassroots if g.path.startswith(commune.path)),
            key=lambda g: User.objects.filter(unit=g).count(),
        )
        nv = ("nguyen", "van")

        city_cases = [
            ("list, page 1", "/roster/", raw_sql(root.path)),
            (
                "list, page 1, what-if: unit choices cut to depth ≤ 2",
                "/roster/",
                raw_sql(root.path),
                unit_choices_cut_to_depth_2,
            ),
            ("search “nguyen van”", "/roster/?q=nguyen+van", raw_sql(root.path, nv)),
            (
                "search “Nguyễn Văn”, page 3",
                "/roster/?" + urlencode({"q": "Nguyễn Văn", "page": 3}),
                raw_sql(root.path, nv, page=3),
            ),
            ("filter unit = one commune/ward", f"/roster/?unit={commune.pk}", raw_sql(commune.path)),
        ]
        ward_cases = [
            ("list, page 1", "/roster/", raw_sql(commune.path)),
            ("search “nguyen van”", "/roster/?q=nguyen+van", raw_sql(commune.path, nv)),
            ("filter unit = a grassroots union", f"/roster/?unit={ward_grassroots.pk}", raw_sql(ward_grassroots.path)),
        ]

        client = Client(HTTP_HOST="localhost")  # DEBUG's ALLOWED_HOSTS has no "testserver"
        with override_settings(ROOT_URLCONF=bench_urlconf()):
            city_rows = measure_user(client, city_staff, city_cases, args.repeat, args.budget)
            ward_rows = measure_user(client, ward_staff, ward_cases, args.repeat, args.budget)

        print(
            f"\n{date.today():%Y-%m-%d}, {platform.node() or 'host'}: {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, Django {django.get_version()}, PostgreSQL "
            f"{connection.pg_version // 10000}, DEBUG={settings.DEBUG}; {args.people} people, {args.units} units; "
            f"median and p95 of up to {args.repeat} runs after {WARMUP} warm-ups; load average "
            f"{load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
        )
        in_ward = User.objects.filter(unit__path__startswith=commune.path).count()
        print_table(f"(a) city-federation staff: {User.objects.count()} people in scope", city_rows)
        print_table(
            f"(b) staff of “{commune.name}” ({commune.numchild} grassroots unions): {in_ward} people in scope",
            ward_rows,
        )

        # The view's own search query (page 1), planned by PostgreSQL, and the count with the same WHERE.
        for who, viewer, prefix in (("city staff", city_staff, root.path), ("ward staff", ward_staff, commune.path)):
            people = PeopleFilter({"q": "nguyen van"}, queryset=selectors.people_visible_to(viewer), user=viewer)
            page_sql, page_params = people.qs[:PAGE_SIZE].query.sql_with_params()
            explain(f"EXPLAIN ANALYZE, search page 1 as {who} (the view's query):", page_sql, page_params)
            explain(f"EXPLAIN ANALYZE, its COUNT as {who}:", *raw_sql(prefix, nv)[1])
        print(f"\nwhole run {time.perf_counter() - started:.0f} s")
    finally:
        if args.keep:
            print(f"kept database {db['NAME']}")
        else:
            drop_database(db)


if __name__ == "__main__":
    main()
