"""Two-factor sign-in (required for staff and admins, optional for collaborators), recovery codes, the
lockout of the second factor, an administrator's reset, and the sessions a person controls."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from collaborators.models import Role
from collaborators.services.security import TWO_FACTOR_VERIFIED
from privacy.models import AccountEvent, AccountEventKind, SignedInSession
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 11, 20, 9, 0, tzinfo=HANOI)


@pytest.fixture(autouse=True)
def _frozen():
    """A fixed moment (sessions and codes read the clock); tests move on from it with their own travel."""
    with time_machine.travel(START, tick=False):
        yield


def sign_in(client, user, password=TEST_PASSWORD, ip="10.0.0.1"):
    """The password step through the login page (as a person does: no second factor yet)."""
    return client.post(reverse("login"), {"username": user.username, "password": password}, REMOTE_ADDR=ip)


def code_of(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol(client, user):
    """Set the app up through the pages; returns the device and the recovery codes shown."""
    page = client.get(reverse("two_factor_enrol"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(reverse("two_factor_enrol"), {"token": code_of(device), "next": "/"})
    assert done.status_code == 200
    return device, list(done.context["codes"])


def test_staff_after_the_password_are_sent_to_set_up_the_second_factor_and_reach_nothing_else(client, unit_staff):
    with time_machine.travel(START, tick=False):
        assert sign_in(client, unit_staff).status_code == 302
        for path in ["/", reverse("roster:person_list"), "/reports/", "/admin/"]:
            response = client.get(path)
            assert response.status_code == 302, path
            assert response["Location"].startswith(reverse("two_factor_enrol")), path
        page = client.get(reverse("two_factor_enrol"))
    html = page.content.decode()
    assert "Thiết lập đăng nhập hai bước" in html  # Vietnamese page
    assert 'src="data:image/svg+xml' in html  # the QR code, an image the CSP allows


def test_enrolment_confirms_the_app_shows_ten_recovery_codes_and_is_recorded(client, unit_staff):
    with time_machine.travel(START, tick=False):
        sign_in(client, unit_staff)
        device, codes = enrol(client, unit_staff)
        assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert len(codes) == 10 and StaticToken.objects.filter(device__user=unit_staff).count() == 10
    assert AccountEvent.objects.filter(person=unit_staff, kind=AccountEventKind.TWO_FACTOR_ENROLLED).count() == 1


def test_a_wrong_code_at_enrolment_confirms_nothing(client, unit_staff):
    with time_machine.travel(START, tick=False):
        sign_in(client, unit_staff)
        client.get(reverse("two_factor_enrol"))
        response = client.post(reverse("two_factor_enrol"), {"token": "000000"})
        assert response.status_code == 200 and "codes" not in response.context
        assert client.get("/").status_code == 302
    assert not TOTPDevice.objects.filter(user=unit_staff, confirmed=True).exists()


def test_next_sign_in_asks_for_the_code_and_a_recovery_code_works_once(client, unit_staff):
    with time_machine.travel(START, tick=False):
        sign_in(client, unit_staff)
        device, codes = enrol(client, unit_staff)
    client.post(reverse("logout"))
    later = Client()
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        sign_in(later, unit_staff)
        asked = later.get("/roster/")
        assert asked["Location"].startswith(reverse("two_factor_verify"))
        wrong = later.post(reverse("two_factor_verify"), {"token": "123456"})
        assert wrong.status_code == 200 and "không đúng" in wrong.content.decode()
    with time_machine.travel(START + timedelta(minutes=6), tick=False):
        right = later.post(reverse("two_factor_verify"), {"token": code_of(device), "next": "/roster/"})
        assert right.status_code == 302 and right["Location"] == "/roster/"
        assert later.get("/roster/").status_code == 200
    # With a recovery code instead of the phone: once only.
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        third = Client()
        sign_in(third, unit_staff)
        assert third.post(reverse("two_factor_verify"), {"token": codes[0]}).status_code == 302
        assert third.get("/").status_code == 200
        fourth = Client()
        sign_in(fourth, unit_staff)
    with time_machine.travel(START + timedelta(minutes=11), tick=False):
        again = fourth.post(reverse("two_factor_verify"), {"token": codes[0]})
        assert again.status_code == 200
        assert fourth.get("/").status_code == 302
    assert StaticToken.objects.filter(device__user=unit_staff).count() == 9


def test_wrong_codes_lock_the_second_factor_like_wrong_passwords(client, unit_staff, settings):
    with time_machine.travel(START, tick=False):
        sign_in(client, unit_staff)
        device, _codes = enrol(client, unit_staff)
    attacker = Client()
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        sign_in(attacker, unit_staff, ip="10.0.0.9")
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert (
                attacker.post(reverse("two_factor_verify"), {"token": "111111"}, REMOTE_ADDR="10.0.0.9").status_code
                == 200
            )
        locked = attacker.post(reverse("two_factor_verify"), {"token": "111111"}, REMOTE_ADDR="10.0.0.9")
        assert locked.status_code == 429 and "tạm khóa" in locked.content.decode()
        assert "_auth_user_id" not in attacker.session  # signed out
        # The password again is accepted, but the second factor stays locked, even with the right code.
        sign_in(attacker, unit_staff, ip="10.0.0.9")
    with time_machine.travel(START + timedelta(minutes=7), tick=False):
        still = attacker.post(reverse("two_factor_verify"), {"token": code_of(device)}, REMOTE_ADDR="10.0.0.9")
        assert still.status_code == 429
        assert "_auth_user_id" not in attacker.session


def test_collaborators_need_no_second_factor_until_they_turn_it_on(client, collaborator):
    with time_machine.travel(START, tick=False):
        sign_in(client, collaborator)
        assert client.get("/").status_code == 200
        device, _codes = enrol(client, collaborator)
    with time_machine.travel(START + timedelta(minutes=3), tick=False):
        other = Client()
        sign_in(other, collaborator)
        assert other.get("/")["Location"].startswith(reverse("two_factor_verify"))
        assert other.post(reverse("two_factor_verify"), {"token": code_of(device)}).status_code == 302
        response = other.post(reverse("two_factor_remove"))
        assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=collaborator).exists()
    with time_machine.travel(START + timedelta(minutes=4), tick=False):
        third = Client()
        sign_in(third, collaborator)
        assert third.get("/").status_code == 200


def test_staff_cannot_turn_the_second_factor_off(client, unit_staff):
    with time_machine.travel(START, tick=False):
        sign_in(client, unit_staff)
        enrol(client, unit_staff)
        client.post(reverse("two_factor_remove"))
    assert TOTPDevice.objects.filter(user=unit_staff, confirmed=True).exists()


def test_an_administrator_resets_a_lost_phone_and_the_reset_is_recorded(client, unit_staff, federation_admin):
    with time_machine.travel(START, tick=False):
        staff_client = Client()
        sign_in(staff_client, unit_staff)
        enrol(staff_client, unit_staff)
        assert staff_client.get("/").status_code == 200
        client.force_login(federation_admin)
        response = client.post(reverse("roster:person_two_factor_reset", kwargs={"pk": unit_staff.pk}))
        assert response.status_code == 302
        # The staff member's session ended; at the next sign-in they set the app up again.
        assert staff_client.get("/")["Location"].startswith(reverse("login"))
        sign_in(staff_client, unit_staff)
        assert staff_client.get("/")["Location"].startswith(reverse("two_factor_enrol"))
    assert not TOTPDevice.objects.filter(user=unit_staff, confirmed=True).exists()
    event = AccountEvent.objects.get(person=unit_staff, kind=AccountEventKind.TWO_FACTOR_RESET)
    assert event.actor == federation_admin


def test_staff_cannot_reset_another_persons_second_factor(client, unit_staff, collaborator):
    client.force_login(unit_staff)
    response = client.post(reverse("roster:person_two_factor_reset", kwargs={"pk": collaborator.pk}))
    assert response.status_code == 404
    assert not AccountEvent.objects.exists()


def test_the_test_clients_sign_in_counts_the_second_factor_as_passed(client, unit_staff):
    client.force_login(unit_staff)
    assert client.session[TWO_FACTOR_VERIFIED] == "test"
    assert client.get("/").status_code == 200


# --- sessions ------------------------------------------------------------------------------------------


def test_a_person_sees_their_sessions_and_signs_out_the_others(client, collaborator):
    with time_machine.travel(START, tick=False):
        phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (Android 14) Phone")
        sign_in(phone, collaborator, ip="10.0.0.7")
        sign_in(client, collaborator, ip="10.0.0.8")
        page = client.get(reverse("account_security"))
        html = page.content.decode()
        assert "Android 14" in html and "10.0.0.7" in html and "10.0.0.8" in html
        assert SignedInSession.objects.filter(user=collaborator).count() == 2
        response = client.post(reverse("sessions_sign_out"))
        assert response.status_code == 302
        assert phone.get("/")["Location"].startswith(reverse("login"))  # that session really ended
        assert client.get("/").status_code == 200  # this one goes on
    assert SignedInSession.objects.filter(user=collaborator).count() == 1
    assert AccountEvent.objects.filter(person=collaborator, kind=AccountEventKind.SESSIONS_ENDED).exists()


def test_signing_out_one_session_of_someone_else_changes_nothing(client, collaborator, other_collaborator):
    other = Client()
    sign_in(other, other_collaborator)
    theirs = SignedInSession.objects.get(user=other_collaborator)
    client.force_login(collaborator)
    client.post(reverse("sessions_sign_out"), {"session": theirs.pk})
    assert other.get("/").status_code == 200
    assert SignedInSession.objects.filter(pk=theirs.pk).exists()


def test_a_password_change_signs_out_every_other_session(client, collaborator):
    phone = Client()
    sign_in(phone, collaborator)
    sign_in(client, collaborator)
    new_password = "một-mật-khẩu-mới-2026"
    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert phone.get("/")["Location"].startswith(reverse("login"))
    assert AccountEvent.objects.filter(person=collaborator, kind=AccountEventKind.PASSWORD_CHANGED).exists()


def test_signing_out_removes_the_session_from_the_list(client, collaborator):
    sign_in(client, collaborator)
    assert SignedInSession.objects.filter(user=collaborator).count() == 1
    client.post(reverse("logout"))
    assert not SignedInSession.objects.filter(user=collaborator).exists()


def test_an_admin_without_a_unit_is_also_asked_for_the_second_factor(client):
    root = UserFactory(username="root", unit=None, role=Role.ADMIN, is_superuser=True, is_staff=True)
    sign_in(client, root)
    assert client.get("/admin/")["Location"].startswith(reverse("two_factor_enrol"))


def _untracked_session(user):
    """A session that no sign-in recorded (begun before the list existed, or by other means): a client
    carrying it, and its key."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from collaborators.services.security import CONSENT_CHECKED

    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store[TWO_FACTOR_VERIFIED] = "old"
    store[CONSENT_CHECKED] = settings.PERSONAL_DATA_CONSENT_VERSION
    store.create()
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    return other, store.session_key


