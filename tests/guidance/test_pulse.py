"""Requests for opinion (pulse): who may ask whom, the fixed set of people asked, answering through the
report form, the deadline, reminders, the live response statistics and who sees them."""

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from collaborators.models import Role, UnitKind
from guidance.models import PulseMode, PulseRecipient, PulseRequest, PulseStatus
from guidance.selectors.pulse import response_stats
from guidance.services.pulse import (
    choose_recipients,
    pulse_close_due,
    pulse_create,
    pulse_open,
    pulse_remind,
)
from guidance.tasks import pulse_remind_and_close
from notifications.models import Notification
from reports.models import Direction, FocusPolicy, Report, ReportKind, ReportStatus, Topic
from tests.clock import frozen_clock
from tests.factories import UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"


def pulse_data(targets, **fields) -> dict:
    data = {
        "question": "Công nhân nghĩ gì về việc điều chỉnh lương tối thiểu vùng?",
        "details": "Nắm bắt tâm trạng trước kỳ giao ban.",
        "topic": Topic.objects.order_by("order", "pk").first(),
        "focus_policy": None,
        "target_units": targets,
        "mode": PulseMode.ALL,
        "per_unit": None,
        "deadline": timezone.now() + timedelta(days=3),
    }
    data.update(fields)
    return data


def make_pulse(author, targets, *, open_it=True, **fields) -> PulseRequest:
    pulse = pulse_create(author=author, data=pulse_data(targets, **fields))
    if open_it:
        pulse = pulse_open(actor=author, pulse=pulse)
    return pulse


def answer_post(pulse, *, direction=Direction.NEGATIVE, token=None, action="send", **fields) -> dict:
    data = {
        "token": str(token or uuid.uuid4()),
        "action": action,
        "request": str(pulse.pk),
        "kind": ReportKind.OPINION,
        "topic": str(pulse.topic_id),
        "title": "Công nhân băn khoăn về mức tăng",
        "content": "Nhiều người cho rằng mức tăng chưa theo kịp giá cả.",
        "direction": direction,
    }
    data.update(fields)
    return data


@pytest.fixture
def second_collaborator(union):
    return UserFactory(username="collab3", full_name="Đỗ Thị Hằng", unit=union, role=Role.COLLABORATOR)


@pytest.fixture
def pulse(unit_staff, union, collaborator, second_collaborator):
    """An open request by the union's staff to every collaborator of the union (two people)."""
    return make_pulse(unit_staff, [union])


# --- creating and opening ------------------------------------------------------------------------------


def test_staff_cannot_ask_units_outside_their_scope(unit_staff, other_union):
    with pytest.raises(ValidationError) as error:
        pulse_create(author=unit_staff, data=pulse_data([other_union]))
    assert other_union.name in error.value.messages[0]
    assert not PulseRequest.objects.exists()


def test_the_form_refuses_another_union_with_a_vietnamese_message(client, unit_staff, other_union):
    client.force_login(unit_staff)
    data = pulse_data([other_union])
    post = {
        "question": data["question"],
        "topic": data["topic"].pk,
        "target_units": [other_union.pk],
        "mode": "all",
        "deadline": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
    }
    response = client.post(reverse("guidance:pulse_new"), post)
    assert response.status_code == 400
    assert (
        "Đồng chí chỉ có thể hỏi ý kiến cộng tác viên của các đơn vị trong phạm vi của mình"
        in response.content.decode()
    )
    assert not PulseRequest.objects.exists()


