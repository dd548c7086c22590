"""A new version of the personal-data notice asks each person again at their next sign-in; withdrawing
hides their name on their reports from everyone but the reviewers who must act on them, and says so."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from collaborators.access import Role
from collaborators.services.people import consent_give, consent_withdraw
from reports.services.exports import author_shown
from tests.factories import TEST_PASSWORD, UserFactory
from tests.reports.conftest import make_report

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=HANOI), tick=False):
        yield


def sign_in(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})


def test_a_person_who_agreed_to_an_older_version_is_asked_again_and_agrees(client, collaborator, settings):
    consent_give(user=collaborator, version="2024-01")
    settings.PERSONAL_DATA_CONSENT_VERSION = "2026-11"
    sign_in(client, collaborator)
    asked = client.get("/roster/me/reads/")
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("consent_renew"))
    page = client.get(asked["Location"])
    assert "2026-11" in page.content.decode() and "Tôi đồng ý" in page.content.decode()
    answer = client.post(reverse("consent_renew"), {"answer": "agree", "next": "/roster/me/reads/"})
    assert answer.status_code == 302 and answer["Location"] == "/roster/me/reads/"
    collaborator.profile.refresh_from_db()
    assert collaborator.profile.consent_version == "2026-11" and collaborator.profile.has_consent
    assert client.get("/").status_code == 200


def test_the_current_version_is_not_asked_again(client, collaborator, settings):
    consent_give(user=collaborator, version=settings.PERSONAL_DATA_CONSENT_VERSION)
    sign_in(client, collaborator)
    assert client.get("/").status_code == 200


def test_answering_no_withdraws_the_consent(client, collaborator, settings):
    consent_give(user=collaborator, version="2024-01")
    sign_in(client, collaborator)
    client.post(reverse("consent_renew"), {"answer": "withdraw"})
    collaborator.profile.refresh_from_db()
    assert collaborator.profile.consent_withdrawn_at is not None
    assert client.get("/").status_code == 200  # not asked again


def test_after_withdrawal_only_the_reviewers_of_a_waiting_report_see_the_name_and_are_told_why(
    client, collaborator, unit_staff, other_staff
):
    consent_give(user=collaborator, version="2025-10")
    waiting = make_report(collaborator, title="Chờ xử lý")
    consent_withdraw(user=collaborator)
    client.force_login(unit_staff)
    page = client.get(reverse("reports:detail", args=[waiting.pk])).content.decode()
    assert collaborator.full_name in page and 'data-testid="author-shown-to-reviewer"' in page
    # Once reviewed, nobody needs the name any more.
    from reports.services import report_accept

    report_accept(actor=unit_staff, report=waiting)
    page = client.get(reverse("reports:detail", args=[waiting.pk])).content.decode()
    assert 'data-testid="author-withheld"' in page
    assert f"{collaborator.full_name} ·" not in page
    waiting.refresh_from_db()
    assert author_shown(waiting) != collaborator.full_name


def test_exports_name_people_who_did_not_withdraw(collaborator):
    report = make_report(collaborator)
    assert author_shown(report) == collaborator.full_name


@pytest.mark.parametrize("answer", ["²", "", "yes"])
def test_an_answer_that_is_neither_agree_nor_withdraw_changes_nothing_and_says_so(client, collaborator, answer):
    consent_give(user=collaborator, version="2024-01")
    client.force_login(collaborator)

    response = client.post(reverse("consent_renew"), {"answer": answer, "next": "\x7f//odd"})

    assert response.status_code == 400
    assert "Xin đồng chí chọn" in response.content.decode()
    collaborator.profile.refresh_from_db()
    assert collaborator.profile.consent_withdrawn_at is None


@pytest.mark.parametrize("answer", ["agree", "withdraw"])
def test_a_superuser_without_a_profile_answers_the_notice(client, answer):
    superuser = UserFactory(username="root", unit=None, role=Role.ADMIN, is_superuser=True, is_staff=True)
    client.force_login(superuser)

    response = client.post(reverse("consent_renew"), {"answer": answer, "next": "https://elsewhere.example/"})

    assert response.status_code == 302 and response["Location"] == reverse("home")
