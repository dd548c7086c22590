"""Count the answers to requests for opinion already sent in the collaborators' quality figures."""

from collections import Counter

from django.db import migrations
from django.utils import timezone

from core.periods import period_month


def fill(apps, schema_editor):
    PulseRecipient = apps.get_model("guidance", "PulseRecipient")
    QualityTally = apps.get_model("collaborators", "QualityTally")
    answers = Counter()
    rows = PulseRecipient.objects.filter(answered_at__isnull=False).values_list("person_id", "unit_id", "answered_at")
    for person, unit, answered_at in rows.iterator(chunk_size=2000):
        answers[(person, unit, period_month(timezone.localdate(answered_at)))] += 1
    for (person, unit, month), n in answers.items():
        tally, _created = QualityTally.objects.get_or_create(person_id=person, unit_id=unit, month=month)
        tally.answered += n
        tally.save(update_fields=["answered"])


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0008_verbose_names"),
        ("collaborators", "0010_quality_tally"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
