"""Closing the loop: a note answers rumours and questions; on publication they show as answered and
every collaborator whose report is linked is told, with the link."""

import pytest
from django.urls import reverse

from collaborators.models import Role
from guidance.selectors import answered_rumour_ids, answers_for
from notifications.models import Notification
from reports.models import ReportKind
from reports.services import rumour_create, rumour_link
from tests.factories import UserFactory
from tests.guidance.conftest import make_note
from tests.reports.conftest import make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def rumour_with_sightings(unit_staff, grassroots, collaborator):
    neighbour = UserFactory(username="neighbour", unit=grassroots, role=Role.COLLABORATOR)
    first = make_report(collaborator, kind=ReportKind.RUMOUR, title="Tin đồn cắt giảm công nhân")
    rumour = rumour_create(actor=unit_staff, title="Cắt giảm một nửa công nhân", report=first)
    second = make_report(neighbour, kind=ReportKind.RUMOUR, title="Nghe nói sắp cắt giảm")
    rumour_link(actor=unit_staff, report=second, rumour=rumour)
    return rumour, neighbour


def test_publishing_answers_the_rumour_and_notifies_its_reporters(
    client, unit_staff, union, collaborator, other_collaborator, rumour_with_sightings
):
    rumour, neighbour = rumour_with_sightings
    note = make_note(unit_staff, targets=[union], publish=False, rumours=[rumour])
    assert answered_rumour_ids([rumour.pk]) == set()
    assert not Notification.objects.filter(kind="guidance_answer").exists()

    from guidance.services import guidance_publish

    guidance_publish(actor=unit_staff, note=note)
    assert answered_rumour_ids([rumour.pk]) == {rumour.pk}
    answers = Notification.objects.filter(kind="guidance_answer")
    assert set(answers.values_list("recipient", flat=True)) == {collaborator.pk, neighbour.pk}
    assert {a.link for a in answers} == {reverse("guidance:detail", args=[note.pk])}

    client.force_login(collaborator)
    page = client.get(reverse("guidance:answers")).content.decode()
    assert "Tin đồn cắt giảm công nhân" in page
    assert reverse("guidance:detail", args=[note.pk]) in page
    client.force_login(other_collaborator)
    assert 'data-testid="answered-report"' not in client.get(reverse("guidance:answers")).content.decode()


def test_a_question_report_is_answered_and_its_author_told(unit_staff, union, collaborator):
    question = make_report(collaborator, kind=ReportKind.QUESTION, title="Khi nào tăng lương tối thiểu?")
    opinion = make_report(collaborator, title="Ý kiến không phải câu hỏi")
    note = make_note(unit_staff, targets=[union], questions=[question, opinion])
    assert list(note.questions.all()) == [question]
    assert Notification.objects.filter(kind="guidance_answer", recipient=collaborator).count() == 1
    answers = answers_for(collaborator)
    assert [a["report"] for a in answers] == [question]
    assert answers[0]["notes"] == [note]


def test_a_draft_answers_nothing(unit_staff, union, collaborator):
    question = make_report(collaborator, kind=ReportKind.QUESTION, title="Câu hỏi")
    make_note(unit_staff, targets=[union], publish=False, questions=[question])
    assert answers_for(collaborator) == []


def test_answers_page_query_count(client, unit_staff, union, collaborator, django_assert_max_num_queries):
    for i in range(5):
        question = make_report(collaborator, kind=ReportKind.QUESTION, title=f"Câu hỏi {i}")
        make_note(unit_staff, targets=[union], questions=[question], title=f"Trả lời {i}")
    client.force_login(collaborator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("guidance:answers"))
    assert response.content.decode().count('data-testid="answered-report"') == 5


def test_the_library_lists_the_notes_answering_a_rumour(client, unit_staff, union, rumour_with_sightings):
    rumour, _neighbour = rumour_with_sightings
    make_note(unit_staff, targets=[union], rumours=[rumour], title="Trả lời tin đồn")
    make_note(unit_staff, targets=[union], title="Ghi chú khác")
    client.force_login(unit_staff)
    page = client.get(reverse("guidance:list"), {"rumour": rumour.pk}).content.decode()
    assert "Trả lời tin đồn" in page
    assert "Ghi chú khác" not in page
