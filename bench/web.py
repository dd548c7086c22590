"""HTTP benchmark: the staff pages, the report form and the export, served by gunicorn and measured with wrk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opinion_bench_summaries REDIS_URL=redis://127.0.0.1:6379/2 \\
        .venv/bin/python bench/web.py [--duration 10] [--workers 3] [--no-migrate] [--no-export]
        .venv/bin/python bench/web.py --no-migrate --only export --duration 2   # the export (and the minimal view)

Uses the database that ``bench/summaries.py --keep`` leaves (1,000,000 reports over 7,000 units and 20,000
people; its name must contain "bench"). It migrates it (the counters' and indexes' migrations run on the
existing rows), signs in a city-federation staff member, the staff of one commune/ward union and one
collaborator by writing sessions directly, then serves the project with gunicorn (``--workers`` sync
workers, DEBUG=0, a random loopback port, settings ``bench.web_settings``: the project's settings with a
minimal view at ``/bench/minimal/`` behind the same middleware) and measures with Debian's ``wrk``:

  * every page with one connection for ``--duration`` seconds after a 2-second warm-up: p50, p95, p99 and
    requests per second, and each page's p50/p95 as a ratio to the minimal view's in the same run;
  * the report form: GET /reports/new/ then POST it (``action=send``, a new token each time) in turns,
    4 connections, against the minimal view with 4 connections, in ``--rounds`` rounds of one then the
    other (the median round's ratio is reported, with every round's); reports counted before and after;
  * the export of the city's reports (every status) as CSV: first byte, total, bytes, rows, the peak
    RSS of the gunicorn worker that served it against its RSS before, next to ``psql \\copy`` of the same
    rows to /dev/null.

Prints Markdown tables for docs/benchmarks.md. The figures depend on the machine and its load: compare the
ratios within one run.
"""

import argparse
import http.client
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_network.settings")
os.environ.setdefault("DEBUG", "1")
# The sessions written here are checked by the served app: one key for both.
os.environ.setdefault("SECRET_KEY", "bench-web-" + "k" * 50)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from collaborators.models import Role, Unit, User  # noqa: E402
from reports.models import Direction, Report, Topic  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
CSRF_SECRET = "b" * 32  # an unmasked CSRF secret: the cookie and the form field carry the same value

