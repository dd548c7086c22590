"""seed_demo's reports: every status and kind, the demo accounts' reports, consistent rumours, idempotent."""

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from collaborators.models import ReportingActivity, Role, User
from core.periods import period_month
from core.text import fold
from opinion_network.management.commands import seed_demo
from reports import demo
from reports.models import Report, ReportEvent, ReportKind, ReportStatus, Rumour, Verification
from tests.clock import frozen_clock

pytestmark = pytest.mark.django_db
_clock = frozen_clock()  # the tests build their dates from "now"


@pytest.fixture
def seeded(settings, monkeypatch):
    settings.DEBUG = True
    # The reports seeder alone: higher apps' seeders add their own reports (answers to a request for opinion).
    monkeypatch.setattr(seed_demo, "APP_SEEDERS", [demo.seed])
    monkeypatch.setattr(demo, "REPORT_COUNT", 400)
    call_command("seed_demo", verbosity=0)


def test_demo_reports_cover_every_case_consistently(seeded):
    assert set(Report.objects.values_list("status", flat=True)) == set(ReportStatus.values)
    assert set(ReportKind.values) <= set(Report.objects.values_list("kind", flat=True))
    assert Report.objects.filter(nothing_new=True, kind="").exists()
    assert Report.objects.filter(urgent=True).exists()
    assert Report.objects.exclude(alert_level="normal").exists()
    assert Report.objects.count() == 400

    # Written by active collaborators, in their own unit; search_text folded as save() would.
    wrong_author = Report.objects.exclude(author__role=Role.COLLABORATOR, author__profile__status="active")
    assert not wrong_author.exists()
    assert not Report.objects.exclude(unit=F("author__unit")).exists()
    report = Report.objects.exclude(content="").first()
    assert report.search_text == fold(" ".join([report.title, report.content, report.place, report.group_concerned]))

    # Drafts were never sent; everything else was, and has its timeline.
    assert not Report.objects.filter(status=ReportStatus.DRAFT, submitted_at__isnull=False).exists()
    assert not Report.objects.exclude(status=ReportStatus.DRAFT).filter(submitted_at__isnull=True).exists()
    for status, event in [("returned", "returned"), ("accepted", "accepted"), ("rejected", "rejected")]:
        reports = Report.objects.filter(status=status)
        assert reports.filter(events__kind=event).distinct().count() == reports.count(), status
    reasons = ReportEvent.objects.filter(kind__in=["returned", "rejected"])
    assert reasons.exists() and not reasons.filter(note="").exists()

    # The demo accounts have reports in every status, seen by their own union's staff only.
    for username in ("collab1", "collab2"):
        statuses = set(Report.objects.filter(author__username=username).values_list("status", flat=True))
        assert statuses == set(ReportStatus.values), username
        user = User.objects.get(username=username)
        # One reporting fact per period in which one of their reports was first sent.
        sent = Report.objects.filter(author=user).exclude(status="draft").values_list("first_submitted_at", flat=True)
        periods = {period_month(timezone.localdate(moment)) for moment in sent}
        assert set(ReportingActivity.objects.filter(person=user).values_list("month", flat=True)) == periods
    unitstaff = User.objects.get(username="unitstaff")
    assert Report.objects.visible_to(unitstaff).filter(author__username="collab1").exists()
    assert not Report.objects.visible_to(unitstaff).filter(author__username="collab2").exists()

    # Rumours: sighting figures are the aggregate over their linked non-draft reports.
    rumours = Rumour.objects.annotate(
        n=Count("sightings", filter=~Q(sightings__status=ReportStatus.DRAFT)),
        first=Min("sightings__submitted_at", filter=~Q(sightings__status=ReportStatus.DRAFT)),
        last=Max("sightings__submitted_at", filter=~Q(sightings__status=ReportStatus.DRAFT)),
    )
    assert rumours.count() == len(demo.RUMOURS)
    assert set(rumours.values_list("verification", flat=True)) == set(Verification.values)
    for rumour in rumours:
        assert (rumour.sighting_count, rumour.first_seen_at, rumour.last_seen_at) == (
            rumour.n,
            rumour.first,
            rumour.last,
        )
        assert rumour.listed_units.exists()
        if rumour.verification != Verification.UNVERIFIED:
            assert rumour.resolution_note
    assert Rumour.objects.filter(sighting_count__gte=2).count() >= 10
    # Sightings are rumour reports carrying their rumour's verification, seen in several units.
    linked = Report.objects.filter(rumour__isnull=False)
    assert not linked.exclude(kind=ReportKind.RUMOUR).exists()
    assert all(r.verification == r.rumour.verification for r in linked.select_related("rumour"))
    assert linked.values("unit").distinct().count() > 5


def test_a_demo_reports_reception_agrees_with_its_words(seeded):
    """What people approve of is never filed as opposition, nor raised as urgent; what they protest is
    never filed as approval; a hot spot is negative."""
    approving = Q()
    for word in ("đồng tình", "phấn khởi", "ủng hộ"):
        approving |= Q(title__icontains=word)
    opposing = Q()
    for word in ("phản đối", "bức xúc", "lo lắng"):
        opposing |= Q(title__icontains=word)
    assert Report.objects.filter(approving).exclude(opposing).exists()
    assert not Report.objects.filter(approving, direction="negative").exists()
    assert not Report.objects.filter(approving, urgent=True).exclude(opposing).exists()
    assert not Report.objects.filter(opposing, direction="positive").exclude(approving).exists()
    assert not Report.objects.filter(kind=ReportKind.HOT_SPOT).exclude(direction="negative").exists()
    assert not Report.objects.filter(urgent=True, direction="positive").exists()


def test_running_twice_adds_nothing(seeded, settings):
    counts = (Report.objects.count(), ReportEvent.objects.count(), Rumour.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Report.objects.count(), ReportEvent.objects.count(), Rumour.objects.count()) == counts
    assert demo.seed().startswith("Reports: demo reports already present")
