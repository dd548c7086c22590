"""Actions at the right level: an action whose effect is seen in other units (a rumour's verdict, a note's
targets, a request for opinion, a summary, a unit move, a training session) is allowed only to people whose
scope covers every unit it affects. A union's staff acting on a city-wide object get 404 and nothing
changes (the row and its history); the federation's staff may act."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from collaborators.models import Role, Unit, UnitKind
from guidance.forms import GuidanceNoteForm, PulseRequestForm
from guidance.models import GuidanceNote, NoteStatus, PulseRequest, PulseStatus
from guidance.services import guidance_save
from guidance.services.pulse import pulse_create
from reports.models import EventKind, Report, ReportEvent, ReportKind, Topic, Verification
from reports.services import rumour_create, rumour_link, rumour_verify
from summaries.models import ReportingPeriod, Summary, SummaryStatus
from summaries.services.summaries import summary_compile, summary_edit, summary_schedule
from tests.clock import frozen_clock
from tests.factories import UnitFactory, UserFactory
from tests.reports.conftest import make_report
from trainings import services as trainings
from trainings.models import SessionStatus, TrainingSession

pytestmark = pytest.mark.django_db
_clock = frozen_clock()  # the tests build their dates from "now"


@pytest.fixture
def federation_staff(city):
    return UserFactory(username="citystaff", full_name="Trần Văn Bình", unit=city, role=Role.STAFF)


@pytest.fixture
def union_admin(union):
    return UserFactory(username="unionadmin", full_name="Đỗ Thị Hạnh", unit=union, role=Role.ADMIN)


# --- rumours ---------------------------------------------------------------------------------------


@pytest.fixture
def city_rumour(federation_staff, collaborator, other_collaborator):
    """A rumour the federation tracks, heard in both unions."""
    rumour = rumour_create(actor=federation_staff, title="Thành phố sắp cắt thưởng Tết của công nhân")
    for author in (collaborator, other_collaborator):
        rumour_link(actor=federation_staff, report=make_report(author, kind=ReportKind.RUMOUR), rumour=rumour)
    return rumour


VERDICT = {"verification": Verification.FALSE, "note": "Phường đã kiểm tra"}


def test_a_unions_staff_cannot_overwrite_the_verdict_on_a_rumour_heard_across_the_city(client, unit_staff, city_rumour):
    history = city_rumour.history.count()
    client.force_login(unit_staff)
    # They see the rumour (it was heard in their union) but are not offered the verdict.
    page = client.get(reverse("reports:rumour_detail", args=[city_rumour.pk]))
    assert page.status_code == 200 and "verify_form" not in page.context
    assert 'data-testid="verify-elsewhere"' in page.content.decode()

    response = client.post(reverse("reports:rumour_verify", args=[city_rumour.pk]), VERDICT)

    assert response.status_code == 404
    city_rumour.refresh_from_db()
    assert (city_rumour.verification, city_rumour.resolution_note, city_rumour.verified_by_id) == (
        Verification.UNVERIFIED,
        "",
        None,
    )
    assert city_rumour.history.count() == history
    assert set(Report.objects.filter(rumour=city_rumour).values_list("verification", flat=True)) == {"unverified"}
    assert not ReportEvent.objects.filter(kind=EventKind.VERIFIED).exists()
    with pytest.raises(Http404):
        rumour_verify(actor=unit_staff, rumour=city_rumour, verification=Verification.TRUE, note="Không")


def test_the_federation_staff_verify_a_rumour_heard_across_the_city(client, federation_staff, city_rumour):
    client.force_login(federation_staff)
    assert "verify_form" in client.get(reverse("reports:rumour_detail", args=[city_rumour.pk])).context

    response = client.post(reverse("reports:rumour_verify", args=[city_rumour.pk]), VERDICT)

    assert response.status_code == 302
    city_rumour.refresh_from_db()
    assert city_rumour.verification == Verification.FALSE and city_rumour.verified_by == federation_staff
    assert set(Report.objects.filter(rumour=city_rumour).values_list("verification", flat=True)) == {"false"}
    assert ReportEvent.objects.filter(kind=EventKind.VERIFIED).count() == 2


def test_a_unions_staff_verify_a_rumour_heard_only_in_their_union(client, unit_staff, collaborator):
    rumour = rumour_create(
        actor=unit_staff, title="Công ty nợ lương", report=make_report(collaborator, kind=ReportKind.RUMOUR)
    )
    client.force_login(unit_staff)

    response = client.post(reverse("reports:rumour_verify", args=[rumour.pk]), VERDICT)

    assert response.status_code == 302
    rumour.refresh_from_db()
    assert rumour.verification == Verification.FALSE and rumour.verified_by == unit_staff


def test_a_unions_staff_cannot_count_another_unions_report_as_a_sighting(
    client, unit_staff, other_collaborator, city_rumour
):
    foreign = make_report(other_collaborator, kind=ReportKind.RUMOUR, title="Báo cáo của phường khác")
    client.force_login(unit_staff)

    response = client.post(reverse("reports:link_rumour", args=[foreign.pk]), {"rumour-rumour": city_rumour.pk})

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.rumour_id is None
    with pytest.raises(Http404):
        rumour_link(actor=unit_staff, report=foreign, rumour=city_rumour)
    assert Report.objects.get(pk=foreign.pk).rumour_id is None


# --- guidance and requests for opinion --------------------------------------------------------------


def note_data(**fields):
    return {"title": "Định hướng về thưởng Tết", "body": "<p>Thông tin chính thức.</p>", **fields}


def test_a_unions_staff_cannot_edit_or_publish_the_federations_note(client, unit_staff, federation_staff, city):
    note = guidance_save(author=federation_staff, data=note_data(target_units=[city]))
    client.force_login(unit_staff)

    assert client.get(reverse("guidance:edit", args=[note.pk])).status_code == 404
    assert client.post(reverse("guidance:publish", args=[note.pk])).status_code == 404
    assert client.get(reverse("guidance:effect", args=[note.pk])).status_code == 404

    note.refresh_from_db()
    assert note.status == NoteStatus.DRAFT and note.published_at is None


def test_the_federation_staff_publish_their_note_to_the_city(client, federation_staff, city):
    note = guidance_save(author=federation_staff, data=note_data(target_units=[city]))
    client.force_login(federation_staff)

    assert client.post(reverse("guidance:publish", args=[note.pk])).status_code == 302

    assert GuidanceNote.objects.get(pk=note.pk).status == NoteStatus.PUBLISHED


def test_guidance_targets_are_only_units_the_author_covers(unit_staff, union, grassroots, other_union, city):
    choices = set(GuidanceNoteForm(author=unit_staff).fields["target_units"].queryset)
    assert choices == {union, grassroots}

    with pytest.raises(ValidationError, match="Hoàn Kiếm"):
        guidance_save(author=unit_staff, data=note_data(target_units=[union, other_union]))
    with pytest.raises(ValidationError):
        guidance_save(author=unit_staff, data=note_data(target_units=[city]))
    assert not GuidanceNote.objects.exists()


def pulse_data(targets, **fields):
    return {
        "question": "Công nhân nghĩ gì về thưởng Tết?",
        "topic": Topic.objects.get_or_create(code="wages", defaults={"name": "Tiền lương"})[0],
        "focus_policy": None,
        "target_units": targets,
        "mode": "all",
        "per_unit": None,
        "deadline": timezone.now() + timedelta(days=3),
        **fields,
    }


def test_a_unions_staff_cannot_open_the_federations_request_for_opinion(
    client, unit_staff, federation_staff, city, collaborator
):
    pulse = pulse_create(author=federation_staff, data=pulse_data([city]))
    client.force_login(unit_staff)

    assert client.post(reverse("guidance:pulse_open", args=[pulse.pk])).status_code == 404

    pulse.refresh_from_db()
    assert pulse.status == PulseStatus.DRAFT and not pulse.recipients.exists()


def test_requests_for_opinion_ask_only_units_the_author_covers(unit_staff, union, grassroots, other_union):
    assert set(PulseRequestForm(author=unit_staff).fields["target_units"].queryset) == {union, grassroots}
    with pytest.raises(ValidationError, match="Hoàn Kiếm"):
        pulse_create(author=unit_staff, data=pulse_data([other_union]))
    assert not PulseRequest.objects.exists()


# --- summaries -----------------------------------------------------------------------------------


@pytest.fixture
def city_summary(city, settings):
    settings.REPORTING_PERIOD_START_DAY = 1
    summary, _ = summary_schedule(scope=city, period=ReportingPeriod.objects.month_of(date(2026, 10, 1)))
    assert summary_compile(summary_id=summary.pk)
    summary.refresh_from_db()
    return summary


@pytest.mark.parametrize("action", ["approve", "issue", "recompile", "correct"])
def test_a_unions_staff_cannot_act_on_the_city_summary(client, unit_staff, city_summary, action):
    history = city_summary.history.count()
    client.force_login(unit_staff)

    assert client.post(reverse(f"summaries:{action}", args=[city_summary.pk])).status_code == 404

    city_summary.refresh_from_db()
    assert city_summary.status == SummaryStatus.COMPILED and city_summary.history.count() == history
    assert Summary.objects.count() == 1


def test_the_federation_staff_approve_the_city_summary(client, federation_staff, city_summary):
    # The outlook is the section only staff write: a draft still holding its placeholder cannot be approved.
    summary_edit(actor=federation_staff, summary=city_summary, sections={"outlook": "Tình hình ổn định."}, fields={})
    client.force_login(federation_staff)

    assert client.post(reverse("summaries:approve", args=[city_summary.pk])).status_code == 302

    assert Summary.objects.get(pk=city_summary.pk).status == SummaryStatus.APPROVED


# --- units ---------------------------------------------------------------------------------------


def test_a_union_admin_cannot_move_another_unions_unit(client, union_admin, other_union, union):
    theirs = UnitFactory(parent=other_union, kind=UnitKind.GRASSROOTS, code="WARD-B-01", name="CĐCS phường B")
    client.force_login(union_admin)

    response = client.post(reverse("roster:unit_move", args=[theirs.pk]), {"new_parent": union.code, "reason": "x"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.path.startswith(other_union.path) and theirs.history.count() == 1


def test_a_union_admin_cannot_move_their_unit_into_another_union(client, union_admin, grassroots, other_union):
    client.force_login(union_admin)

    response = client.post(
        reverse("roster:unit_move", args=[grassroots.pk]), {"new_parent": other_union.code, "reason": "x"}
    )

    assert response.status_code == 200  # the form again, with the refusal
    assert response.context["form"].errors
    grassroots.refresh_from_db()
    assert not grassroots.path.startswith(other_union.path) and grassroots.history.count() == 1


def test_the_federation_admin_moves_a_unit_between_unions(client, federation_admin, grassroots, other_union):
    client.force_login(federation_admin)

    response = client.post(
        reverse("roster:unit_move", args=[grassroots.pk]), {"new_parent": other_union.code, "reason": "Sáp nhập"}
    )

    assert response.status_code == 302
    assert Unit.objects.get(pk=grassroots.pk).path.startswith(other_union.path)


# --- trainings -----------------------------------------------------------------------------------


def session_fields(**fields):
    starts_at = (timezone.now() + timedelta(days=5)).replace(second=0, microsecond=0)
    return {
        "title": "Tập huấn cộng tác viên",
        "venue": "Hội trường",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=3),
        "capacity": 20,
        **fields,
    }


@pytest.mark.parametrize("action", ["publish", "cancel"])
def test_a_union_admin_cannot_run_the_federations_session(client, union_admin, federation_admin, city, union, action):
    session = trainings.session_create(actor=federation_admin, unit=city, target_units=[union], **session_fields())
    client.force_login(union_admin)

    assert client.get(reverse("trainings:edit", args=[session.pk])).status_code == 404
    assert client.post(reverse(f"trainings:{action}", args=[session.pk])).status_code == 404

    session.refresh_from_db()
    assert (session.status, session.cancelled_at) == (SessionStatus.DRAFT, None)


def test_training_targets_are_only_units_the_organiser_covers(union_admin, union, other_union, city):
    with pytest.raises(ValidationError, match="Hoàn Kiếm"):
        trainings.session_create(actor=union_admin, unit=union, target_units=[other_union], **session_fields())
    assert not TrainingSession.objects.exists()
    session = trainings.session_create(actor=union_admin, unit=union, target_units=[union], **session_fields())
    with pytest.raises(ValidationError):
        trainings.session_update(actor=union_admin, session=session, target_units=[city])
    assert list(session.target_units.all()) == [union]


def test_the_federation_admin_publishes_their_session(client, federation_admin, city, union):
    session = trainings.session_create(actor=federation_admin, unit=city, target_units=[union], **session_fields())
    client.force_login(federation_admin)

    assert client.post(reverse("trainings:publish", args=[session.pk])).status_code == 302

    assert TrainingSession.objects.get(pk=session.pk).status == SessionStatus.PUBLISHED