LATENCY_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P50 %d\\nP95 %d\\nP99 %d\\n", latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
  io.write(string.format("REQUESTS %d\\nERRORS %d\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""

# GET the form, then POST a new report, in turns; a token of its own for each POST (thread, time, counter).
SUBMIT_LUA = """
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local counter = 0
local posting = false
local started = os.time()
request = function()
  posting = not posting
  if not posting then
    return wrk.format("GET", "/reports/new/")
  end
  counter = counter + 1
  local token = string.format("%%08x-%%04x-4000-8000-%%012x", started %% 4294967296, id, counter)
  local body = "csrfmiddlewaretoken=%(csrf)s&token=" .. token .. "&action=send&kind=opinion&topic=%(topic)s"
    .. "&title=Bao+cao+thu+" .. counter .. "&content=Cong+nhan+ban+tan+ve+luong+thang+13+va+gia+ca"
    .. "&direction=%(direction)s"
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
  for name, value in pairs(wrk.headers) do headers[name] = value end  -- the session cookie, the host
  return wrk.format("POST", "/reports/new/", headers, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_cookie(user) -> str:
    """A signed-in session for ``user``, written straight into the session store (as a login would)."""
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(user.pk)
    # The backend a password login records (axes' backend only guards the login, it loads no user).
    store["_auth_user_backend"] = next(b for b in settings.AUTHENTICATION_BACKENDS if "axes" not in b.lower())
    store["_auth_user_hash"] = user.get_session_auth_hash()
    try:  # the second factor counts as passed, as after the code
        from collaborators.services.security import CONSENT_CHECKED, TWO_FACTOR_VERIFIED

        store[TWO_FACTOR_VERIFIED] = "bench"
        store[CONSENT_CHECKED] = settings.PERSONAL_DATA_CONSENT_VERSION
    except ImportError:
        pass
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"


def served_env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.web_settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "PYTHONPATH": str(ROOT),
    }


def collect_static() -> None:
    """The static files as production serves them (whitenoise's manifest), once per checkout."""
    if (ROOT / "staticfiles" / "staticfiles.json").exists():
        return
    manage = [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v", "0"]
    subprocess.run(manage, cwd=ROOT, env=served_env(), check=True)  # noqa: S603


def serve(port: int, workers: int, log: Path, timeout: int):
    env = served_env()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "opinion_network.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        str(timeout),
        "--access-logfile",
        "-",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)  # noqa: S603
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    time.sleep(1.0)
    return process


def fetch(port, path, cookie, method="GET", body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Cookie": cookie, "Host": "127.0.0.1"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def wrk(port, path, cookie, *, duration, connections=1, threads=1, script=LATENCY_LUA):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    url = f"http://127.0.0.1:{port}{path}"
    base = [WRK, "-t", str(threads), "-c", str(connections), "-s", handle.name, "-H", f"Cookie: {cookie}"]
    base += ["-H", "Host: 127.0.0.1", "--timeout", "30s"]
    subprocess.run([*base, "-d", "2s", url], capture_output=True, text=True, check=False)  # warm-up  # noqa: S603
    run = subprocess.run([*base, "-d", f"{duration}s", url], capture_output=True, text=True, check=False)  # noqa: S603
    out = run.stdout
    if "Requests/sec" not in out:
        print(f"wrk gave no figures for {path}: {out} {run.stderr}", flush=True)
    os.unlink(handle.name)
    values = dict(re.findall(r"^(P50|P95|P99|REQUESTS|ERRORS) (\d+)$", out, re.M))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return {
        "p50": int(values.get("P50", 0)) / 1000,
        "p95": int(values.get("P95", 0)) / 1000,
        "p99": int(values.get("P99", 0)) / 1000,
        "requests": int(values.get("REQUESTS", 0)),
        "errors": int(values.get("ERRORS", 0)),
        "rate": float(rate.group(1)) if rate else 0.0,
    }


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout  # noqa: S603, S607
    return [int(pid) for pid in out.split()]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure_export(port, path, cookie, master, limit=None):
    """First byte, total, size, rows, and the peak RSS of the worker that served it."""
    pids = worker_pids(master)
    before = {pid: rss_mb(pid) for pid in pids}
    peak = dict(before)
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], rss_mb(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = conn.getresponse()
    first = response.read(1)
    first_byte = time.perf_counter() - started
    size, rows = len(first), first.count(b"\n")
    complete = True
    while chunk := response.read(1 << 16):
        size += len(chunk)
        rows += chunk.count(b"\n")
        if limit and time.perf_counter() - started > limit:
            complete = False  # stop reading: the rate so far gives the total
            break
    total = time.perf_counter() - started
    stop.set()
    sampler.join()
    grown = {pid: peak[pid] - before[pid] for pid in pids}
    served = max(grown, key=grown.get) if grown else None
    return {
        "status": response.status,
        "first_byte": first_byte,
        "total": total,
        "mb": size / 1e6,
        "rows": rows,
        "rss_before": before.get(served, 0.0),
        "rss_peak": peak.get(served, 0.0),
        "complete": complete,
    }


def baseline_columns() -> list[str]:
    """The export's columns (``reports.services.exports.COLUMNS``), read with the joins the export needs:
    the two the export computes in its query are read raw (the author's name with the consent date the
    rule reads, the reviewer's name); the labels stay codes and nothing is formatted or neutralised."""
    from reports.services.exports import AUTHOR, COLUMNS, REVIEWER

    raw = {
        AUTHOR: ("author__full_name", "author__profile__consent_withdrawn_at"),
        REVIEWER: ("assignee__full_name",),
    }
    return [column for name, _kind in COLUMNS for column in raw.get(name, (name,))]


def psql_copy(user, parameters: dict) -> tuple[float, int]:
    """``psql \\copy`` to /dev/null of the same rows, in the same order, as the export for ``user`` with
    these filters, with the same columns and joins (the queue's queryset, its WHERE and ORDER BY as the
    view builds them); the labels stay codes and the dates are PostgreSQL's own text, so the baseline
    does none of the export's formatting."""
    from reports.services.exports import export_queue

    queryset = export_queue(user, parameters).values_list(*baseline_columns())
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        sql = cursor.mogrify(sql, params).decode()
    connection.close()
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    command = ["psql", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]]
    started = time.perf_counter()
    out = subprocess.run(  # noqa: S603
        [*command, "-c", f"\\copy ({sql}) TO '/dev/null' WITH CSV HEADER"], capture_output=True, text=True, env=env
    ).stdout
    took = time.perf_counter() - started
    match = re.search(r"COPY (\d+)", out)
    return took, int(match.group(1)) if match else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured case")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the report form against the minimal view")
    parser.add_argument("--no-migrate", action="store_true")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--timeout", type=int, default=900, help="gunicorn's worker timeout (s)")
    parser.add_argument(
        "--export-seconds", type=int, default=0, help="stop reading the export after this long (0: read it all)"
    )
    parser.add_argument(
        "--only",
        default="",
        help="case names to run, separated by ';' (default: all); the minimal view always runs, the export"
        " unless --no-export, so a name that is no case (--only export) runs the minimal view and the export",
    )
    args = parser.parse_args()

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"] or "bench" not in db["NAME"]:
        sys.exit("DATABASE_URL must name a PostgreSQL bench database (bench/summaries.py --keep leaves one).")
    if not os.path.exists(WRK):
        sys.exit("wrk is not installed (apt-get install wrk)")
    load_at_start = os.getloadavg()[0]
    if not args.no_migrate:
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        print(f"migrated in {time.perf_counter() - started:.0f} s", flush=True)

    root = Unit.objects.filter(depth=1).order_by("path").first()
    city_staff = User.objects.filter(role=Role.STAFF, unit=root, is_active=True).order_by("pk").first()
    communes = Unit.objects.filter(depth=2).order_by("path")
    union = sorted(communes, key=lambda u: u.numchild)[len(communes) // 2]
    union_staff = User.objects.filter(role=Role.STAFF, unit=union, is_active=True).order_by("pk").first()
    if union_staff is None:
        union_staff = User.objects.create(
            username="bench-union-staff", full_name="Cán bộ phường", role=Role.STAFF, unit=union
        )
    collaborator = User.objects.filter(role=Role.COLLABORATOR, is_active=True, unit__depth=3).order_by("pk").first()
    topic = Topic.objects.order_by("pk").first()
    reports = Report.objects.count()
    cookies = {
        "city": session_cookie(city_staff),
        "union": session_cookie(union_staff),
        "collaborator": session_cookie(collaborator),
    }
    in_union = Report.objects.filter(unit__path__startswith=union.path).exclude(status="draft").count()
    connection.close()

    cases = [
        ("minimal view", "city", "/bench/minimal/"),
        ("/healthz", "city", "/healthz"),
        ("queue, city", "city", "/reports/"),
        ("queue, union", "union", "/reports/"),
        ("queue, all statuses, city", "city", "/reports/?status="),
        ("queue, search “lương”, all statuses, city", "city", "/reports/?status=&q=l%C6%B0%C6%A1ng"),
        ("dashboard, city", "city", "/dashboard/"),
        ("dashboard, union", "union", "/dashboard/"),
        ("units page, city", "city", "/roster/units/"),
        ("rumours, city", "city", "/reports/rumours/"),
        ("roster, city", "city", "/roster/"),
        ("report form (GET), collaborator", "collaborator", "/reports/new/"),
    ]
    only = {name.strip() for name in args.only.split(";") if name.strip()}
    collect_static()
    port = free_port()
    log = Path(tempfile.gettempdir()) / f"bench-http-{port}.log"
    server = serve(port, args.workers, log, args.timeout)
    results, checks = {}, {}
    try:
        for name, who, path in cases:
            if only and name not in only and name != "minimal view":
                continue
            status, body = fetch(port, path, cookies[who])
            checks[name] = (status, len(body) / 1024)
            if status != 200:
                print(f"{name}: HTTP {status} for {path} (see {log})", flush=True)
            results[name] = wrk(port, path, cookies[who], duration=args.duration)
            r = results[name]
            print(
                f"{name}: p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, {r['rate']:.1f}/s, {len(body) / 1024:.0f} KB,"
                f" HTTP {status}",
                flush=True,
            )

        submission = minimal4 = None
        if not only or "submission" in only:
            # In turns, --rounds times: the form, then the minimal view (this machine's speed drifts from one
            # ten-second run to the next; each round's ratio compares two runs made one after the other).
            rounds = []
            before = _count_reports()
            for _round in range(args.rounds):
                form_run = wrk(
                    port,
                    "/reports/new/",
                    cookies["collaborator"],
                    duration=args.duration,
                    connections=4,
                    threads=2,
                    script=SUBMIT_LUA % {"topic": topic.pk, "csrf": CSRF_SECRET, "direction": Direction.values[0]}
                    + LATENCY_LUA,
                )
                minimal_run = wrk(
                    port, "/bench/minimal/", cookies["collaborator"], duration=args.duration, connections=4, threads=2
                )
                rounds.append((form_run, minimal_run))
                print(
                    f"submission: {form_run}; minimal ×4: {minimal_run}: {form_run['rate'] / minimal_run['rate']:.2f}×",
                    flush=True,
                )
            after = _count_reports()
            rounds.sort(key=lambda pair: pair[0]["rate"] / pair[1]["rate"])
            submission, minimal4 = rounds[len(rounds) // 2]  # the median round
            submission["created"] = after - before
            submission["ratios"] = [form_run["rate"] / minimal_run["rate"] for form_run, minimal_run in rounds]

        export = copy = None
        if not args.no_export:
            export = measure_export(
                port, "/reports/export.csv?status=", cookies["city"], server.pid, limit=args.export_seconds
            )
            copy = psql_copy(city_staff, {"status": ""})
            print(f"export: {export}; psql \\copy: {copy}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    base = results["minimal view"]
    print(
        f"\n{time.strftime('%Y-%m-%d')}, {platform.node() or 'host'}: {os.cpu_count()} CPUs, Python"
        f" {platform.python_version()}, Django {django.get_version()}, gunicorn {args.workers} sync workers,"
        f" DEBUG=0, wrk 1 connection, {args.duration} s per case after 2 s warm-up; {reports:,} reports"
        f" ({in_union:,} sent in the union “{union.name}”); load average {load_at_start:.1f} at the start,"
        f" {os.getloadavg()[0]:.1f} at the end\n"
    )
    print("| page | who | p50 ms | p95 ms | p99 ms | req/s | KB | p50 × minimal | p95 × minimal |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    for name, who, _path in cases:
        if name not in results:
            continue
        r = results[name]
        status, kb = checks[name]
        if not (r["p50"] and base["p50"]):
            continue
        flag = "" if status == 200 else f" (HTTP {status})"
        print(
            f"| {name}{flag} | {who} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['rate']:.1f} | {kb:.0f}"
            f" | {r['p50'] / base['p50']:.1f}× | {r['p95'] / base['p95']:.1f}× |"
        )
    if submission:
        posts = submission["rate"] / 2
        ratios = ", ".join(f"{ratio:.2f}×" for ratio in sorted(submission["ratios"]))
        print(
            f"\n**Report form, GET + POST in turns, 4 connections** (median of {len(submission['ratios'])} rounds,"
            f" each the form for {args.duration} s then the minimal view for {args.duration} s; the rounds' ratios:"
            f" {ratios}): {submission['rate']:.1f} requests/s ({posts:.1f} reports/s; p50 {submission['p50']:.1f} ms,"
            f" p95 {submission['p95']:.1f} ms, {submission['errors']} errors); minimal view with 4 connections"
            f" {minimal4['rate']:.1f}/s: **{submission['rate'] / minimal4['rate']:.2f}×** the minimal view's rate"
            f" (requests). Reports created in all rounds and their warm-ups: {submission['created']:,}, counted"
            " before and after."
        )
    if export:
        whole = copy[1] / (export["rows"] / export["total"]) if export["rows"] else 0.0
        print(
            f"\n**Export, `/reports/export.csv?status=`, city staff**: HTTP {export['status']},"
            f" {export['rows']:,} lines{'' if export['complete'] else ' (reading stopped there)'},"
            f" {export['mb']:.0f} MB, {export['rows'] / export['total']:,.0f} lines/s;"
            f" first byte {export['first_byte'] * 1000:.0f} ms, {'total' if export['complete'] else 'read for'}"
            f" {export['total']:.1f} s (the whole export at that rate: {whole:.0f} s);"
            f" worker RSS {export['rss_before']:.0f} → {export['rss_peak']:.0f} MB"
            f" (+{export['rss_peak'] - export['rss_before']:.0f} MB). `psql \\copy` of the same rows in the same order,"
            " same columns and joins (labels as codes, no formatting)"
            f" to /dev/null: {copy[0]:.1f} s, {copy[1]:,} rows; export ÷ copy (whole, at the measured rate)"
            f" {whole / copy[0]:.1f}×."
        )


def _count_reports() -> int:
    count = Report.objects.count()
    connection.close()
    return count


if __name__ == "__main__":
    main()
