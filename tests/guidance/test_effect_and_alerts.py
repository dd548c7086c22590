"""The effect of a note (per day before and after publication equals a recount in Python), and the
one-time alert on a spreading rumour."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from collaborators.models import Role
from guidance.models import GuidanceNote, RumourAlert
from guidance.selectors import EFFECT_DAYS, effect
from guidance.tasks import rumour_alerts
from notifications.models import Notification
from reports.models import Report, ReportKind, ReportStatus, Topic
from reports.services import rumour_create, rumour_link
from tests.clock import frozen_clock
from tests.factories import UnitFactory, UserFactory
from tests.guidance.conftest import make_note
from tests.reports.conftest import make_report

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"


def _sighting(author, rumour, staff, when, **fields):
    report = make_report(author, kind=ReportKind.RUMOUR, title="Nghe nói cắt giảm", **fields)
    rumour_link(actor=staff, report=report, rumour=rumour)
    Report.objects.filter(pk=report.pk).update(submitted_at=when)
    return report


def test_effect_numbers_equal_a_recount(client, unit_staff, union, grassroots, other_collaborator, federation_admin):
    units = [grassroots] + [UnitFactory(parent=union) for _ in range(3)]
    people = [UserFactory(unit=u, role=Role.COLLABORATOR) for u in units]
    rumour = rumour_create(actor=unit_staff, title="Cắt giảm một nửa công nhân")
    topic = Topic.objects.order_by("order", "pk").first()
    note = make_note(unit_staff, targets=[union], rumours=[rumour], topic=topic)
    published = timezone.now() - timedelta(days=5)
    GuidanceNote.objects.filter(pk=note.pk).update(published_at=published)
    note.refresh_from_db()
    offsets = [-20, -13, -13, -9, -2, -1, 0, 1, 1, 3, 4, 15]
    for i, offset in enumerate(offsets):
        _sighting(people[i % len(people)], rumour, unit_staff, published + timedelta(days=offset, hours=i))
    # Outside the note's units: not counted (linked by the federation, whose scope covers that union).
    _sighting(other_collaborator, rumour, federation_admin, published)
    opinions = make_report(people[0], title="Ý kiến về chính sách")
    Report.objects.filter(pk=opinions.pk).update(submitted_at=published - timedelta(days=1))
    result = effect(note)

    # The recount, in Python, from the rows themselves.
    local = timezone.localdate(published)
    first_day = local - timedelta(days=EFFECT_DAYS)
    reports = [
        r
        for r in Report.objects.exclude(status=ReportStatus.DRAFT).select_related("unit")
        if r.unit.path.startswith(union.path)
    ]
    expected_sightings, expected_reports, firsts = {}, {}, {}
    for r in reports:
        day = timezone.localdate(r.submitted_at)
        if r.rumour_id == rumour.pk:
            expected_sightings[day] = expected_sightings.get(day, 0) + 1
            firsts[r.unit_id] = min(firsts.get(r.unit_id, r.submitted_at), r.submitted_at)
        if r.topic_id == topic.pk:
            expected_reports[day] = expected_reports.get(day, 0) + 1
    expected_units = {}
    for first in firsts.values():
        day = timezone.localdate(first)
        expected_units[day] = expected_units.get(day, 0) + 1
    # Days still to come are not rows (the note was published five days ago).
    shown = EFFECT_DAYS + (timezone.localdate() - local).days + 1
    assert len(result["rows"]) == shown
    for row in result["rows"]:
        assert row["day"] == first_day + timedelta(days=row["offset"] + EFFECT_DAYS)
        assert row["sightings"] == expected_sightings.get(row["day"], 0), row
        assert row["new_units"] == expected_units.get(row["day"], 0), row
        assert row["reports"] == expected_reports.get(row["day"], 0), row
    in_window = [d for d in expected_sightings if first_day <= d < local + timedelta(days=EFFECT_DAYS)]
    assert sum(r["sightings"] for r in result["rows"]) == sum(expected_sightings[d] for d in in_window)
    assert result["totals"]["before"]["sightings"] + result["totals"]["after"]["sightings"] == 10
    assert sum(r["reports"] for r in result["rows"]) == 11  # ten sightings and the opinion

    client.force_login(unit_staff)
    page = client.get(reverse("guidance:effect", args=[note.pk])).content.decode()
    assert page.count('data-testid="effect-row"') == shown
    assert 'id="effect-data"' in page


def test_the_effect_shows_no_day_to_come_and_says_the_window_is_open(client, english, unit_staff, union):
    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=hanoi), tick=False):
        note = make_note(unit_staff, targets=[union], topic=Topic.objects.order_by("order", "pk").first())
    with time_machine.travel(datetime(2026, 3, 12, 20, 0, tzinfo=hanoi), tick=False):
        client.force_login(unit_staff)
        result = effect(note)
        page = client.get(reverse("guidance:effect", args=[note.pk])).content.decode()
    assert [row["offset"] for row in result["rows"]] == list(range(-EFFECT_DAYS, 3))
    assert result["days_after"] == 3
    assert page.count('data-testid="effect-row"') == EFFECT_DAYS + 3
    assert "3 days after, so far" in page and 'data-testid="effect-days-to-come"' in page
    assert "14 days after<" not in page

    with time_machine.travel(datetime(2026, 4, 10, 9, 0, tzinfo=hanoi), tick=False):
        client.force_login(unit_staff)  # a month on: the earlier session has lapsed
        result = effect(note)
        page = client.get(reverse("guidance:effect", args=[note.pk])).content.decode()
    assert len(result["rows"]) == 2 * EFFECT_DAYS and result["days_after"] == EFFECT_DAYS
    assert "14 days after<" in page and "effect-days-to-come" not in page


def test_effect_counts_reports_on_the_focus_policy(unit_staff, union, collaborator):
    from reports.models import FocusPolicy

    policy = FocusPolicy.objects.first()
    note = make_note(unit_staff, targets=[union], focus_policy=policy)
    make_report(collaborator, focus_policy=policy, title="Về chính sách")
    make_report(collaborator, title="Không liên quan")
    result = effect(note)
    assert result["totals"]["after"]["reports"] == 1
    assert result["totals"]["before"]["reports"] == 0


def test_alert_fires_once_per_spreading_rumour(settings, unit_staff, union, federation_admin):
    settings.GUIDANCE_ALERT_SIGHTINGS = 3
    settings.GUIDANCE_ALERT_DAYS = 2
    settings.GUIDANCE_ALERT_UNITS = 2
    units = [UnitFactory(parent=union) for _ in range(2)]
    people = [UserFactory(unit=u, role=Role.COLLABORATOR) for u in units]
    rumour = rumour_create(actor=unit_staff, title="Tin đồn lan nhanh")
    quiet = rumour_create(actor=unit_staff, title="Tin đồn ít người nói")
    now = timezone.now()
    for i in range(3):
        _sighting(people[i % 2], rumour, unit_staff, now - timedelta(hours=i))
    _sighting(people[0], quiet, unit_staff, now)
    # Old sightings do not count toward the window.
    _sighting(people[0], rumour, unit_staff, now - timedelta(days=5))
    assert rumour_alerts.delay().get() == 0  # 3 recent sightings: not more than 3

    _sighting(people[1], rumour, unit_staff, now)
    assert rumour_alerts.delay().get() == 1
    assert rumour_alerts.delay().get() == 0
    _sighting(people[0], rumour, unit_staff, now)
    assert rumour_alerts.delay().get() == 0

    alert = RumourAlert.objects.get()
    assert alert.rumour == rumour and alert.sightings == 4 and alert.units == 2
    alerts = Notification.objects.filter(kind="guidance_alert")
    assert [n.recipient for n in alerts] == [federation_admin]
    assert alerts.get().link == reverse("reports:rumour_detail", args=[rumour.pk])
