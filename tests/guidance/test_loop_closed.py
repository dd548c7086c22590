"""The loop closed: a sighting linked after the answer was published is told of it; the reporters and
the staff following a rumour are told when its verdict changes; the staff of the units asked in a
request for opinion see it, their own people's part of it, and who has not answered. Time is frozen."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from collaborators.models import Role
from guidance.models import PulseRequest
from guidance.selectors.pulse import not_answered, response_stats
from guidance.services.pulse import pulse_answer_record
from notifications.models import Notification
from reports.models import Direction, ReportKind, Verification
from reports.services import rumour_create, rumour_link, rumour_verify
from tests.factories import UserFactory
from tests.guidance.conftest import make_note
from tests.guidance.test_pulse import make_pulse
from tests.reports.conftest import make_report

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 3, 10, 9, 30, tzinfo=HANOI), tick=False) as traveller:
        yield traveller


@pytest.fixture
def rumour(unit_staff, collaborator):
    first = make_report(collaborator, kind=ReportKind.RUMOUR, title="Tin đồn cắt giảm công nhân")
    return rumour_create(actor=unit_staff, title="Cắt giảm một nửa công nhân", report=first)


def _answers(person):
    return Notification.objects.filter(kind="guidance_answer", recipient=person)


# --- a sighting linked after the answer ----------------------------------------------------------


def test_a_sighting_linked_after_the_answer_was_published_tells_its_reporter(
    frozen, unit_staff, union, grassroots, rumour
):
    note = make_note(unit_staff, targets=[union], rumours=[rumour])
    late = UserFactory(username="late", unit=grassroots, role=Role.COLLABORATOR)
    frozen.shift(timedelta(days=2))
    sighting = make_report(late, kind=ReportKind.RUMOUR, title="Nghe nói sắp cắt giảm")
    assert not _answers(late).exists()

    rumour_link(actor=unit_staff, report=sighting, rumour=rumour)

    (told,) = _answers(late)
    assert (told.about_model, told.about_id) == ("guidance.guidancenote", note.pk)
    assert told.link == reverse("guidance:detail", args=[note.pk])


def test_linking_again_or_a_second_sighting_does_not_tell_the_reporter_twice(unit_staff, union, grassroots, rumour):
    make_note(unit_staff, targets=[union], rumours=[rumour])
    late = UserFactory(username="late", unit=grassroots, role=Role.COLLABORATOR)
    first = make_report(late, kind=ReportKind.RUMOUR, title="Nghe nói sắp cắt giảm")
    second = make_report(late, kind=ReportKind.RUMOUR, title="Lại nghe nói sắp cắt giảm")
    rumour_link(actor=unit_staff, report=first, rumour=rumour)
    rumour_link(actor=unit_staff, report=first, rumour=rumour)
    rumour_link(actor=unit_staff, report=second, rumour=rumour)
    assert _answers(late).count() == 1


def test_a_sighting_linked_to_a_rumour_whose_answer_is_still_a_draft_tells_nobody(
    unit_staff, union, grassroots, rumour
):
    make_note(unit_staff, targets=[union], rumours=[rumour], publish=False)
    late = UserFactory(username="late", unit=grassroots, role=Role.COLLABORATOR)
    rumour_link(actor=unit_staff, report=make_report(late, kind=ReportKind.RUMOUR), rumour=rumour)
    assert not _answers(late).exists()


def test_a_late_sighting_outside_the_notes_targets_is_not_told_of_a_note_it_cannot_open(
    federation_admin, union, other_collaborator, unit_staff, rumour
):
    make_note(unit_staff, targets=[union], rumours=[rumour])
    sighting = make_report(other_collaborator, kind=ReportKind.RUMOUR, title="Phường B cũng nghe")
    rumour_link(actor=federation_admin, report=sighting, rumour=rumour)
    assert not _answers(other_collaborator).exists()


# --- the verdict ---------------------------------------------------------------------------------


def test_a_new_verdict_tells_the_reporters_and_the_staff_following_the_rumour(
    frozen, federation_admin, unit_staff, union, grassroots, collaborator, other_staff, rumour
):
    neighbour = UserFactory(username="neighbour", unit=grassroots, role=Role.COLLABORATOR)
    rumour_link(actor=unit_staff, report=make_report(neighbour, kind=ReportKind.RUMOUR), rumour=rumour)
    frozen.shift(timedelta(hours=3))

    rumour_verify(actor=federation_admin, rumour=rumour, verification=Verification.FALSE, note="Công ty đã xác nhận.")

    told = Notification.objects.filter(kind="rumour_verified")
    assert set(told.values_list("recipient", flat=True)) == {collaborator.pk, neighbour.pk, unit_staff.pk}
    assert {(n.about_model, n.about_id) for n in told} == {("reports.rumour", rumour.pk)}
    assert {n.link for n in told} == {reverse("reports:rumour_detail", args=[rumour.pk])}
    assert all(n.body == "Công ty đã xác nhận." for n in told)


def test_the_staff_member_who_gives_the_verdict_is_not_told_of_it(unit_staff, collaborator, rumour):
    rumour_verify(actor=unit_staff, rumour=rumour, verification=Verification.TRUE, note="Đã kiểm tra.")
    told = Notification.objects.filter(kind="rumour_verified")
    assert list(told.values_list("recipient", flat=True)) == [collaborator.pk]


def test_the_same_verdict_again_with_a_new_note_tells_nobody_again(unit_staff, collaborator, rumour):
    rumour_verify(actor=unit_staff, rumour=rumour, verification=Verification.TRUE, note="Đã kiểm tra.")
    rumour_verify(actor=unit_staff, rumour=rumour, verification=Verification.TRUE, note="Bổ sung chi tiết.")
    assert Notification.objects.filter(kind="rumour_verified").count() == 1
    rumour_verify(actor=unit_staff, rumour=rumour, verification=Verification.CORRECTED, note="Đã đính chính.")
    assert Notification.objects.filter(kind="rumour_verified").count() == 2


def test_a_reporter_who_can_no_longer_open_the_rumour_is_not_told(unit_staff, collaborator, other_union, rumour):
    collaborator.unit = other_union  # moved to another union: the rumour is not listed there
    collaborator.save()
    rumour_verify(actor=unit_staff, rumour=rumour, verification=Verification.FALSE, note="Sai sự thật.")
    assert not Notification.objects.filter(kind="rumour_verified", recipient=collaborator).exists()


# --- requests for opinion followed by the units asked ---------------------------------------------


@pytest.fixture
def asked(federation_admin, city, union, other_union, grassroots, other_collaborator, collaborator):
    """A request the federation sent to both unions; the union's collaborator answered, nobody else."""
    quiet = UserFactory(username="quiet", full_name="Đỗ Văn Lặng", unit=grassroots, role=Role.COLLABORATOR)
    pulse = make_pulse(federation_admin, [union, other_union])
    answer = make_report(collaborator, direction=Direction.NEGATIVE)
    pulse_answer_record(report=answer, person=collaborator, pulse_id=pulse.pk)
    return pulse, quiet


