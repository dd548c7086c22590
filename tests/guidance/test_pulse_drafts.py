"""Draft requests for opinion can be changed and cancelled until opened; cancelling an open request tells
the people asked (and only them); every change is in the request's history."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from guidance.models import PulseRequest, PulseStatus
from guidance.services.pulse import pulse_cancel, pulse_open, pulse_update
from notifications.models import Notification
from reports.models import Topic
from tests.factories import UserFactory
from tests.guidance.test_pulse import answer_post, make_pulse, pulse_data

pytestmark = [pytest.mark.django_db, pytest.mark.clock, pytest.mark.usefixtures("english")]

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def draft(unit_staff, union, collaborator):
    return make_pulse(unit_staff, [union], open_it=False)


def test_staff_edit_a_draft_through_the_form_and_the_change_is_in_its_history(client, unit_staff, draft, grassroots):
    client.force_login(unit_staff)
    page = reverse("guidance:pulse_edit", args=[draft.pk])
    assert client.get(page).status_code == 200
    data = pulse_data([grassroots], question="Công nhân nghĩ gì về giờ làm thêm?")
    form = {
        "question": data["question"],
        "details": "",
        "topic": str(Topic.objects.order_by("order", "pk").first().pk),
        "target_units": [str(grassroots.pk)],
        "mode": "all",
        "deadline": (NOW + timedelta(days=2)).strftime("%d/%m/%Y %H:%M"),
    }
    response = client.post(page, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.question == "Công nhân nghĩ gì về giờ làm thêm?"
    assert list(draft.target_units.all()) == [grassroots]
    history = client.get(reverse("guidance:pulse_history", args=[draft.pk])).content.decode()
    assert "Draft edited." in history and "Công nhân nghĩ gì về giờ làm thêm?" in history


def test_an_opened_request_can_no_longer_be_edited(client, unit_staff, draft, union):
    pulse_open(actor=unit_staff, pulse=draft)
    with pytest.raises(ValidationError, match="no longer be changed"):
        pulse_update(actor=unit_staff, pulse=draft, data=pulse_data([union], question="Khác"))
    client.force_login(unit_staff)
    response = client.get(reverse("guidance:pulse_edit", args=[draft.pk]))
    assert response.status_code == 302
    assert PulseRequest.objects.get(pk=draft.pk).question != "Khác"


def test_the_edit_and_cancel_pages_are_404_for_another_union_and_collaborators(
    client, draft, other_staff, collaborator
):
    for actor in (other_staff, collaborator):
        client.force_login(actor)
        assert client.get(reverse("guidance:pulse_edit", args=[draft.pk])).status_code == 404
        assert client.post(reverse("guidance:pulse_cancel", args=[draft.pk])).status_code == 404
        assert client.get(reverse("guidance:pulse_history", args=[draft.pk])).status_code == 404
    assert PulseRequest.objects.get(pk=draft.pk).status == PulseStatus.DRAFT


def test_cancelling_a_draft_tells_nobody(client, unit_staff, draft):
    client.force_login(unit_staff)
    response = client.post(reverse("guidance:pulse_cancel", args=[draft.pk]), {"reason": "Trùng câu hỏi"})
    assert response.status_code == 302
    assert PulseRequest.objects.get(pk=draft.pk).status == PulseStatus.CANCELLED
    assert not Notification.objects.filter(kind="pulse_cancelled").exists()


def test_cancelling_an_open_request_tells_each_person_asked_and_refuses_later_answers(
    client, unit_staff, union, collaborator, other_collaborator
):
    second = UserFactory(username="collab3", unit=union, role="collaborator")
    pulse = make_pulse(unit_staff, [union])
    client.force_login(unit_staff)
    response = client.post(reverse("guidance:pulse_cancel", args=[pulse.pk]), {"reason": "Đã có kết quả khảo sát"})
    assert response.status_code == 302
    pulse.refresh_from_db()
    assert pulse.status == PulseStatus.CANCELLED and not pulse.accepts_answers()
    told = Notification.objects.filter(kind="pulse_cancelled")
    assert sorted(told.values_list("recipient__username", flat=True)) == sorted([collaborator.username, "collab3"])
    assert told.first().body == "Đã có kết quả khảo sát"
    assert not told.filter(recipient=other_collaborator).exists()
    with pytest.raises(ValidationError, match="closed"):
        pulse_cancel(actor=unit_staff, pulse=pulse)
    client.force_login(second)
    assert client.get(reverse("guidance:pulse_detail", args=[pulse.pk])).status_code == 200
    response = client.post(reverse("reports:new"), answer_post(pulse))
    assert not pulse.recipients.filter(person=second, answered_at__isnull=False).exists()
