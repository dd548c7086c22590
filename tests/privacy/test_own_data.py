"""The own-data download is complete: profile, consents, reports, trainings (attendance, certificate),
notifications, guidance receipts, the read-log entries about the person, and their sign-in records; as
JSON and as a printable page."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from collaborators.models import Role
from collaborators.services.people import consent_give
from guidance.services import guidance_acknowledge
from privacy.models import ReadEntry, ReadKind
from tests.clock import frozen_clock
from tests.factories import UserFactory
from tests.test_scope_walk import build_side
from trainings.services import attendance_mark

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def everything(union, grassroots, collaborator, unit_staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORTING_PERIOD_START_DAY = 1
    admin_user = UserFactory(username="admin-a", unit=union, role=Role.ADMIN)
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=HANOI), tick=False):
        side = build_side(
            unit=union, sub=grassroots, owner=collaborator, staff=unit_staff, admin_user=admin_user, marker="Ba Đình"
        )
        guidance_acknowledge(note=side.note, person=collaborator)
        consent_give(user=collaborator, version="2025-10")
    with time_machine.travel(side.session.starts_at + timedelta(hours=1), tick=False):
        attendance_mark(registration=side.registration, attended=True, actor=admin_user)
    return side


@time_machine.travel(datetime(2026, 11, 21, 9, 0, tzinfo=HANOI), tick=False)
def test_the_own_data_file_holds_every_kind_of_data(client, everything, collaborator, unit_staff):
    client.force_login(unit_staff)
    client.get(reverse("roster:person_detail", args=[collaborator.pk]))  # a read by someone else
    client.force_login(collaborator)
    response = client.get(reverse("roster:my_data"))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    # Every kind the person is owed (a section whose receiver went missing fails here); the notification
    # channels' own sections (phones, push subscriptions, preferences, follows) may come on top.
    assert set(data) >= {
        "exported_at", "account", "profile", "consents", "consent_history", "status_history", "decisions",
        "reports", "trainings", "notifications", "receipts", "read_by_others", "account_events", "sessions",
    }  # fmt: skip
    assert data["consents"]["version_given"] == data["consent_history"][-1]["version"] == "2025-10"
    assert data["trainings"][0]["status"] and data["trainings"][0]["certificate"], "attendance, certificate"
    assert data["profile"]["status"]
    assert data["account"]["username"] == "collab"
    assert {r["title"] for r in data["reports"]} >= {"Tin đồn Ba Đình", "Bản nháp Ba Đình"}
    assert any("bien-ban.pdf" in r["files"] for r in data["reports"])
    assert [t["session"] for t in data["trainings"]] == ["Tập huấn Ba Đình"]
    assert "certificate" in data["trainings"][0]
    assert data["notifications"], "the person's messages"
    assert [r["note"] for r in data["receipts"]] == ["Định hướng Ba Đình"]
    assert data["receipts"][0]["acknowledged_at"]
    assert [(e["reader"], e["object"]) for e in data["read_by_others"]] == [
        (unit_staff.full_name, collaborator.full_name)
    ]
    assert data["sessions"], "the signed-in session"
    assert data["decisions"][0]["number"] == "1/QĐ-Ba Đình"


@time_machine.travel(datetime(2026, 11, 21, 9, 0, tzinfo=HANOI), tick=False)
def test_the_printable_page_shows_every_part_in_vietnamese(client, everything, collaborator):
    client.force_login(collaborator)
    response = client.get(reverse("roster:my_data_page"))
    assert response.status_code == 200
    html = response.content.decode()
    for testid in ["my-data-reports", "my-data-trainings", "my-data-notifications", "my-data-receipts"]:
        assert f'data-testid="{testid}"' in html, testid
    assert "Tin đồn Ba Đình" in html and "Tập huấn Ba Đình" in html and "Định hướng Ba Đình" in html
    assert "Dữ liệu cá nhân của tôi" in html and "data-print" in html
    # Opening one's own data is recorded too (as one's own, so not among "who read my data").
    assert ReadEntry.objects.filter(kind=ReadKind.OWN_DATA, subject=collaborator, label="trang").exists()


def test_another_persons_data_never_appears(client, collaborator, other_collaborator):
    client.force_login(other_collaborator)
    data = json.loads(client.get(reverse("roster:my_data")).content)
    assert data["account"]["username"] == "collab2"
    assert data["reports"] == [] and data["read_by_others"] == []
