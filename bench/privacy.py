"""Read log and second-factor gate benchmark: what recording who read what costs on the request path.

The review queue (GET /reports/, which records nothing but passes the second-factor gate and the session
activity middleware) and a report's page (GET /reports/<id>/, which writes one read-log row) for ward-union
staff, with everything on, and without (the gate and the activity middleware left out of MIDDLEWARE, the
view's ``read_record`` replaced by a no-op). The two are measured in alternation, run after run, so that a
machine busy with other work slows both alike; the ratio of the medians is printed.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/opinion_bench \\
        .venv/bin/python bench/privacy.py [--reports 100000 --runs 200] [--keep]
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_network.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from bench.reports import load_reports  # noqa: E402
from bench.roster import drop_database, load_people, load_units, recreate_database  # noqa: E402
from collaborators.models import Unit, User  # noqa: E402
from collaborators.services.security import TWO_FACTOR_VERIFIED  # noqa: E402
from privacy.models import ReadEntry  # noqa: E402
from reports.models import Report, ReportStatus  # noqa: E402

MINE = ("collaborators.middleware.TwoFactorMiddleware", "privacy.middleware.SessionActivityMiddleware")


@contextmanager
def without_privacy():
    middleware = [m for m in settings.MIDDLEWARE if m not in MINE]
    with override_settings(MIDDLEWARE=middleware), mock.patch("reports.views.review.read_record", lambda **kw: None):
        yield


def one(client, url):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def measure(client, url, runs):
    on, off = [], []
    for _ in range(5):  # warm both
        one(client, url)
        with without_privacy():
            one(client, url)
    for i in range(runs):
        if i % 2:
            on.append(one(client, url))
            with without_privacy():
                off.append(one(client, url))
        else:
            with without_privacy():
                off.append(one(client, url))
            on.append(one(client, url))
    return statistics.median(on) * 1000, statistics.median(off) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=2_085)
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"] or "bench" not in db["NAME"]:
        sys.exit("DATABASE_URL must name a PostgreSQL database whose name contains 'bench' (it is dropped).")
    recreate_database(db)
    try:
        call_command("migrate", verbosity=0, interactive=False)
        rng = random.Random(args.seed)
        root, communes, grassroots = load_units(rng, args.units)
        _city_staff, commune_staff = load_people(rng, args.people, root, communes, grassroots, reporting_facts=False)
        load_reports(args.reports)
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = None
        commune = sorted(communes, key=lambda u: u.numchild)[len(communes) // 2]
        staff = next(s for s in commune_staff if s.unit_id == commune.pk)
        report = Report.objects.filter(unit__path__startswith=commune.path, status=ReportStatus.SUBMITTED).first()
        client = Client(HTTP_HOST="localhost")
        client.force_login(staff)
        session = client.session
        session[TWO_FACTOR_VERIFIED] = "bench"
        session.save()
        rows = []
        for label, url in (
            ("review queue GET /reports/", "/reports/"),
            ("report page GET /reports/<id>/", f"/reports/{report.pk}/"),
        ):
            with_ms, without_ms = measure(client, url, args.runs)
            rows.append((label, with_ms, without_ms))
        print(
            f"\n{date.today():%Y-%m-%d}, {platform.node() or 'host'}: {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f}, PostgreSQL {connection.pg_version // 10000}; {Report.objects.count():,} "
            f"reports, {Unit.objects.count()} units, {User.objects.count()} people; {ReadEntry.objects.count():,} "
            f"read-log rows written; {args.runs} alternating runs per case\n"
        )
        print("| page | with read log and gate, median ms | without, median ms | ratio |")
        print("| --- | --- | --- | --- |")
        for label, with_ms, without_ms in rows:
            print(f"| {label} | {with_ms:.1f} | {without_ms:.1f} | {with_ms / without_ms:.3f} |")
    finally:
        connection.close()
        if not args.keep:
            drop_database(db)


if __name__ == "__main__":
    main()
