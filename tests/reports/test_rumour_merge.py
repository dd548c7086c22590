"""Two unions tracked the same rumour: the federation's staff find the other copy across the city and merge
them, keeping every sighting, the verdict history and the guidance links; the spread by day and by unit."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from collaborators.models import Role
from guidance.models import GuidanceNote
from notifications.models import Notification
from reports.models import EventKind, Report, ReportKind, Rumour, Verification
from reports.selectors import rumour_spread, rumour_suggestions
from reports.services import rumour_create, rumour_link, rumour_merge, rumour_verify
from summaries.models import RumourMonthTally
from tests.factories import UserFactory
from tests.guidance.conftest import make_note
from tests.reports.conftest import make_report

pytestmark = [pytest.mark.django_db, pytest.mark.clock, pytest.mark.usefixtures("english")]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DAY1 = datetime(2026, 11, 3, 9, 0, tzinfo=HANOI)


def sighting(author, when, title):
    with time_machine.travel(when, tick=False):
        return make_report(author, kind=ReportKind.RUMOUR, title=title)


@pytest.fixture
def federation_staff(city):
    return UserFactory(username="citystaff", full_name="Trần Văn Bình", unit=city, role=Role.STAFF)


@pytest.fixture
def two_copies(unit_staff, other_staff, collaborator, other_collaborator):
    """Ward A and ward B each track "the company cuts half its workers"; ward A's copy has a verdict and a
    guidance note answering it."""
    a1 = sighting(collaborator, DAY1, "Công ty cắt giảm một nửa công nhân")
    a2 = sighting(collaborator, DAY1 + timedelta(days=1), "Nghe nói công ty sắp cắt giảm công nhân")
    b1 = sighting(other_collaborator, DAY1 + timedelta(days=1, hours=2), "Công ty cắt giảm một nửa công nhân")
    with time_machine.travel(DAY1 + timedelta(days=2), tick=False):
        mine = rumour_create(actor=unit_staff, title="Công ty cắt giảm một nửa công nhân", report=a1)
        rumour_link(actor=unit_staff, report=Report.objects.get(pk=a2.pk), rumour=mine)
        rumour_verify(actor=unit_staff, rumour=mine, verification=Verification.FALSE, note="Công ty đã bác bỏ.")
        theirs = rumour_create(actor=other_staff, title="Công ty cắt giảm một nửa số công nhân", report=b1)
        note = make_note(unit_staff, targets=[mine.listed_units.first()], rumours=[Rumour.objects.get(pk=mine.pk)])
    return {"mine": Rumour.objects.get(pk=mine.pk), "theirs": Rumour.objects.get(pk=theirs.pk), "note": note}


def test_federation_staff_find_the_other_unions_copy(two_copies, federation_staff, unit_staff):
    mine, theirs = two_copies["mine"], two_copies["theirs"]
    found = rumour_suggestions(user=federation_staff, text=mine.title, exclude=mine)
    assert theirs in found
    # A union's staff see only their own scope: the other union's copy is never suggested to them.
    assert theirs not in rumour_suggestions(user=unit_staff, text=mine.title, exclude=mine)


def test_merging_keeps_every_sighting_the_verdict_history_and_the_guidance_link(
    client, two_copies, federation_staff, collaborator, other_collaborator, union, other_union
):
    mine, theirs, note = two_copies["mine"], two_copies["theirs"], two_copies["note"]
    sightings = set(Report.objects.filter(rumour__in=[mine, theirs]).values_list("pk", flat=True))
    verdicts_before = mine.history.count()
    with time_machine.travel(DAY1 + timedelta(days=3), tick=False):
        client.force_login(federation_staff)
        page = client.get(reverse("reports:rumour_detail", args=[theirs.pk])).content.decode()
        assert 'data-testid="same-rumours"' in page and reverse("reports:rumour_merge", args=[theirs.pk]) in page
        response = client.post(reverse("reports:rumour_merge", args=[theirs.pk]), {"into": mine.pk})
    assert response.status_code == 302 and response["Location"] == reverse("reports:rumour_detail", args=[mine.pk])
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert set(Report.objects.filter(rumour=mine).values_list("pk", flat=True)) == sightings
    assert mine.sighting_count == 3 and theirs.sighting_count == 0
    assert theirs.merged_into == mine
    assert set(mine.listed_units.all()) == {union, other_union}
    assert mine.verification == Verification.FALSE
    assert mine.history.count() == verdicts_before + 1  # the verdict history is kept, the merge added
    assert theirs.history.filter(history_change_reason__startswith="Merged into the rumour").exists()
    assert set(GuidanceNote.objects.get(pk=note.pk).rumours.all()) == {mine}  # it answered ``mine`` already
    moved = Report.objects.get(author=other_collaborator)
    assert moved.events.filter(kind=EventKind.RUMOUR_LINKED, note__startswith="Merged into").exists()
    # The tallies count the moved sighting for the surviving rumour.
    assert not RumourMonthTally.objects.filter(rumour_id=theirs.pk, sightings__gt=0).exists()
    assert (
        sum(RumourMonthTally.objects.filter(rumour_id=mine.pk, unit=other_union).values_list("sightings", flat=True))
        == 1
    )
    # The followers are told, within their scope: the other union's reporter can open the merged rumour.
    told = set(Notification.objects.filter(kind="rumour_merged").values_list("recipient__username", flat=True))
    assert {collaborator.username, other_collaborator.username} <= told
    # The merged copy is listed no more, and its page names the one that took it over.
    client.force_login(federation_staff)  # the session of the frozen moment has expired since
    listing = client.get(reverse("reports:rumour_list")).content.decode()
    assert reverse("reports:rumour_detail", args=[theirs.pk]) not in listing
    response = client.get(reverse("reports:rumour_detail", args=[theirs.pk]))
    assert response.status_code == 200, response.status_code
    assert 'data-testid="merged-notice"' in response.content.decode()


def test_a_guidance_link_of_the_merged_copy_follows_to_the_survivor(two_copies, federation_staff):
    mine, theirs, note = two_copies["mine"], two_copies["theirs"], two_copies["note"]
    rumour_merge(actor=federation_staff, rumour=mine, into=theirs)
    assert set(GuidanceNote.objects.get(pk=note.pk).rumours.all()) == {mine, theirs}


def test_union_staff_cannot_merge_a_rumour_heard_beyond_their_union(client, two_copies, unit_staff, other_staff):
    mine, theirs = two_copies["mine"], two_copies["theirs"]
    with pytest.raises(PermissionDenied):
        rumour_merge(actor=unit_staff, rumour=mine, into=theirs)
    for actor in (unit_staff, other_staff):
        client.force_login(actor)
        assert client.post(reverse("reports:rumour_merge", args=[mine.pk]), {"into": theirs.pk}).status_code == 404
    assert Report.objects.filter(rumour=theirs).count() == 1 and Rumour.objects.get(pk=theirs.pk).merged_into is None


def test_collaborators_get_404_and_get_is_refused(client, two_copies, collaborator, federation_staff):
    mine, theirs = two_copies["mine"], two_copies["theirs"]
    client.force_login(collaborator)
    assert client.post(reverse("reports:rumour_merge", args=[mine.pk]), {"into": theirs.pk}).status_code == 404
    client.force_login(federation_staff)
    assert client.get(reverse("reports:rumour_merge", args=[mine.pk])).status_code == 405


def test_the_spread_by_day_and_unit_equals_the_sightings(client, two_copies, federation_staff, unit_staff):
    mine, theirs = two_copies["mine"], two_copies["theirs"]
    rumour_merge(actor=federation_staff, rumour=theirs, into=mine)
    spread = rumour_spread(mine, viewer=federation_staff)
    assert [(d["day"].day, d["sightings"], d["units_so_far"]) for d in spread["days"]] == [(3, 1, 1), (4, 2, 2)]
    assert {u["name"]: u["sightings"] for u in spread["units"]} == {
        "Công đoàn cơ sở Trường THCS": 2,
        "Công đoàn phường Hoàn Kiếm": 1,
    }
    # A union's staff see the spread of their own sightings only.
    assert sum(d["sightings"] for d in rumour_spread(mine, viewer=unit_staff)["days"]) == 2
    client.force_login(unit_staff)
    html = client.get(reverse("reports:rumour_detail", args=[mine.pk])).content.decode()
    assert html.count('data-testid="spread-day"') == 2 and 'id="rumour-spread-data"' in html
    assert "Công đoàn phường Hoàn Kiếm" not in html.split('data-testid="table-spread-units"')[1].split("</table>")[0]
