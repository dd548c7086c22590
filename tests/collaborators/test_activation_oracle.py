"""Activation tells nothing by its time and is limited per client address and per username or phone;
the login lockout and the activation limit know the real client behind the trusted proxy, and a
written X-Forwarded-For cannot make anyone pass for another address."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.urls import reverse

from collaborators.models import Role
from collaborators.services import people as services
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
CLIENT = "203.0.113.7"
VICTIM = "198.51.100.9"
LIMIT = 3


@pytest.fixture(autouse=True)
def activation_settings(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "oracle"}}
    settings.ACTIVATION_FAILURE_LIMIT = LIMIT
    settings.ACTIVATION_WINDOW_SECONDS = 900
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        yield


@pytest.fixture
def hashes(monkeypatch):
    """Counts the password hashes computed (the hasher the tests use), checks and new hashes alike."""
    calls = []
    original = MD5PasswordHasher.encode

    def counting(self, password, salt):
        calls.append(password)
        return original(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    return calls


@pytest.fixture
def invited(union, grassroots):
    admin = UserFactory(username="unitadmin", unit=union, role=Role.ADMIN)
    recruit = services.person_create(
        actor=admin, unit=grassroots, full_name="Nguyễn Văn Đức", phone="0912345678", profile={}
    )
    _invitation, code = services.invitation_create(actor=admin, user=recruit, channel="code")
    return recruit, code


def _activate(client, username, code, ip="192.0.2.10", **headers):
    return client.post(reverse("activate_code"), {"username": username, "code": code}, REMOTE_ADDR=ip, **headers)


def test_every_answer_costs_one_hash_whether_or_not_an_invitation_exists(client, invited, collaborator, hashes):
    recruit, code = invited
    cases = [
        (recruit.username, "AAAA-BBBB"),  # invited, wrong code
        ("0912345678", "AAAA-BBBB"),  # invited, by phone, wrong code
        ("nobody", "AAAA-BBBB"),  # no such person
        ("0999999999", "AAAA-BBBB"),  # no such phone
        (collaborator.username, "AAAA-BBBB"),  # a person without an open invitation
    ]
    for username, attempt in cases:
        hashes.clear()
        response = _activate(client, username, attempt, ip=f"192.0.2.{len(username)}")
        assert response.status_code == 200
        assert len(hashes) == 1, username
    hashes.clear()
    assert _activate(client, recruit.username, code, ip="192.0.2.99").status_code == 302
    assert len(hashes) == 1


def test_the_same_wrong_answer_is_given_for_a_person_invited_or_not(client, invited):
    recruit, _code = invited
    known = _activate(client, recruit.username, "AAAA-BBBB", ip="192.0.2.1").content.decode()
    unknown = _activate(client, "nobody", "AAAA-BBBB", ip="192.0.2.2").content.decode()
    message = "Tên đăng nhập hoặc mã kích hoạt không đúng"
    assert (message in known) == (message in unknown)
    assert known.replace(recruit.username, "nobody").count("alert") == unknown.count("alert")


def test_an_address_is_refused_after_the_limit_even_with_the_right_code(client, invited, english):
    recruit, code = invited
    for n in range(LIMIT):
        assert _activate(client, f"guess{n}", "AAAA-BBBB", ip=CLIENT).status_code == 200
    refused = _activate(client, recruit.username, code, ip=CLIENT)
    assert refused.status_code == 429
    assert "Too many wrong attempts. Please try again in 15 minutes" in refused.content.decode()
    assert "activation_invitation" not in client.session


def test_the_limit_is_per_address_another_address_goes_on(client, invited):
    recruit, code = invited
    for n in range(LIMIT):
        _activate(client, f"guess{n}", "AAAA-BBBB", ip=CLIENT)
    assert _activate(client, "guess", "AAAA-BBBB", ip=CLIENT).status_code == 429
    assert _activate(client, recruit.username, code, ip="192.0.2.50").status_code == 302


def test_one_username_is_limited_across_addresses(client, invited):
    recruit, code = invited
    assert services.CODE_MAX_ATTEMPTS > LIMIT  # so what refuses below is the per-target counter, not the code's
    for n in range(LIMIT):
        _activate(client, recruit.username.upper(), "AAAA-BBBB", ip=f"192.0.2.{n + 1}")
    assert _activate(client, recruit.username, code, ip="192.0.2.200").status_code == 429


def test_the_window_passes_and_the_address_may_try_again(client, invited):
    recruit, code = invited
    for n in range(LIMIT):
        _activate(client, f"guess{n}", "AAAA-BBBB", ip=CLIENT)
    assert _activate(client, recruit.username, code, ip=CLIENT).status_code == 429
    with time_machine.travel(datetime(2026, 3, 10, 9, 16, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        assert _activate(client, recruit.username, code, ip=CLIENT).status_code == 302


# --- the client's address behind the proxy -------------------------------------------------------


@pytest.fixture
def behind_proxy(settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_PROXY_TRUSTED_IPS = [PROXY]


def _login(client, username, password, *, ip, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)


def test_behind_the_trusted_proxy_the_client_is_locked_not_the_proxy(client, behind_proxy, collaborator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "collab", "wrong", ip=PROXY, forwarded=CLIENT)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT}
    assert _login(client, "collab", TEST_PASSWORD, ip=PROXY, forwarded=CLIENT).status_code == 429
    # Everyone else behind the same proxy still signs in.
    assert _login(client, "collab", TEST_PASSWORD, ip=PROXY, forwarded=VICTIM).status_code == 302


def test_a_header_written_by_a_direct_client_is_ignored(client, behind_proxy, collaborator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "collab", "wrong", ip=CLIENT, forwarded=VICTIM)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT}
    assert _login(client, "collab", TEST_PASSWORD, ip=PROXY, forwarded=VICTIM).status_code == 302


def test_a_header_sent_through_the_proxy_cannot_pass_for_another_address(client, behind_proxy, collaborator, settings):
    # The proxy appends the address it was connected from; what the client wrote stays on the left.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "collab", "wrong", ip=PROXY, forwarded=f"{VICTIM}, {CLIENT}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT}
    assert _login(client, "collab", TEST_PASSWORD, ip=PROXY, forwarded=VICTIM).status_code == 302


def test_without_a_trusted_proxy_the_header_is_ignored(client, collaborator, settings):
    settings.AXES_IPWARE_PROXY_COUNT = None
    settings.AXES_IPWARE_PROXY_TRUSTED_IPS = []
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "collab", "wrong", ip=PROXY, forwarded=VICTIM)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}


def test_the_activation_limit_counts_the_client_behind_the_proxy(client, behind_proxy, invited):
    recruit, code = invited
    for n in range(LIMIT):
        _activate(client, f"guess{n}", "AAAA-BBBB", ip=PROXY, HTTP_X_FORWARDED_FOR=f"{VICTIM}, {CLIENT}")
    assert _activate(client, "guess", "AAAA-BBBB", ip=PROXY, HTTP_X_FORWARDED_FOR=CLIENT).status_code == 429
    assert _activate(client, recruit.username, code, ip=PROXY, HTTP_X_FORWARDED_FOR=VICTIM).status_code == 302
