"""A person's roster page gathers the blocks of higher apps (reports, trainings) through collaborators'
``person_page_sections`` signal; each block holds only what the viewer's scope allows."""

from datetime import timedelta

import pytest
from django.urls import reverse

from collaborators.models import User
from collaborators.signals import person_page_sections
from tests.clock import frozen_clock
from tests.reports.conftest import make_report
from tests.trainings.conftest import move
from trainings import services

pytestmark = pytest.mark.django_db
_clock = frozen_clock()  # the tests build their dates from "now"

REPORTS = "reports/_partials/person_reports.html"
TRAININGS = "trainings/_partials/person_trainings.html"


def _sections(person, viewer) -> dict:
    replies = person_page_sections.send(sender=User, person=person, viewer=viewer)
    return {section["template"]: section["data"] for _receiver, section in replies if section}


def _attended(session, person, staff):
    registration = services.registration_register(session=session, person=person)
    move(session, starts_in=timedelta(hours=-6))  # attendance is taken from the session's day
    services.attendance_mark(registration=registration, attended=True, actor=staff)


def test_the_reports_and_trainings_apps_answer_with_their_blocks_in_order(session, collaborator, unit_staff):
    make_report(collaborator)
    make_report(collaborator, submit=False)  # a draft is the author's alone
    _attended(session, collaborator, unit_staff)
    sections = _sections(collaborator, unit_staff)
    assert list(sections) == [REPORTS, TRAININGS]
    assert sections[REPORTS]["total"] == 1
    assert [r.session for r in sections[TRAININGS]["registrations"]] == [session]
    own = _sections(collaborator, collaborator)
    assert own[REPORTS]["total"] == 1 and len(own[TRAININGS]["registrations"]) == 1


def test_staff_of_another_union_get_no_data_of_a_person_outside_their_scope(
    client, session, collaborator, unit_staff, other_staff
):
    make_report(collaborator)
    _attended(session, collaborator, unit_staff)
    sections = _sections(collaborator, other_staff)
    assert sections[REPORTS]["total"] == 0
    assert all(n == 0 for _status, _label, n in sections[REPORTS]["by_status"])
    assert sections[TRAININGS]["registrations"] == []
    client.force_login(other_staff)
    assert client.get(reverse("roster:person_detail", args=[collaborator.pk])).status_code == 404


def test_a_person_who_moved_shows_their_new_unions_staff_only_the_reports_filed_there(
    client, collaborator, other_union, other_staff
):
    make_report(collaborator, title="Gửi khi còn ở phường Ba Đình")
    collaborator.unit = other_union
    collaborator.save(update_fields=["unit"])
    make_report(collaborator, title="Gửi sau khi chuyển sang phường Hoàn Kiếm")
    assert _sections(collaborator, other_staff)[REPORTS]["total"] == 1
    client.force_login(other_staff)
    html = client.get(reverse("roster:person_detail", args=[collaborator.pk])).content.decode()
    assert 'data-testid="person-reports-submitted">1<' in html
