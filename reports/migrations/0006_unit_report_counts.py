"""Counters of sent reports per unit and status, and of sightings per rumour and unit, kept by triggers.

Counting the reports on each view grows with the table (the city's queue tabs read ~980,000 rows at
1,000,000 reports, the units page counted every report per view). The rows of these two tables change in
the statement that changes a report: an INSERT, a DELETE, or an UPDATE of its status, unit or rumour
(a draft counts nowhere). Triggers cover every way a report is written (services, bulk updates, unit
merges, the admin, SQL loads) without a list of call sites to keep. The existing reports are counted once
here. PostgreSQL and SQLite each get their own trigger syntax; the tests recount after each kind of write.
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION reports_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.status <> 'draft' THEN
            UPDATE reports_unitreportcount SET reports = reports - 1
             WHERE unit_id = OLD.unit_id AND status = OLD.status;
            IF OLD.rumour_id IS NOT NULL THEN
                UPDATE reports_rumourunitcount SET sightings = sightings - 1
                 WHERE rumour_id = OLD.rumour_id AND unit_id = OLD.unit_id;
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.status <> 'draft' THEN
            INSERT INTO reports_unitreportcount (unit_id, status, reports) VALUES (NEW.unit_id, NEW.status, 1)
            ON CONFLICT (unit_id, status) DO UPDATE SET reports = reports_unitreportcount.reports + 1;
            IF NEW.rumour_id IS NOT NULL THEN
                INSERT INTO reports_rumourunitcount (rumour_id, unit_id, sightings)
                VALUES (NEW.rumour_id, NEW.unit_id, 1)
                ON CONFLICT (rumour_id, unit_id) DO UPDATE SET sightings = reports_rumourunitcount.sightings + 1;
            END IF;
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER reports_counts_insert AFTER INSERT ON reports_report FOR EACH ROW"
    " EXECUTE FUNCTION reports_counts_follow()",
    "CREATE TRIGGER reports_counts_delete AFTER DELETE ON reports_report FOR EACH ROW"
    " EXECUTE FUNCTION reports_counts_follow()",
    "CREATE TRIGGER reports_counts_update AFTER UPDATE OF status, unit_id, rumour_id ON reports_report FOR EACH ROW"
    " WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.unit_id IS DISTINCT FROM NEW.unit_id"
    " OR OLD.rumour_id IS DISTINCT FROM NEW.rumour_id) EXECUTE FUNCTION reports_counts_follow()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS reports_counts_insert ON reports_report",
    "DROP TRIGGER IF EXISTS reports_counts_delete ON reports_report",
    "DROP TRIGGER IF EXISTS reports_counts_update ON reports_report",
    "DROP FUNCTION IF EXISTS reports_counts_follow()",
]

# SQLite: no procedural language, so each step is a statement guarded by its own condition.
_SQLITE_ADD = """
    INSERT INTO reports_unitreportcount (unit_id, status, reports)
    SELECT NEW.unit_id, NEW.status, 1 WHERE NEW.status <> 'draft'
    ON CONFLICT (unit_id, status) DO UPDATE SET reports = reports + 1;
    INSERT INTO reports_rumourunitcount (rumour_id, unit_id, sightings)
    SELECT NEW.rumour_id, NEW.unit_id, 1 WHERE NEW.status <> 'draft' AND NEW.rumour_id IS NOT NULL
    ON CONFLICT (rumour_id, unit_id) DO UPDATE SET sightings = sightings + 1;
"""
_SQLITE_TAKE = """
    UPDATE reports_unitreportcount SET reports = reports - 1
     WHERE unit_id = OLD.unit_id AND status = OLD.status AND OLD.status <> 'draft';
    UPDATE reports_rumourunitcount SET sightings = sightings - 1
     WHERE rumour_id = OLD.rumour_id AND unit_id = OLD.unit_id AND OLD.status <> 'draft';
"""
SQLITE = [
    f"CREATE TRIGGER reports_counts_insert AFTER INSERT ON reports_report BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER reports_counts_delete AFTER DELETE ON reports_report BEGIN {_SQLITE_TAKE} END",
    "CREATE TRIGGER reports_counts_update AFTER UPDATE OF status, unit_id, rumour_id ON reports_report"
    " WHEN OLD.status IS NOT NEW.status OR OLD.unit_id IS NOT NEW.unit_id OR OLD.rumour_id IS NOT NEW.rumour_id"
    f" BEGIN {_SQLITE_TAKE} {_SQLITE_ADD} END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS reports_counts_insert",
    "DROP TRIGGER IF EXISTS reports_counts_delete",
    "DROP TRIGGER IF EXISTS reports_counts_update",
]

# The reports already there, counted once (before the triggers exist, in the same transaction).
BACKFILL = [
    "INSERT INTO reports_unitreportcount (unit_id, status, reports)"
    " SELECT unit_id, status, count(*) FROM reports_report WHERE status <> 'draft' GROUP BY unit_id, status",
    "INSERT INTO reports_rumourunitcount (rumour_id, unit_id, sightings)"
    " SELECT rumour_id, unit_id, count(*) FROM reports_report"
    " WHERE status <> 'draft' AND rumour_id IS NOT NULL GROUP BY rumour_id, unit_id",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":  # no report written between the count and the triggers
        schema_editor.execute("LOCK TABLE reports_report IN SHARE ROW EXCLUSIVE MODE")
    for sql in BACKFILL + (POSTGRESQL if vendor == "postgresql" else SQLITE if vendor == "sqlite" else []):
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in POSTGRESQL_DROP if vendor == "postgresql" else SQLITE_DROP if vendor == "sqlite" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("collaborators", "0006_search_trgm"),
        ("reports", "0005_pg_trgm"),
    ]

    operations = [
        migrations.CreateModel(
            name="RumourUnitCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sightings", models.IntegerField(default=0)),
                (
                    "rumour",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="reports.rumour"
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="collaborators.unit"
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("rumour", "unit"), name="rumour_unit_count_once")],
            },
        ),
        migrations.CreateModel(
            name="UnitReportCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("submitted", "Submitted"),
                            ("returned", "Returned for more information"),
                            ("accepted", "Accepted"),
                            ("rejected", "Rejected"),
                            ("archived", "Archived"),
                        ],
                        max_length=16,
                    ),
                ),
                ("reports", models.IntegerField(default=0)),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="collaborators.unit"
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("unit", "status"), name="unit_report_count_once")],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
