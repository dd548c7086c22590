"""Personal access tokens: created on the person's page, stored hashed, listed by prefix, revoked, expiring,
throttled per token, every use recorded."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from api.models import AccessToken, TokenUse
from api.services import key_hash
from tests.api.conftest import api_client, token_for

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
REPORTS = reverse("api:reports")


def test_a_person_creates_a_token_on_their_page_and_sees_the_secret_once(client, collaborator):
    client.force_login(collaborator)
    created = client.post(
        reverse("api_tokens:list"), {"name": "Ứng dụng điện thoại", "scopes": ["read", "submit"], "days": 30}
    )
    assert created.status_code == 302
    page = client.get(reverse("api_tokens:list"))
    secret = page.context["new_key"]
    token = AccessToken.objects.get(user=collaborator)
    assert secret.startswith("onk_") and token.key_hash == key_hash(secret)
    assert secret not in str(AccessToken.objects.filter(pk=token.pk).values().get())  # only the hash is kept
    assert token.prefix in page.content.decode() and token.scopes == ["read", "submit"]
    again = client.get(reverse("api_tokens:list"))
    assert secret not in again.content.decode() and token.prefix in again.content.decode()
    assert "Đọc, Gửi (báo cáo, trả lời, xác nhận đã đọc, đăng ký)" in again.content.decode()
    assert api_client(secret).get(REPORTS).status_code == 200


def test_a_token_form_without_a_scope_is_refused(client, collaborator):
    client.force_login(collaborator)
    response = client.post(reverse("api_tokens:list"), {"name": "X", "days": 30})
    assert response.status_code == 400 and not AccessToken.objects.exists()


def test_a_revoked_token_no_longer_opens_the_api(client, collaborator):
    secret = token_for(collaborator)
    token = AccessToken.objects.get(user=collaborator)
    client.force_login(collaborator)
    assert client.post(reverse("api_tokens:revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = api_client(secret).get(REPORTS)
    assert response.status_code == 401
    assert response.json()["detail"] == "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi."


def test_nobody_else_revokes_a_persons_token(client, collaborator, unit_staff):
    token_for(collaborator)
    token = AccessToken.objects.get(user=collaborator)
    client.force_login(unit_staff)
    assert client.post(reverse("api_tokens:revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_expired_token_is_refused(collaborator):
    with time_machine.travel(datetime(2026, 11, 1, 9, 0, tzinfo=HANOI), tick=False):
        secret = token_for(collaborator, days=30)
        assert api_client(secret).get(REPORTS).status_code == 200
    with time_machine.travel(datetime(2026, 12, 1, 9, 1, tzinfo=HANOI), tick=False):
        assert api_client(secret).get(REPORTS).status_code == 401


def test_every_use_of_a_token_is_recorded(collaborator):
    with time_machine.travel(datetime(2026, 11, 3, 8, 30, tzinfo=HANOI), tick=False):
        secret = token_for(collaborator)
        api_client(secret).get(REPORTS)
        api_client(secret).get(reverse("api:units"))
    token = AccessToken.objects.get(user=collaborator)
    assert token.last_used_at == datetime(2026, 11, 3, 8, 30, tzinfo=HANOI)
    uses = list(TokenUse.objects.filter(token=token).order_by("pk").values_list("method", "path"))
    assert uses == [("GET", REPORTS), ("GET", reverse("api:units"))]


def test_requests_are_throttled_per_token(collaborator, settings):
    settings.API_TOKEN_RATE = "2/minute"
    with time_machine.travel(datetime(2026, 11, 3, 8, 30, tzinfo=HANOI), tick=False):
        first, second = token_for(collaborator), token_for(collaborator)
        assert [api_client(first).get(REPORTS).status_code for _ in range(3)] == [200, 200, 429]
        assert api_client(second).get(REPORTS).status_code == 200  # another token has its own allowance
    with time_machine.travel(datetime(2026, 11, 3, 8, 32, tzinfo=HANOI), tick=False):
        assert api_client(first).get(REPORTS).status_code == 200


def test_a_token_acts_only_as_its_person_and_a_deactivated_person_loses_it(collaborator):
    secret = token_for(collaborator)
    collaborator.is_active = False
    collaborator.save(update_fields=["is_active"])
    assert api_client(secret).get(REPORTS).status_code == 401
