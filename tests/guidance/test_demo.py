"""seed_demo's guidance: published notes answering rumours, with reads and acknowledgements; idempotent."""

import pytest
from django.core.management import call_command

from guidance import demo
from guidance.models import GuidanceNote, NoteStatus, Receipt
from guidance.selectors import answered_rumour_ids, effect
from notifications.models import Notification
from reports import demo as reports_demo
from reports.models import Rumour

pytestmark = pytest.mark.django_db


def test_demo_guidance_answers_rumours_with_acknowledgements(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr(reports_demo, "REPORT_COUNT", 400)
    call_command("seed_demo", verbosity=0)
    published = GuidanceNote.objects.filter(status=NoteStatus.PUBLISHED)
    assert published.count() == 2
    assert GuidanceNote.objects.filter(status=NoteStatus.DRAFT).count() == 1
    assert Receipt.objects.filter(acknowledged_at__isnull=False).exists()
    assert Receipt.objects.filter(acknowledged_at__isnull=True, read_at__isnull=False).exists()
    rumours = set(Rumour.objects.values_list("pk", flat=True))
    assert answered_rumour_ids(rumours)
    assert all(effect(note)["rows"] for note in published)
    assert not Notification.objects.filter(kind__startswith="guidance").exists()
    assert demo.seed().startswith("Guidance: demo notes already present")
    assert GuidanceNote.objects.count() == 3
