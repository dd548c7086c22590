"""Brute-force protection: one username from one IP is locked; others go on."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_wrong_password_shows_a_vietnamese_error(client, collaborator):
    response = attempt(client, "collab", "wrong")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_repeated_failures_lock_the_account_with_a_vietnamese_message(client, collaborator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "collab", "wrong").status_code == 200
    locked = attempt(client, "collab", "wrong")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "tạm khóa" in body
    # Even the right password is refused while locked.
    again = attempt(client, "collab", TEST_PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_does_not_lock_other_accounts_from_the_same_ip(client, collaborator, unit_staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "collab", "wrong")
    response = attempt(client, "unitstaff", TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_lockout_does_not_lock_the_same_account_from_another_ip(client, collaborator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "collab", "wrong", ip="10.0.0.1")
    response = attempt(client, "collab", TEST_PASSWORD, ip="10.0.0.2")
    assert response.status_code == 302


def test_admin_unlocks_by_deleting_the_attempts(client, admin_client, collaborator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "collab", "wrong")
    assert attempt(client, "collab", TEST_PASSWORD).status_code == 429
    attempts = AccessAttempt.objects.filter(username="collab")
    changelist = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200 and "collab" in changelist.content.decode()
    response = admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [a.pk for a in attempts], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="collab").exists()
    assert attempt(client, "collab", TEST_PASSWORD).status_code == 302
