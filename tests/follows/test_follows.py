"""Staff follow a topic, a focus policy, a unit or a rumour and are told of each event once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from follows.models import FollowEvent, FollowKind, Subscription
from follows.services import follows_check, rumour_verdict_told, subscription_add
from notifications.models import Notification
from reports.models import ReportKind, Topic, Verification
from reports.services import rumour_create, rumour_link, rumour_verify
from tests.factories import UserFactory
from tests.reports.conftest import make_report

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=HANOI)


def _told(user):
    return list(Notification.objects.filter(recipient=user, kind="subscription").values_list("subject", flat=True))


@time_machine.travel(NOW, tick=False)
def test_a_followed_rumour_tells_its_verdict_once(collaborator, unit_staff):
    report = make_report(collaborator, kind=ReportKind.RUMOUR, title="Tin đồn giải thể công ty")
    rumour = rumour_create(actor=unit_staff, title="Công ty X giải thể", report=report)
    subscription_add(actor=unit_staff, kind=FollowKind.RUMOUR, target_id=rumour.pk)
    rumour_verify(actor=unit_staff, rumour=rumour, verification=Verification.FALSE, note="Đã xác minh với công ty.")
    rumour.refresh_from_db()
    assert rumour_verdict_told(rumour=rumour) == 0  # the same verdict again: already told
    (subject,) = _told(unit_staff)
    assert "Công ty X giải thể" in subject


@time_machine.travel(NOW, tick=False)
def test_a_followed_rumour_tells_each_step_of_its_spreading_once(collaborator, grassroots, unit_staff, settings):
    settings.FOLLOW_SPREAD_STEPS = (3, 5)
    first = make_report(collaborator, kind=ReportKind.RUMOUR, title="Tin đồn")
    rumour = rumour_create(actor=unit_staff, title="Tin đồn cắt thưởng", report=first)
    subscription_add(actor=unit_staff, kind=FollowKind.RUMOUR, target_id=rumour.pk)
    for n in range(4):
        author = UserFactory(unit=grassroots)
        rumour_link(
            actor=unit_staff, report=make_report(author, kind=ReportKind.RUMOUR, title=f"Nghe {n}"), rumour=rumour
        )
    told = _told(unit_staff)
    assert len(told) == 2 and "(3 " in told[1] and "(5 " in told[0]


@time_machine.travel(NOW, tick=False)
def test_a_rising_topic_is_told_once_and_counted_in_the_followers_scope(collaborator, unit_staff, other_staff):
    topic = Topic.objects.order_by("order", "pk").first()
    for staff in (unit_staff, other_staff):
        subscription_add(actor=staff, kind=FollowKind.TOPIC, target_id=topic.pk)
    for n in range(5):
        with time_machine.travel(NOW - timedelta(days=n, hours=1), tick=False):
            make_report(collaborator, topic=topic, title=f"Ý kiến {n}")
    assert follows_check() == 1
    assert follows_check() == 0
    (subject,) = _told(unit_staff)
    assert topic.name in subject and "5" in subject
    assert _told(other_staff) == []  # none of those reports is in the other union


@time_machine.travel(NOW, tick=False)
def test_a_topic_that_does_not_double_is_not_rising(collaborator, unit_staff):
    topic = Topic.objects.order_by("order", "pk").first()
    subscription_add(actor=unit_staff, kind=FollowKind.TOPIC, target_id=topic.pk)
    for n in range(6):
        with time_machine.travel(NOW - timedelta(days=n * 2, hours=1), tick=False):
            make_report(collaborator, topic=topic, title=f"Ý kiến {n}")
    assert follows_check() == 0


def test_a_silent_unit_is_told_once_per_silence(collaborator, grassroots, unit_staff):
    with time_machine.travel(NOW - timedelta(days=20), tick=False):
        make_report(collaborator, title="Lần cuối")
    with time_machine.travel(NOW, tick=False):
        subscription_add(actor=unit_staff, kind=FollowKind.UNIT, target_id=grassroots.pk)
        assert follows_check() == 1
        assert follows_check() == 0
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        make_report(collaborator, title="Đã có tin")
        assert follows_check() == 0
    with time_machine.travel(NOW + timedelta(days=16), tick=False):
        assert follows_check() == 1
    assert len(_told(unit_staff)) == 2
    assert FollowEvent.objects.count() == 2


@time_machine.travel(NOW, tick=False)
def test_staff_follow_and_stop_following_on_their_page(client, unit_staff, grassroots, other_union):
    client.force_login(unit_staff)
    assert client.get(reverse("follows:list")).status_code == 200
    response = client.post(reverse("follows:list"), {"kind": "unit", "unit": grassroots.pk})
    assert response.status_code == 302
    subscription = Subscription.objects.get(user=unit_staff)
    assert subscription.unit == grassroots
    assert client.post(reverse("follows:list"), {"kind": "unit", "unit": grassroots.pk}).status_code == 302
    assert Subscription.objects.count() == 1  # following twice changes nothing
    # Another union's unit does not exist for them.
    assert client.post(reverse("follows:list"), {"kind": "unit", "unit": other_union.pk}).status_code == 404
    assert grassroots.name in client.get(reverse("follows:list")).content.decode()
    client.post(reverse("follows:remove"), {"follow": subscription.pk})
    assert not Subscription.objects.exists()


def test_collaborators_cannot_follow(client, collaborator):
    client.force_login(collaborator)
    assert client.get(reverse("follows:list")).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_nobody_stops_anothers_follow(client, unit_staff, other_staff, grassroots):
    subscription = subscription_add(actor=unit_staff, kind=FollowKind.UNIT, target_id=grassroots.pk)
    client.force_login(other_staff)
    assert client.post(reverse("follows:remove"), {"follow": subscription.pk}).status_code == 404
    assert Subscription.objects.count() == 1
