"""Reports can be anonymised at the end of their retention: the author becomes optional and the moment is
kept. On SQLite, changing the column rebuilds the table, which drops the counters' triggers of 0006: they
are created again (the counts themselves are unchanged: copying the rows fires nothing)."""

from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

_counts = import_module("reports.migrations.0006_unit_report_counts")


def sqlite_triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in _counts.SQLITE_DROP + _counts.SQLITE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_verbose_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Undone last: the triggers come back after the table is rebuilt again on the way down.
        migrations.RunPython(migrations.RunPython.noop, sqlite_triggers_again),
        migrations.AddField(
            model_name="historicalreport",
            name="anonymised_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="anonymised at"),
        ),
        migrations.AddField(
            model_name="report",
            name="anonymised_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="anonymised at"),
        ),
        migrations.AlterField(
            model_name="report",
            name="author",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reports",
                to=settings.AUTH_USER_MODEL,
                verbose_name="author",
            ),
        ),
        migrations.RunPython(sqlite_triggers_again, migrations.RunPython.noop),
    ]
