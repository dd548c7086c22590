"""seed_demo's guidance: published notes answering rumours, with reads and acknowledgements; idempotent."""

import pytest
from django.core.management import call_command

from guidance import demo
from guidance.models import GuidanceNote, NoteStatus, PulseRequest, PulseStatus, Receipt
from guidance.selectors import answered_rumour_ids, effect
from guidance.selectors.pulse import response_stats
from notifications.models import Notification
from reports import demo as reports_demo
from reports.models import EventKind, Report, ReportEvent, ReportStatus, Rumour

pytestmark = pytest.mark.django_db


def test_demo_guidance_answers_rumours_with_acknowledgements(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr(reports_demo, "REPORT_COUNT", 400)
    call_command("seed_demo", verbosity=0)
    published = GuidanceNote.objects.filter(status=NoteStatus.PUBLISHED)
    assert published.count() == len(demo.NOTES) == 3
    assert GuidanceNote.objects.filter(status=NoteStatus.DRAFT).count() == 1
    assert Receipt.objects.filter(acknowledged_at__isnull=False).exists()
    assert Receipt.objects.filter(acknowledged_at__isnull=True, read_at__isnull=False).exists()
    rumours = set(Rumour.objects.values_list("pk", flat=True))
    assert answered_rumour_ids(rumours)
    assert all(effect(note)["rows"] for note in published)
    assert not Notification.objects.filter(kind__startswith="guidance").exists()
    assert demo.seed().startswith("Guidance: demo notes already present")
    assert GuidanceNote.objects.count() == 4

    # Each note answers the rumour it speaks of, and only questions on its own topic.
    for title, rumour_title, _policy, body in demo.NOTES:
        note = GuidanceNote.objects.get(title=title)
        assert list(note.rumours.values_list("title", flat=True)) == [rumour_title]
        assert note.topic_id == note.rumours.get().topic_id
        assert all(q.topic_id == note.topic_id for q in note.questions.all())
        assert note.body == body and "<li>" in note.body_html  # Markdown, shown with its list

    # The reports agree with where they come from: teachers and health workers do not write about
    # production lines and layoffs, a "nothing new" report is never returned nor rejected.
    factory_only = ("dây chuyền", "phân xưởng", "khu công nghiệp", "cho thôi việc", "đơn hàng", "tổ trưởng sản xuất")
    for title in Report.objects.filter(unit__name__contains="Trường").values_list("title", flat=True):
        assert not any(words in title.lower() for words in factory_only), title
    for title in Report.objects.filter(unit__name__contains="Y tế").values_list("title", flat=True):
        assert not any(words in title.lower() for words in factory_only), title
    assert Report.objects.filter(unit__name__contains="Trường", title__startswith="Giáo viên").exists()
    nothing_new = Report.objects.filter(nothing_new=True)
    assert nothing_new.exists()
    assert not nothing_new.exclude(status__in=[ReportStatus.SUBMITTED, ReportStatus.ACCEPTED, ReportStatus.ARCHIVED])
    assert not ReportEvent.objects.filter(report__nothing_new=True, kind__in=[EventKind.RETURNED, EventKind.REJECTED])

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
