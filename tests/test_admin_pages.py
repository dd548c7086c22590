"""Every page of the Django admin opens for a superuser: the list, the add form, the change form, the
history and the delete confirmation of every registered model, with a row of each model present.

The registry is read at run time, so a model registered later is walked too. A page the admin refuses on
purpose (its ``has_*_permission`` says no even to a superuser: reports are never added or deleted there,
the export log is read-only) must answer 403, never fail.
"""

from datetime import timedelta

import pytest
from axes.models import AccessFailureLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, SolarSchedule
from simple_history.admin import SimpleHistoryAdmin

from collaborators.models import Role
from collaborators.services.security import two_factor_reset
from guidance.models import Receipt, RumourAlert
from guidance.services import guidance_acknowledge, rumour_alerts
from notifications.services import notify
from tests.clock import frozen_clock
from tests.factories import UserFactory
from tests.test_scope_walk import build_side

pytestmark = pytest.mark.django_db
_clock = frozen_clock()  # the tests build their dates from "now"


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", unit=None, role=Role.ADMIN, is_superuser=True, is_staff=True)


@pytest.fixture
def demo_rows(union, grassroots, collaborator, unit_staff, superuser, tmp_path, settings):
    """One row (at least) of every registered model, made as people and jobs make them."""
    settings.MEDIA_ROOT = tmp_path
    settings.REPORTING_PERIOD_START_DAY = 1
    admin_user = UserFactory(username="admin-a", unit=union, role=Role.ADMIN)
    side = build_side(
        unit=union, sub=grassroots, owner=collaborator, staff=unit_staff, admin_user=admin_user, marker="Ba Đình"
    )
    guidance_acknowledge(note=side.note, person=collaborator)
    settings.GUIDANCE_ALERT_SIGHTINGS = 0
    settings.GUIDANCE_ALERT_UNITS = 1
    assert rumour_alerts() == 1
    call_command("setup_periodic_tasks")  # periodic tasks with their interval and crontab schedules
    # The schedules no job of the project uses, as an administrator would add them in the admin.
    ClockedSchedule.objects.create(clocked_time=timezone.now() + timedelta(days=1))
    SolarSchedule.objects.create(event="sunrise", latitude="21.028511", longitude="105.804817")
    Group.objects.create(name="Văn phòng")
    comment = notify(recipient=superuser, about=side.report, kind="report_comment", subject="Bình luận mới", link="/")
    _outbox_rows(superuser, comment, union, side)
    people = Client()
    # A failed sign-in (an access attempt), then a good one (an access log).
    people.post(reverse("login"), {"username": collaborator.username, "password": "sai mật khẩu"})
    password = "mật-khẩu-đúng-2025"
    collaborator.set_password(password)
    collaborator.save()
    assert people.login(request=RequestFactory().get("/"), username=collaborator.username, password=password)
    # The failure log is off in the settings (the attempts are enough); a row as it would write one.
    AccessFailureLog.objects.create(username=collaborator.username, ip_address="127.0.0.1", path_info="/")
    people.force_login(unit_staff)
    assert people.get(reverse("reports:export", kwargs={"fmt": "csv"})).status_code == 200  # an export record
    # An export job of the roster (built: the admin lists every job, read-only).
    from collaborators.services.exports import export_job_build, export_job_request

    job, _created = export_job_request(actor=unit_staff, kind="people", parameters={})
    export_job_build(job.pk)
    # An administrator's reset of a second factor (an account event; the export above is in the read log).
    two_factor_reset(actor=superuser, person=unit_staff)
    assert Receipt.objects.exists() and RumourAlert.objects.exists()
    return side


def _outbox_rows(superuser, notification, unit, side):
    """The outbox's records (a delivery, a digest, a code sent, a paid-message count) and the superuser's own
    choices, phone, browser and follow (each listed to its person only)."""
    from follows.models import Subscription
    from notifications.models import (
        ContactSettings,
        Digest,
        PaidMessageTally,
        PhoneVerification,
        Preference,
        PushSubscription,
    )
    from notifications.services import notification_deliver

    notification_deliver(notification_id=notification.pk)  # its deliveries
    now = timezone.now()
    Digest.objects.create(user=superuser, cadence="daily", period_start=now.date(), items=1, sent_at=now)
    PhoneVerification.objects.create(
        user=superuser, phone="0912345678", code_hash="x", expires_at=now + timedelta(minutes=10)
    )
    PaidMessageTally.objects.create(unit=unit, month=now.date().replace(day=1), channel="sms", messages=3)
    Preference.objects.create(user=superuser, category="reminders", channels=["in_app", "email"], cadence="daily")
    ContactSettings.objects.create(user=superuser, verified_phone="0912345678", phone_verified_at=now)
    PushSubscription.objects.create(user=superuser, endpoint="https://push.example.org/a", p256dh="k", auth="a")
    Subscription.objects.create(user=superuser, kind="rumour", rumour=side.rumour)


def first_row(model_admin, request):
    """The first row the admin lists to this person (what the access rule hides from everyone, another
    person's notifications or drafts, stays hidden from superusers too)."""
    return model_admin.get_queryset(request).order_by("pk").first()


def admin_pages(request):
    """(model, view name, URL) of every page of every registered model, for its first row."""
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        row = first_row(model_admin, request)
        assert row is not None, f"no {meta.label} row to open its pages"
        name = f"admin:{meta.app_label}_{meta.model_name}"
        yield model, "changelist", reverse(f"{name}_changelist")
        yield model, "add", reverse(f"{name}_add")
        for view in ("change", "history", "delete"):
            yield model, view, reverse(f"{name}_{view}", args=[row.pk])
        if isinstance(model_admin, SimpleHistoryAdmin):
            past = row.history.order_by("history_id").first()
            if past is not None:
                try:
                    url = reverse(f"{name}_simple_history", args=[row.pk, past.history_id])
                except NoReverseMatch:
                    continue
                yield model, "past version", url


def refused_on_purpose(model, view, request) -> bool:
    """Whether the model's admin says no to this superuser for this view."""
    model_admin = admin.site._registry[model]
    row = first_row(model_admin, request)
    if view == "add":
        return not model_admin.has_add_permission(request)
    if view == "delete":
        return not model_admin.has_delete_permission(request, row)
    return False


def test_every_admin_page_of_every_registered_model_opens_for_a_superuser(client, demo_rows, superuser):
    client.force_login(superuser)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    failures = []
    walked = 0
    for model, view, url in admin_pages(request):
        response = client.get(url)
        walked += 1
        expected = 403 if refused_on_purpose(model, view, request) else 200
        if response.status_code != expected:
            failures.append(f"{model._meta.label} {view} ({url}): {response.status_code}, expected {expected}")
    assert not failures, "\n".join(failures)
    assert walked >= 5 * len(admin.site._registry)


def test_the_admin_lists_answer_a_search_and_every_filter_of_their_sidebar(client, demo_rows, superuser):
    """The list of each model with a search and with each of its sidebar filters' choices applied."""
    client.force_login(superuser)
    failures = []
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        page = client.get(url, {"q": "Ba Đình"} if model_admin.search_fields else {})
        if page.status_code != 200:
            failures.append(f"{model._meta.label} search: {page.status_code}")
            continue
        for spec in page.context["cl"].filter_specs:
            for choice in spec.choices(page.context["cl"]):
                query = choice["query_string"]
                answer = client.get(url + query)
                if answer.status_code != 200:
                    failures.append(f"{model._meta.label} filter {query}: {answer.status_code}")
    assert not failures, "\n".join(failures)
