"""`manage.py restore DIR`: put back a backup made by `manage.py backup` into an empty database.

Everything is checked before anything is written: the manifest, the SHA-256 of both files, that the
backup's database is of the kind configured here (PostgreSQL or SQLite), and that this code knows every
migration the backup had applied (a backup from newer code needs that code). The database must be empty
(no tables) and MEDIA_ROOT empty or missing, unless --force: then the backup's tables replace those of the
same name and its files are written over those of the same name.

After a restore from older code, run `manage.py migrate`; then `setup_periodic_tasks`.
"""

import json
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from opinion_network.management.commands.backup import (
    DATABASE_FILES,
    FORMAT,
    MANIFEST,
    postgres_environment,
    require_program,
    sha256,
)


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database and MEDIA_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="the directory `manage.py backup --output` wrote")
        parser.add_argument(
            "--force",
            action="store_true",
            help="restore even though the database has tables or MEDIA_ROOT has files (they are overwritten)",
        )

    def handle(self, *args, directory, force, **options):
        source = Path(directory).resolve()
        manifest = self._checked_manifest(source)
        database = manifest["database"]
        if database["vendor"] != connection.vendor:
            raise CommandError(f"the backup is of a {database['vendor']} database; this site uses {connection.vendor}")
        unknown = self._unknown_migrations(manifest["migrations"])
        if unknown:
            raise CommandError(
                "the backup was made by newer code (migrations unknown here: "
                + ", ".join(unknown[:5])
                + (" …" if len(unknown) > 5 else "")
                + "); restore it with that code"
            )
        tables = connection.introspection.table_names()
        media_root = Path(settings.MEDIA_ROOT)
        existing_files = media_root.is_dir() and any(path.is_file() for path in media_root.rglob("*"))
        if (tables or existing_files) and not force:
            found = []
            if tables:
                found.append(f"the database has {len(tables)} tables")
            if existing_files:
                found.append(f"{media_root} has files")
            raise CommandError(
                " and ".join(found) + ": restore into an empty database and MEDIA_ROOT, or add --force to overwrite"
            )

        database_file = source / database["file"]
        if connection.vendor == "postgresql":
            self._restore_postgresql(database_file, clean=bool(tables))
        else:
            self._restore_sqlite(database_file)
        restored = self._extract_media(source / manifest["media"]["file"], media_root)
        connection.close()
        self.stdout.write(
            f"Restored the {connection.vendor} database and {restored} files from the backup of "
            f"{manifest['created_at']} (code {manifest['app_version']}). "
            "Next: manage.py migrate, manage.py setup_periodic_tasks, then start the services."
        )

    def _checked_manifest(self, source: Path) -> dict:
        try:
            manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{source} has no {MANIFEST}: not a backup made by manage.py backup") from None
        except ValueError as exc:
            raise CommandError(f"{source / MANIFEST} is not valid JSON: {exc}") from None
        if manifest.get("format") != FORMAT:
            raise CommandError(f"unknown backup format {manifest.get('format')!r}")
        if manifest["database"]["file"] not in DATABASE_FILES.values():
            raise CommandError(f"unexpected database file {manifest['database']['file']!r} in the manifest")
        for part in (manifest["database"], manifest["media"]):
            path = source / Path(part["file"]).name
            if not path.is_file():
                raise CommandError(f"{path} is missing")
            if sha256(path) != part["sha256"]:
                raise CommandError(f"{path} does not match its checksum in the manifest: the backup is damaged")
        return manifest

    def _unknown_migrations(self, migrations: dict) -> list[str]:
        known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
        applied = [(app, name) for app, names in sorted(migrations.items()) for name in names]
        return [f"{app}.{name}" for app, name in applied if (app, name) not in known]

    def _restore_postgresql(self, path: Path, *, clean: bool) -> None:
        connection.close()
        command = [require_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
        command.append("--single-transaction")
        if clean:
            command += ["--clean", "--if-exists"]
        result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [*command, "--dbname", connection.settings_dict["NAME"], str(path)],
            env=postgres_environment(connection.settings_dict),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed: {result.stderr.strip()}")

    def _restore_sqlite(self, path: Path) -> None:
        # Through the app's own connection, with SQLite's backup API: the whole database is replaced
        # page by page, whether it is a file (with its WAL) or the in-memory database of the tests.
        connection.ensure_connection()
        with sqlite3.connect(path) as backup:
            backup.backup(connection.connection)
        backup.close()

    def _extract_media(self, archive_path: Path, media_root: Path) -> int:
        media_root.mkdir(parents=True, exist_ok=True)
        count = 0
        with tarfile.open(archive_path, "r:gz") as archive:
            for member in archive.getmembers():
                if not member.isfile():
                    continue
                # The data filter refuses absolute names, "..", links and special files.
                archive.extract(member, media_root, filter="data")
                count += 1
        return count
