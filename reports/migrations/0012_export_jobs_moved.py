"""Every export job is a ``collaborators.ExportJob`` now (one mechanism for the reports and the people): the
reports' jobs are copied there with their ids (so their pages, files and notifications keep working), as
the reports kind; the notifications about them and their links follow, and so does the periodic job that
resumes and expires them (its schedule, as an administrator may have changed it, is kept)."""

from django.core.management.color import no_style
from django.db import migrations

COLUMNS = "id, requested_by_id, parameters, language, status, rows_done, rows_total, file, created_at, finished_at"
OLD_TASK, NEW_TASK = "reports.tasks.resume_export_jobs", "collaborators.tasks.resume_export_jobs"
OLD_NAME, NEW_NAME = "reports.export_jobs", "collaborators.export_jobs"


def _reset_sequence(schema_editor, model):
    # The ids were copied: the next job must not take one of them (PostgreSQL's identity sequence).
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [model]):
        schema_editor.execute(sql)


def _relabel(apps, old_label, new_label, old_path, new_path, ids=None):
    Notification = apps.get_model("notifications", "Notification")
    about = Notification.objects.filter(about_model=old_label)
    if ids is not None:
        about = about.filter(about_id__in=ids)
    for notification in about.only("pk", "link"):
        Notification.objects.filter(pk=notification.pk).update(
            about_model=new_label, link=notification.link.replace(old_path, new_path, 1)
        )


def _schedule(apps, old_task, new_task, old_name, new_name):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(name=new_name).exists():
        PeriodicTask.objects.filter(task=old_task).delete()
    else:
        PeriodicTask.objects.filter(task=old_task).update(task=new_task, name=new_name)


def forward(apps, schema_editor):
    schema_editor.execute(
        f"INSERT INTO collaborators_exportjob ({COLUMNS}, kind, return_path) "
        f"SELECT {COLUMNS}, 'reports', '' FROM reports_exportjob"
    )
    _reset_sequence(schema_editor, apps.get_model("collaborators", "ExportJob"))
    _relabel(apps, "reports.exportjob", "collaborators.exportjob", "/reports/exports/", "/roster/exports/")
    _schedule(apps, OLD_TASK, NEW_TASK, OLD_NAME, NEW_NAME)


def backward(apps, schema_editor):
    ids = list(apps.get_model("collaborators", "ExportJob").objects.filter(kind="reports").values_list("pk", flat=True))
    schema_editor.execute(
        f"INSERT INTO reports_exportjob ({COLUMNS}) SELECT {COLUMNS} FROM collaborators_exportjob "
        "WHERE kind = 'reports'"
    )
    schema_editor.execute("DELETE FROM collaborators_exportjob WHERE kind = 'reports'")
    _reset_sequence(schema_editor, apps.get_model("reports", "ExportJob"))
    _relabel(apps, "collaborators.exportjob", "reports.exportjob", "/roster/exports/", "/reports/exports/", ids)
    _schedule(apps, NEW_TASK, OLD_TASK, NEW_NAME, OLD_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0011_export_job"),
        ("collaborators", "0012_export_jobs"),
        ("notifications", "0006_verbose_names"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="ExportJob"),
    ]
