"""seed_demo's guidance: published notes answering rumours, with reads and acknowledgements; idempotent."""

import pytest
from django.core.management import call_command

from guidance import demo
from guidance.models import GuidanceNote, NoteStatus, PulseRequest, PulseStatus, Receipt
from guidance.selectors import answered_rumour_ids, effect
from guidance.selectors.pulse import response_stats
from notifications.models import Notification
from reports import demo as reports_demo
from reports.models import Report, Rumour

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

    # A closed request for opinion, answered by linked reports; seeding again adds nothing.
    pulse = PulseRequest.objects.get()
    assert pulse.status == PulseStatus.CLOSED and not pulse.accepts_answers()
    answered = pulse.recipients.filter(answered_at__isnull=False)
    assert 0 < answered.count() < pulse.recipients.count()
    assert all(r.report.author_id == r.person_id and r.report.direction for r in answered.select_related("report"))
    assert response_stats(pulse)["totals"]["answered"] == answered.count()
    assert not Notification.objects.filter(kind__startswith="pulse").exists()
    reports = Report.objects.count()
    assert "already present" in demo.seed().split("Request for opinion:")[1]
    assert PulseRequest.objects.count() == 1 and Report.objects.count() == reports
