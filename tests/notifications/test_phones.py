"""Phone numbers are verified by a one-time SMS code before SMS or Zalo use them."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from notifications.models import ContactSettings, PhoneVerification
from notifications.services.channels import verified_phone

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=HANOI)


def _code(provider):
    text = json.loads(provider.sent("/sms/messages")[-1]["body"])["text"]
    return text.rsplit(" ", 1)[-1]


@time_machine.travel(NOON, tick=False)
def test_the_code_sent_by_sms_verifies_the_roster_number(client, collaborator, provider):
    collaborator.phone = "+84 912 345 678"  # typed loosely on the roster: normalised before use
    collaborator.save(update_fields=["phone"])
    client.force_login(collaborator)
    assert "0912345678" in client.get(reverse("notifications:preferences")).content.decode()
    assert client.post(reverse("notifications:phone_code_send")).status_code == 302
    (request,) = provider.sent("/sms/messages")
    assert json.loads(request["body"])["to"] == "84912345678"
    code = _code(provider)
    assert len(code) == 6 and code not in PhoneVerification.objects.get().code_hash
    wrong = "000000" if code != "000000" else "111111"
    client.post(reverse("notifications:phone_code_verify"), {"code": wrong})
    assert not ContactSettings.objects.filter(user=collaborator, phone_verified_at__isnull=False).exists()
    assert PhoneVerification.objects.get().attempts == 1
    client.post(reverse("notifications:phone_code_verify"), {"code": code})
    contact = ContactSettings.objects.get(user=collaborator)
    assert contact.verified_phone == "0912345678" and contact.phone_verified_at == NOON
    collaborator.phone = "0912345678"
    assert verified_phone(collaborator) == "0912345678"
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'data-testid="phone-verified"' in page


def test_an_expired_code_does_not_verify(client, collaborator, provider):
    collaborator.phone = "0912345678"
    collaborator.save(update_fields=["phone"])
    with time_machine.travel(NOON, tick=False):
        client.force_login(collaborator)
        client.post(reverse("notifications:phone_code_send"))
    code = _code(provider)
    with time_machine.travel(NOON + timedelta(minutes=11), tick=False):
        client.post(reverse("notifications:phone_code_verify"), {"code": code})
    assert not ContactSettings.objects.filter(user=collaborator).exists()


@time_machine.travel(NOON, tick=False)
def test_five_wrong_tries_use_the_code_up(client, collaborator, provider):
    collaborator.phone = "0912345678"
    collaborator.save(update_fields=["phone"])
    client.force_login(collaborator)
    client.post(reverse("notifications:phone_code_send"))
    code = _code(provider)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post(reverse("notifications:phone_code_verify"), {"code": wrong})
    client.post(reverse("notifications:phone_code_verify"), {"code": code})
    assert not ContactSettings.objects.filter(user=collaborator).exists()


@time_machine.travel(NOON, tick=False)
def test_codes_are_not_sent_again_within_a_minute(client, collaborator, provider):
    collaborator.phone = "0912345678"
    collaborator.save(update_fields=["phone"])
    client.force_login(collaborator)
    client.post(reverse("notifications:phone_code_send"))
    client.post(reverse("notifications:phone_code_send"))
    assert len(provider.sent("/sms/messages")) == 1


@time_machine.travel(NOON, tick=False)
def test_no_code_without_a_number_or_without_sms(client, collaborator, settings):
    client.force_login(collaborator)
    collaborator.phone = ""
    collaborator.save(update_fields=["phone"])
    client.post(reverse("notifications:phone_code_send"))
    collaborator.phone = "0912345678"
    collaborator.save(update_fields=["phone"])
    settings.SMS_API_URL = ""
    client.post(reverse("notifications:phone_code_send"))
    assert not PhoneVerification.objects.exists()