def test_ward_staff_see_a_request_the_federation_sent_to_their_collaborators(asked, unit_staff, other_staff):
    pulse, _quiet = asked
    assert PulseRequest.objects.visible_to(unit_staff).filter(pk=pulse.pk).exists()
    assert PulseRequest.objects.visible_to(other_staff).filter(pk=pulse.pk).exists()
    assert not PulseRequest.objects.manageable_by(unit_staff).filter(pk=pulse.pk).exists()


def test_ward_staff_do_not_see_a_draft_or_a_request_that_asked_nobody_of_theirs(
    federation_admin, city, union, other_union, unit_staff, other_staff, grassroots
):
    UserFactory(username="quiet", unit=grassroots, role=Role.COLLABORATOR)
    draft = make_pulse(federation_admin, [union], open_it=False)
    only_a = make_pulse(federation_admin, [union])
    assert not PulseRequest.objects.visible_to(unit_staff).filter(pk=draft.pk).exists()
    assert not PulseRequest.objects.visible_to(other_staff).filter(pk=only_a.pk).exists()


def test_ward_staff_follow_only_their_own_peoples_answers_and_who_has_not_answered(
    asked, unit_staff, collaborator, other_collaborator, union
):
    pulse, quiet = asked
    stats = response_stats(pulse, viewer=unit_staff)
    assert (stats["totals"]["asked"], stats["totals"]["answered"]) == (2, 1)
    assert [row.person for row in not_answered(pulse, viewer=unit_staff)] == [quiet]


def test_the_request_page_shows_ward_staff_their_part_labelled_and_who_to_chase(
    client, asked, unit_staff, other_collaborator
):
    pulse, quiet = asked
    client.force_login(unit_staff)
    response = client.get(reverse("guidance:pulse_detail", args=[pulse.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="pulse-part-only"' in page
    assert quiet.full_name in page
    assert other_collaborator.full_name not in page
    assert 'data-testid="open-pulse"' not in page


def test_the_federation_sees_everyone_asked_without_the_label(client, asked, federation_admin, other_collaborator):
    pulse, quiet = asked
    client.force_login(federation_admin)
    page = client.get(reverse("guidance:pulse_detail", args=[pulse.pk])).content.decode()
    assert 'data-testid="pulse-part-only"' not in page
    assert quiet.full_name in page and other_collaborator.full_name in page
    assert response_stats(pulse, viewer=federation_admin)["totals"]["asked"] == 3
