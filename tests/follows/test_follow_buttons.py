"""Staff follow and stop following from the pages where they read what they follow: a rumour, a unit, the
dashboard narrowed to a topic or a focus policy. Collaborators see no button. A focus policy rising is told
once, like a topic."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from follows.models import FollowKind, Subscription
from follows.services import follows_check, subscription_add
from notifications.models import Notification
from reports.models import FocusPolicy, ReportKind, Topic
from reports.services import rumour_create
from tests.reports.conftest import make_report

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=HANOI)


@pytest.fixture
def policy(db):
    return FocusPolicy.objects.create(code="luong-toi-thieu", name="Lương tối thiểu vùng 2027")


@pytest.fixture
def rumour(collaborator, unit_staff):
    with time_machine.travel(NOW, tick=False):
        report = make_report(collaborator, kind=ReportKind.RUMOUR, title="Tin đồn giải thể")
        return rumour_create(actor=unit_staff, title="Công ty X giải thể", report=report)


def _pages(rumour, grassroots, policy):
    topic = Topic.objects.order_by("order", "pk").first()
    return [
        ("rumour", rumour, reverse("reports:rumour_detail", args=[rumour.pk])),
        ("unit", grassroots, reverse("roster:unit_detail", args=[grassroots.pk])),
        ("topic", topic, reverse("dashboard:dashboard") + f"?topic={topic.pk}"),
        ("focus_policy", policy, reverse("dashboard:dashboard") + f"?policy={policy.pk}"),
    ]


@time_machine.travel(NOW, tick=False)
def test_staff_follow_and_stop_following_from_each_page_and_come_back_to_it(
    client, unit_staff, rumour, grassroots, policy
):
    client.force_login(unit_staff)
    for kind, target, url in _pages(rumour, grassroots, policy):
        page = client.get(url).content.decode()
        assert 'data-testid="follow-button"' in page and 'data-testid="unfollow-button"' not in page, kind
        response = client.post(reverse("follows:list"), {"kind": kind, kind: target.pk, "next": url})
        assert response.status_code == 302 and response.url == url, kind
        subscription = Subscription.objects.get(user=unit_staff, kind=kind)
        assert subscription.target == target
        page = client.get(url).content.decode()
        assert 'data-testid="unfollow-button"' in page and 'data-testid="follow-button"' not in page, kind
        response = client.post(reverse("follows:remove"), {"follow": subscription.pk, "next": url})
        assert response.status_code == 302 and response.url == url, kind
        assert not Subscription.objects.filter(user=unit_staff, kind=kind).exists()
    # The list of what the person follows shows what the buttons started.
    subscription_add(actor=unit_staff, kind=FollowKind.RUMOUR, target_id=rumour.pk)
    assert "Công ty X giải thể" in client.get(reverse("follows:list")).content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_button_never_sends_elsewhere(client, unit_staff, grassroots):
    client.force_login(unit_staff)
    response = client.post(
        reverse("follows:list"), {"kind": "unit", "unit": grassroots.pk, "next": "https://evil.example.org/"}
    )
    assert response.url == reverse("follows:list")
    for odd in ("//evil.example.org/", "1000000000000000000000000000000", "follows:list", "javascript:alert(1)"):
        response = client.post(reverse("follows:list"), {"kind": "unit", "unit": grassroots.pk, "next": odd})
        assert response.status_code == 302 and response.url == reverse("follows:list"), odd


@time_machine.travel(NOW, tick=False)
def test_collaborators_see_no_follow_button(client, collaborator, rumour):
    client.force_login(collaborator)
    page = client.get(reverse("reports:rumour_detail", args=[rumour.pk]))
    assert page.status_code == 200
    assert "follow-button" not in page.content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_rising_focus_policy_is_told_once(collaborator, unit_staff, policy):
    subscription_add(actor=unit_staff, kind=FollowKind.FOCUS_POLICY, target_id=policy.pk)
    for n in range(5):
        with time_machine.travel(NOW - timedelta(days=n, hours=1), tick=False):
            make_report(collaborator, focus_policy=policy, title=f"Về lương tối thiểu {n}")
    assert follows_check() == 1
    assert follows_check() == 0
    (subject,) = Notification.objects.filter(recipient=unit_staff, kind="subscription").values_list(
        "subject", flat=True
    )
    assert policy.name in subject
