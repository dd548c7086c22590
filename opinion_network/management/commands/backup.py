"""`manage.py backup --output DIR`: the database and the uploaded files, with a manifest to check them.

DIR receives three files:

- ``database.dump`` (PostgreSQL, ``pg_dump -Fc``) or ``database.sqlite3`` (SQLite, copied with SQLite's
  online backup, safe while the app writes);
- ``media.tar.gz``: everything under MEDIA_ROOT (report attachments, guidance files, training materials,
  issued summaries, files of the outbox);
- ``manifest.json``: when, which code (git commit when known), the migrations applied, and the size and
  SHA-256 of both files, which ``manage.py restore`` checks before it writes anything.

The database is dumped before the files are archived: an upload that lands in between leaves a file no
row names (harmless), never a row whose file is missing.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
FORMAT = 1


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def postgres_environment(settings_dict) -> dict:
    """libpq's variables for the database of settings_dict: the password never goes on a command line."""
    environment = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    environment["PGDATABASE"] = settings_dict["NAME"]
    return environment


def require_program(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise CommandError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def code_version() -> str:
    """The git commit of the code when it runs from a checkout, else APP_VERSION from the environment."""
    root = Path(settings.BASE_DIR)
    if (root / ".git").exists() and shutil.which("git"):
        result = subprocess.run(  # noqa: S603 - fixed command
            ["git", "-C", str(root), "describe", "--always", "--dirty"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            return result.stdout.strip()
    return os.environ.get("APP_VERSION", "unknown")


def applied_migrations() -> dict:
    applied = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


class Command(BaseCommand):
    help = "Back up the database and the uploaded files (MEDIA_ROOT) into a new directory, with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="directory to create (must not exist or be empty)")

    def handle(self, *args, output, **options):
        target = Path(output).resolve()
        if target.exists() and any(target.iterdir()):
            raise CommandError(f"{target} is not empty: give a new directory for each backup")
        target.mkdir(parents=True, exist_ok=True)
        vendor = connection.vendor
        if vendor not in DATABASE_FILES:
            raise CommandError(f"backing up a {vendor} database is not supported (PostgreSQL or SQLite)")

        started = datetime.datetime.now(datetime.UTC)
        migrations = applied_migrations()
        database_file = target / DATABASE_FILES[vendor]
        if vendor == "postgresql":
            self._dump_postgresql(database_file)
        else:
            self._copy_sqlite(database_file)
        media_count = self._archive_media(target / MEDIA_ARCHIVE)

        manifest = {
            "format": FORMAT,
            "created_at": started.isoformat(),
            "app_version": code_version(),
            "django_version": django.get_version(),
            "database": {
                "vendor": vendor,
                "file": database_file.name,
                "bytes": database_file.stat().st_size,
                "sha256": sha256(database_file),
            },
            "media": {
                "file": MEDIA_ARCHIVE,
                "files": media_count,
                "bytes": (target / MEDIA_ARCHIVE).stat().st_size,
                "sha256": sha256(target / MEDIA_ARCHIVE),
            },
            "migrations": migrations,
        }
        (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self.stdout.write(
            f"Backed up the {vendor} database and {media_count} uploaded files to {target} "
            f"({sum(len(names) for names in migrations.values())} migrations applied)."
        )

    def _dump_postgresql(self, path: Path) -> None:
        result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [require_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"],
            env=postgres_environment(connection.settings_dict),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")

    def _copy_sqlite(self, path: Path) -> None:
        # SQLite's online backup through the app's own connection: a consistent copy even while others
        # write, and it works for a file or an in-memory database alike.
        connection.ensure_connection()
        with sqlite3.connect(path) as destination:
            connection.connection.backup(destination)
        destination.close()

    def _archive_media(self, path: Path) -> int:
        root = Path(settings.MEDIA_ROOT)
        count = 0
        with tarfile.open(path, "w:gz") as archive:
            if root.is_dir():
                for file in sorted(root.rglob("*")):
                    if file.is_file() and not file.is_symlink():
                        archive.add(file, arcname=file.relative_to(root).as_posix(), recursive=False)
                        count += 1
        return count