def test_a_past_deadline_and_a_missing_subject_are_refused(client, unit_staff, union):
    client.force_login(unit_staff)
    post = {
        "question": "Ý kiến về Luật Thủ đô?",
        "target_units": [union.pk],
        "mode": "all",
        "deadline": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    page = client.post(reverse("guidance:pulse_new"), post).content.decode()
    assert "Hạn trả lời phải là một thời điểm trong tương lai." in page
    assert "Chọn chính sách được theo dõi hoặc lĩnh vực mà câu hỏi đề cập." in page
    assert not PulseRequest.objects.exists()


def test_staff_create_a_draft_through_the_form_and_nobody_is_asked_yet(client, unit_staff, union, collaborator):
    client.force_login(unit_staff)
    policy = FocusPolicy.objects.create(code="luong-toi-thieu", name="Lương tối thiểu vùng 2026")
    post = {
        "question": "  Ý kiến về lương tối thiểu vùng?  ",
        "focus_policy": policy.pk,
        "target_units": [union.pk],
        "mode": "all",
        "deadline": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
    }
    response = client.post(reverse("guidance:pulse_new"), post)
    pulse = PulseRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("guidance:pulse_detail", args=[pulse.pk])
    assert pulse.question == "Ý kiến về lương tối thiểu vùng?"
    assert pulse.status == PulseStatus.DRAFT and pulse.author_unit == union
    assert not PulseRecipient.objects.exists()
    assert not Notification.objects.filter(kind="pulse").exists()
    page = client.get(reverse("guidance:pulse_detail", args=[pulse.pk])).content.decode()
    assert 'data-testid="preview-count"' in page and "1 cộng tác viên" in page


def test_collaborators_cannot_write_requests(client, collaborator):
    client.force_login(collaborator)
    assert client.get(reverse("guidance:pulse_new")).status_code == 404


def test_opening_records_the_people_asked_and_notifies_each_once(
    unit_staff, union, collaborator, second_collaborator, other_collaborator
):
    pulse = make_pulse(unit_staff, [union], open_it=False)
    pulse_open(actor=unit_staff, pulse=pulse)
    pulse_open(actor=unit_staff, pulse=pulse)  # a second click changes nothing
    pulse.refresh_from_db()
    assert pulse.status == PulseStatus.OPEN and pulse.opened_at is not None
    asked = set(pulse.recipients.values_list("person", flat=True))
    assert asked == {collaborator.pk, second_collaborator.pk}
    notes = Notification.objects.filter(kind="pulse")
    assert sorted(notes.values_list("recipient", flat=True)) == sorted(asked)
    assert notes.first().link == f"{reverse('reports:new')}?request={pulse.pk}"
    assert PulseRecipient.objects.get(person=collaborator).unit == collaborator.unit


def test_opening_with_nobody_to_ask_is_refused(unit_staff, union):
    pulse = make_pulse(unit_staff, [union], open_it=False)
    with pytest.raises(ValidationError):
        pulse_open(actor=unit_staff, pulse=pulse)
    pulse.refresh_from_db()
    assert pulse.status == PulseStatus.DRAFT


def test_a_sample_takes_n_per_unit_reproducibly(federation_admin, city):
    units = [UnitFactory(parent=city, kind=UnitKind.GRASSROOTS, code=f"S{i}", name=f"CĐCS {i}") for i in range(3)]
    for i, unit in enumerate(units):
        for j in range(4 + i):
            UserFactory(username=f"s{i}-{j}", unit=unit, role=Role.COLLABORATOR)
    UserFactory(username="tiny", unit=UnitFactory(parent=city, code="T", name="CĐCS nhỏ"), role=Role.COLLABORATOR)
    pulse = make_pulse(federation_admin, [city], open_it=False, mode=PulseMode.SAMPLE, per_unit=2)
    first = [p.pk for p in choose_recipients(pulse)]
    assert first == [p.pk for p in choose_recipients(pulse)]
    pulse_open(actor=federation_admin, pulse=pulse)
    recorded = list(pulse.recipients.values_list("person", flat=True).order_by("person"))
    assert recorded == sorted(first)
    per_unit = {}
    for row in pulse.recipients.values("unit"):
        per_unit[row["unit"]] = per_unit.get(row["unit"], 0) + 1
    assert sorted(per_unit.values()) == [1, 2, 2, 2]  # the small unit has one collaborator only


# --- who sees a request ------------------------------------------------------------------------------


def test_detail_for_the_asked_the_owning_staff_and_outsiders(
    client, pulse, collaborator, unit_staff, other_staff, other_collaborator
):
    url = reverse("guidance:pulse_detail", args=[pulse.pk])
    client.force_login(collaborator)
    page = client.get(url).content.decode()
    assert pulse.question in page and 'data-testid="answer"' in page and "pulse-stats" not in page
    client.force_login(unit_staff)
    page = client.get(url).content.decode()
    assert 'data-testid="pulse-stats"' in page and 'data-testid="answer"' not in page
    for outsider in (other_staff, other_collaborator):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.get(reverse("guidance:pulse_list")).content.decode().count('data-testid="pulse-row"') == 0


def test_federation_staff_see_a_unions_request_but_not_the_other_way(client, unit_staff, union, federation_admin):
    pulse = make_pulse(unit_staff, [union], open_it=False)
    client.force_login(federation_admin)
    assert client.get(reverse("guidance:pulse_detail", args=[pulse.pk])).status_code == 200
    city_pulse = make_pulse(federation_admin, [union], open_it=False)
    client.force_login(unit_staff)
    assert client.get(reverse("guidance:pulse_detail", args=[city_pulse.pk])).status_code == 404


def test_a_draft_is_invisible_to_collaborators(client, unit_staff, union, collaborator):
    pulse = make_pulse(unit_staff, [union], open_it=False)
    client.force_login(collaborator)
    assert client.get(reverse("guidance:pulse_detail", args=[pulse.pk])).status_code == 404
    assert client.get(f"{reverse('reports:new')}?request={pulse.pk}").status_code == 404


def test_only_owning_staff_open_a_request(client, unit_staff, union, collaborator, other_staff):
    pulse = make_pulse(unit_staff, [union], open_it=False)
    url = reverse("guidance:pulse_open", args=[pulse.pk])
    client.force_login(collaborator)
    assert client.post(url).status_code == 404
    client.force_login(other_staff)
    assert client.post(url).status_code == 404
    pulse.refresh_from_db()
    assert pulse.status == PulseStatus.DRAFT
    client.force_login(unit_staff)
    assert client.post(url).status_code == 302
    pulse.refresh_from_db()
    assert pulse.status == PulseStatus.OPEN and pulse.recipients.count() == 1


# --- answering through the report form --------------------------------------------------------------


def test_the_report_form_shows_the_question_prefilled(client, pulse, collaborator):
    client.force_login(collaborator)
    response = client.get(f"{reverse('reports:new')}?request={pulse.pk}")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="pulse-question"' in page and pulse.question in page
    assert f'name="request" value="{pulse.pk}"' in page
    form = response.context["form"]
    assert form.initial["topic"] == pulse.topic and form.initial["kind"] == ReportKind.OPINION


def test_end_to_end_staff_ask_a_collaborator_answers_staff_see_the_rate(
    client, unit_staff, union, collaborator, second_collaborator
):
    client.force_login(unit_staff)
    client.post(
        reverse("guidance:pulse_new"),
        {
            "question": "Ý kiến về việc dừng dạy thêm có thu tiền?",
            "topic": Topic.objects.order_by("order", "pk").first().pk,
            "target_units": [union.pk],
            "mode": "all",
            "deadline": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    pulse = PulseRequest.objects.get()
    client.post(reverse("guidance:pulse_open", args=[pulse.pk]))
    assert pulse.recipients.count() == 2

    client.force_login(collaborator)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="open-requests"' in home and f"?request={pulse.pk}" in home
    data = answer_post(pulse, direction=Direction.POSITIVE)
    first = client.post(reverse("reports:new"), data)
    again = client.post(reverse("reports:new"), data)  # a double click
    assert first.status_code == 302 and again.status_code == 302
    report = Report.objects.get()
    assert report.status == ReportStatus.SUBMITTED and report.author == collaborator
    recipient = PulseRecipient.objects.get(person=collaborator)
    assert recipient.report == report and recipient.answered_at is not None
    assert 'data-testid="open-requests"' not in client.get(reverse("home")).content.decode()

    client.force_login(unit_staff)
    stats = client.get(reverse("guidance:pulse_stats", args=[pulse.pk]))
    assert stats.context["stats"]["totals"]["asked"] == 2
    assert stats.context["stats"]["totals"]["answered"] == 1
    assert stats.context["stats"]["totals"]["positive"] == 1
    assert stats.context["stats"]["totals"]["rate"] == 50
    answers = client.get(reverse("guidance:pulse_answers", args=[pulse.pk]) + "?direction=positive")
    assert reverse("reports:detail", args=[report.pk]) in answers.content.decode()
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 200


def test_a_collaborator_not_asked_cannot_answer(client, pulse, other_collaborator):
    client.force_login(other_collaborator)
    assert client.get(f"{reverse('reports:new')}?request={pulse.pk}").status_code == 404
    assert client.post(reverse("reports:new"), answer_post(pulse)).status_code == 404
    assert not Report.objects.exists()


def test_answering_after_the_deadline_is_refused_and_changes_nothing(client, pulse, collaborator):
    PulseRequest.objects.filter(pk=pulse.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    client.force_login(collaborator)
    page = client.get(f"{reverse('reports:new')}?request={pulse.pk}").content.decode()
    assert 'data-testid="pulse-closed"' in page
    response = client.post(reverse("reports:new"), answer_post(pulse))
    assert response.status_code == 400
    assert "Đã hết hạn trả lời đợt lấy ý kiến này" in response.content.decode()
    assert not Report.objects.exists()
    assert PulseRecipient.objects.get(person=collaborator).answered_at is None


def test_an_answer_without_direction_is_refused(client, pulse, collaborator):
    client.force_login(collaborator)
    response = client.post(reverse("reports:new"), answer_post(pulse, direction=""))
    assert response.status_code == 400
    assert "khuynh hướng" in response.content.decode()
    assert not Report.objects.exists()


def test_a_draft_answer_keeps_its_link_and_counts_once_sent(client, pulse, collaborator):
    client.force_login(collaborator)
    token = uuid.uuid4()
    response = client.post(reverse("reports:new"), answer_post(pulse, token=token, action="draft"))
    report = Report.objects.get()
    assert response.url == reverse("reports:edit", args=[report.pk])
    recipient = PulseRecipient.objects.get(person=collaborator)
    assert recipient.report == report and recipient.answered_at is None
    page = client.get(reverse("reports:edit", args=[report.pk])).content.decode()
    assert pulse.question in page  # the edit page still shows the question, without ?request=
    edit = answer_post(pulse, token=token)
    del edit["request"]
    assert client.post(reverse("reports:edit", args=[report.pk]), edit).status_code == 302
    recipient.refresh_from_db()
    assert recipient.answered_at is not None
    # A second, different report for the same request is refused.
    second = client.post(reverse("reports:new"), answer_post(pulse))
    assert second.status_code == 400 and Report.objects.count() == 1


def test_an_ordinary_report_is_not_linked_to_anything(client, pulse, collaborator):
    client.force_login(collaborator)
    data = answer_post(pulse)
    del data["request"]
    assert client.post(reverse("reports:new"), data).status_code == 302
    assert Report.objects.count() == 1
    assert PulseRecipient.objects.get(person=collaborator).report is None


# --- reminders and closing ---------------------------------------------------------------------------


def test_reminders_go_once_to_those_who_have_not_answered(client, pulse, collaborator, second_collaborator):
    client.force_login(collaborator)
    client.post(reverse("reports:new"), answer_post(pulse))
    assert pulse_remind() == 0  # the deadline is three days away
    PulseRequest.objects.filter(pk=pulse.pk).update(
        deadline=timezone.now() + timedelta(hours=settings.PULSE_REMINDER_HOURS - 1)
    )
    result = pulse_remind_and_close.delay().get()
    assert result == {"reminded": 1, "closed": 0}
    assert pulse_remind() == 0
    reminders = Notification.objects.filter(kind="pulse_reminder")
    assert list(reminders.values_list("recipient", flat=True)) == [second_collaborator.pk]


def test_requests_close_at_the_deadline_once(pulse):
    assert pulse_close_due() == 0
    PulseRequest.objects.filter(pk=pulse.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert pulse_close_due() == 1
    assert pulse_close_due() == 0
    pulse.refresh_from_db()
    assert pulse.status == PulseStatus.CLOSED and pulse.closed_at is not None
    assert pulse_remind() == 0


def test_the_job_is_registered_in_the_periodic_tasks():
    from guidance.schedules import SCHEDULES

    tasks = {spec["task"] for spec in SCHEDULES}
    assert "guidance.tasks.pulse_remind_and_close" in tasks


# --- statistics ----------------------------------------------------------------------------------------


def _answer(person, pulse, direction):
    from guidance.services.pulse import pulse_answer_record
    from reports.services import report_save

    report, _ = report_save(
        author=person,
        token=uuid.uuid4(),
        data={
            "kind": ReportKind.OPINION,
            "topic": pulse.topic,
            "title": "Ý kiến",
            "content": "Nội dung",
            "direction": direction,
        },
        submit=True,
    )
    pulse_answer_record(report=report, person=person, pulse_id=pulse.pk)
    return report


def _network(city, n_units):
    units = [UnitFactory(parent=city, kind=UnitKind.GRASSROOTS, code=f"N{i}", name=f"CĐCS {i}") for i in range(n_units)]
    people = [
        UserFactory(username=f"n{i}-{j}", unit=u, role=Role.COLLABORATOR) for i, u in enumerate(units) for j in range(2)
    ]
    return people


def test_stats_equal_a_recount_per_unit_and_direction(federation_admin, city):
    people = _network(city, 3)
    pulse = make_pulse(federation_admin, [city])
    directions = [Direction.POSITIVE, Direction.NEGATIVE, Direction.NEGATIVE, Direction.MIXED]
    for person, direction in zip(people, directions, strict=False):
        _answer(person, pulse, direction)
    stats = response_stats(pulse)
    for row in stats["rows"]:
        mine = PulseRecipient.objects.filter(pulse=pulse, unit_id=row["unit__pk"])
        assert row["asked"] == mine.count()
        assert row["answered"] == mine.filter(answered_at__isnull=False).count()
        for direction, count in row["directions"]:
            assert count == mine.filter(report__direction=direction).count()
    assert stats["totals"]["asked"] == 6 and stats["totals"]["answered"] == 4
    assert stats["totals"]["negative"] == 2 and stats["totals"]["neutral"] == 0


@pytest.mark.parametrize("n_units", [1, 8])
def test_the_live_stats_take_the_same_queries_for_any_number_of_units(
    client, federation_admin, city, n_units, django_assert_max_num_queries
):
    people = _network(city, n_units)
    pulse = make_pulse(federation_admin, [city])
    for person in people[::2]:
        _answer(person, pulse, Direction.NEUTRAL)
    client.force_login(federation_admin)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("guidance:pulse_stats", args=[pulse.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="pulse-stats-row"') == n_units


def test_stats_and_answers_are_staff_only_and_scoped(client, pulse, collaborator, other_staff):
    for name in ("guidance:pulse_stats", "guidance:pulse_answers"):
        url = reverse(name, args=[pulse.pk])
        client.force_login(collaborator)
        assert client.get(url).status_code == 404
        client.force_login(other_staff)
        assert client.get(url).status_code == 404


def test_answers_filter_by_unit_and_direction(client, federation_admin, city):
    people = _network(city, 2)
    pulse = make_pulse(federation_admin, [city])
    kept = _answer(people[0], pulse, Direction.NEGATIVE)
    other_direction = _answer(people[1], pulse, Direction.POSITIVE)
    other_unit = _answer(people[2], pulse, Direction.NEGATIVE)
    client.force_login(federation_admin)
    url = reverse("guidance:pulse_answers", args=[pulse.pk])
    page = client.get(f"{url}?unit={people[0].unit_id}&direction=negative").content.decode()
    assert reverse("reports:detail", args=[kept.pk]) in page
    assert reverse("reports:detail", args=[other_direction.pk]) not in page
    assert reverse("reports:detail", args=[other_unit.pk]) not in page


# --- layering -----------------------------------------------------------------------------------------


def test_reports_never_imports_guidance():
    root = Path(settings.BASE_DIR) / "reports"
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "from guidance" not in text and "import guidance" not in text, path


@pytest.mark.parametrize("n_requests", [1, 6])
def test_the_request_list_and_answers_page_take_bounded_queries(
    client, federation_admin, city, n_requests, django_assert_max_num_queries
):
    people = _network(city, 3)
    for i in range(n_requests):
        pulse = make_pulse(federation_admin, [city], question=f"Câu hỏi {i}")
    for person in people:
        _answer(person, pulse, Direction.MIXED)
    client.force_login(federation_admin)
    with django_assert_max_num_queries(10):
        listing = client.get(reverse("guidance:pulse_list"))
    assert listing.content.decode().count('data-testid="pulse-row"') == n_requests
    with django_assert_max_num_queries(10):
        answers = client.get(reverse("guidance:pulse_answers", args=[pulse.pk]))
    assert answers.content.decode().count('data-testid="answer-row"') == len(people)
