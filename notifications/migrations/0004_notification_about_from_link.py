"""Name the object of the notifications written before they carried one, from their links.

Rows whose link matches no known page keep an empty ``about_model``; the lists hide a row that
links somewhere without naming its object, so an old row never leads anyone out of their scope.
"""

import re

from django.db import migrations

PATTERNS = [
    (re.compile(r"^/reports/rumours/(\d+)/"), "reports.rumour"),
    (re.compile(r"^/reports/(\d+)/"), "reports.report"),
    (re.compile(r"^/guidance/(\d+)/"), "guidance.guidancenote"),
    (re.compile(r"^/reports/new/\?request=(\d+)"), "guidance.pulserequest"),
    (re.compile(r"^/trainings/(\d+)/"), "trainings.trainingsession"),
    (re.compile(r"^/summaries/(\d+)/"), "summaries.summary"),
]
# Links about the recipient's own account or duty (activation, the monthly report reminder).
OWN = [re.compile(r"^/accounts/activate/"), re.compile(r"^/reports/new/$")]


def name_objects(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.filter(about_model="", recipient__isnull=False).exclude(link="")
    for row in rows.only("pk", "link", "recipient_id").iterator(chunk_size=2000):
        about = None
        for pattern, label in PATTERNS:
            match = pattern.match(row.link)
            if match:
                about = (label, int(match.group(1)))
                break
        if about is None and any(p.match(row.link) for p in OWN):
            about = ("collaborators.user", row.recipient_id)
        if about is not None:
            Notification.objects.filter(pk=row.pk).update(about_model=about[0], about_id=about[1])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_notification_about_object")]

    operations = [migrations.RunPython(name_objects, migrations.RunPython.noop)]