def test_a_session_no_sign_in_recorded_is_listed_and_signed_out_too(client, collaborator):
    from django.contrib.sessions.models import Session

    old, key = _untracked_session(collaborator)
    sign_in(client, collaborator)
    assert not SignedInSession.objects.filter(session_key=key).exists()
    html = client.get(reverse("account_security")).content.decode()
    assert SignedInSession.objects.filter(user=collaborator).count() == 2 and html.count('data-testid="session"') >= 2
    client.post(reverse("sessions_sign_out"))
    assert not Session.objects.filter(session_key=key).exists()
    assert old.get("/")["Location"].startswith(reverse("login"))  # it really ended


def test_a_session_no_sign_in_recorded_joins_the_list_at_its_first_request(collaborator):
    old, key = _untracked_session(collaborator)
    assert old.get("/").status_code == 200
    assert SignedInSession.objects.get(session_key=key).user == collaborator


def test_a_password_reset_by_link_ends_every_session_recorded_or_not(client, collaborator):
    from django.contrib.auth.tokens import default_token_generator
    from django.contrib.sessions.models import Session
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    old, old_key = _untracked_session(collaborator)
    phone = Client()
    sign_in(phone, collaborator)
    phone_key = phone.session.session_key
    collaborator.refresh_from_db()  # the token reads the last sign-in
    uid = urlsafe_base64_encode(force_bytes(collaborator.pk))
    step = client.get(reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(collaborator)]))
    assert step.status_code == 302
    new_password = "một-mật-khẩu-mới-2026"
    done = client.post(step["Location"], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    assert not Session.objects.filter(session_key__in=[old_key, phone_key]).exists()
    assert not SignedInSession.objects.filter(user=collaborator).exists()
    assert phone.get("/")["Location"].startswith(reverse("login"))
    assert AccountEvent.objects.filter(person=collaborator, kind=AccountEventKind.PASSWORD_CHANGED).exists()
