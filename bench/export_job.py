"""Export-job benchmark: the whole city's reports (or people) built as an Excel file by the background job.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opinion_bench_summaries \\
        .venv/bin/python -u bench/export_job.py [--kind reports|people] [--status ""]

Uses a database ``bench/summaries.py --keep`` leaves (its name must contain "bench"; migrated to the code's
schema). Asks for an export job as the city federation's staff (``export_job_request``, the service the
Excel button calls) and builds it in this process with ``export_job_build``, the function the Celery task
runs, so the figures are the worker's: wall time, rows and rows/s, file size, and the process's peak
resident memory (``VmHWM``) against its resident memory just before the build. Next to it, in the same run,
``psql \\copy`` of the same rows with the same columns and joins (bench/web.py's baseline for the CSV) for
the reports kind. The job's file is deleted at the end; the job row stays (as after an expiry).
"""

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_network.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from collaborators.models import ExportJob, Role, Unit, User  # noqa: E402
from collaborators.services.exports import export_job_build, export_job_request  # noqa: E402


def memory_kb(field: str) -> int:
    """A field of /proc/self/status (VmRSS, VmHWM) in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak() -> None:
    """Start VmHWM again from the current RSS (Linux: writing 5 to clear_refs)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", choices=("reports", "people"), default="reports")
    parser.add_argument("--status", default="", help="the queue's status filter (empty: every status)")
    args = parser.parse_args()

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"] or "bench" not in db["NAME"]:
        sys.exit("DATABASE_URL must name a PostgreSQL bench database (bench/summaries.py --keep leaves one).")
    root = Unit.objects.filter(depth=1).order_by("path").first()
    staff = User.objects.filter(role=Role.STAFF, unit=root, is_active=True).order_by("pk").first()
    parameters = {"status": args.status} if args.kind == "reports" else {}
    job, _created = export_job_request(actor=staff, kind=args.kind, parameters=parameters, language="vi")

    reset_peak()
    rss_before = memory_kb("VmRSS") / 1024
    load_at_start = os.getloadavg()[0]
    started = time.perf_counter()
    export_job_build(job.pk)
    took = time.perf_counter() - started
    peak = memory_kb("VmHWM") / 1024
    job.refresh_from_db()
    size = job.file.size / 1e6 if job.file else 0.0
    print(
        f"{args.kind} export job {job.pk}: status {job.status}, {job.rows_done:,} rows in {took:.1f} s"
        f" ({job.rows_done / took:,.0f} rows/s), file {size:.0f} MB; RSS {rss_before:.0f} MB before,"
        f" peak {peak:.0f} MB (+{peak - rss_before:.0f} MB); load average {load_at_start:.1f} at the start,"
        f" {os.getloadavg()[0]:.1f} at the end",
        flush=True,
    )
    if args.kind == "reports":
        from bench.web import psql_copy

        copy_took, copy_rows = psql_copy(staff, parameters)
        print(
            f"psql \\copy of the same rows and columns: {copy_rows:,} rows in {copy_took:.1f} s;"
            f" the job ÷ \\copy: {took / copy_took:.1f}×"
        )
    if job.file:
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
    connection.close()


if __name__ == "__main__":
    main()
