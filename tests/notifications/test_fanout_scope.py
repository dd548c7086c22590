"""Fan-out never crosses scope: after cross-union events, every notification row names an object its
recipient can open, and no page that lists what reached a person (home, notifications, answers) shows
the title of something they cannot open.

Two unions (A and B) with collaborators and staff each, and the federation's staff above them, go
through the events that reach people in several units: reports sent, reviewed, escalated and
commented; a rumour sighted in both unions, linked and verified by the federation; guidance for
union A answering that rumour and questions from both unions; a request for opinion; a summary
issued; a training for union A modified and cancelled; the spreading-rumour alert.
"""

import math
import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from collaborators.models import Role, UnitKind, User
from guidance.models import GuidanceNote
from guidance.services import guidance_publish, guidance_save, rumour_alerts
from guidance.services.pulse import pulse_create, pulse_open, pulse_remind
from notifications.models import Notification
from notifications.services import UNION_ARMS, UnscopedNotification, notify, notify_many, readers_among
from reports.models import ReportKind, Topic, Verification
from reports.services import (
    report_accept,
    report_assign,
    report_comment,
    report_escalate,
    report_return,
    report_save,
    rumour_create,
    rumour_link,
    rumour_verify,
)
from summaries.models import ReportingPeriod
from summaries.services.summaries import (
    summary_approve,
    summary_compile,
    summary_edit,
    summary_issue,
    summary_schedule,
)
from tests.clock import frozen_clock
from tests.factories import UnitFactory, UserFactory
from trainings import services as trainings
from trainings.models import TrainingSession

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"


def _report(author, title, **fields):
    data = {
        "kind": ReportKind.OPINION,
        "topic": Topic.objects.order_by("order", "pk").first(),
        "title": title,
        "content": "Nội dung phản ánh đủ dài để gửi đi, có người, có việc, có nơi.",
    }
    data.update(fields)
    report, _changed = report_save(author=author, token=uuid.uuid4(), data=data, submit=True)
    return report


@pytest.fixture
def world(city, union, grassroots, other_union, collaborator, other_collaborator, unit_staff, other_staff):
    """Two unions, each with two collaborators and staff (union A also an admin), and the federation."""
    other_grassroots = UnitFactory(parent=other_union, kind=UnitKind.GRASSROOTS, name="Công đoàn cơ sở Chợ Hôm")
    people = {
        "collab_a": collaborator,
        "collab_a2": UserFactory(unit=union, role=Role.COLLABORATOR, full_name="Đỗ Văn An"),
        "collab_b": other_collaborator,
        "collab_b2": UserFactory(unit=other_grassroots, role=Role.COLLABORATOR, full_name="Ngô Thị Bích"),
        "staff_a": unit_staff,
        "staff_a2": UserFactory(unit=union, role=Role.STAFF, full_name="Trịnh Văn Cường"),
        "staff_b": other_staff,
        "city_staff": UserFactory(unit=city, role=Role.STAFF, full_name="Trần Văn Bình"),
        "city_admin": UserFactory(unit=city, role=Role.ADMIN, full_name="Nguyễn Thị Thu Hương"),
    }
    return {"city": city, "a": union, "b": other_union, "people": people}


def _run_cross_union_events(world, settings):
    """Every event that notifies people, run through the services as each role would."""
    p, union_a, union_b, city = world["people"], world["a"], world["b"], world["city"]
    titles = {}

    # Reports from both unions; one rapid report goes to its reviewers and the federation.
    sighting_a = _report(p["collab_a"], "Tin đồn A: cắt giảm nửa công nhân", kind=ReportKind.RUMOUR)
    sighting_b = _report(p["collab_b"], "Tin đồn B: cắt giảm nửa công nhân", kind=ReportKind.RUMOUR)
    question_a = _report(p["collab_a2"], "Câu hỏi A về lương tháng 13", kind=ReportKind.QUESTION)
    question_b = _report(p["collab_b2"], "Câu hỏi B về lương tháng 13", kind=ReportKind.QUESTION)
    rapid_a = _report(p["collab_a"], "Điểm nóng A: ngừng việc tập thể", kind=ReportKind.HOT_SPOT, urgent=True)
    opinion_b = _report(p["collab_b"], "Ý kiến B về nhà ở công nhân")
    for report in (sighting_a, sighting_b, question_a, question_b, rapid_a, opinion_b):
        titles[report.title] = report

    # Review in each union: return, accept, comment, assign, escalate to the federation.
    report_return(actor=p["staff_b"], report=opinion_b, reason="Cần bổ sung địa điểm")
    report_accept(actor=p["staff_a"], report=question_a)
    report_comment(actor=p["staff_a"], report=rapid_a, text="Đã chuyển lãnh đạo", internal=False)
    report_assign(actor=p["staff_a"], report=rapid_a, assignee=p["staff_a2"])
    report_escalate(actor=p["staff_a"], report=rapid_a, note="Vượt thẩm quyền phường")

    # A rumour sighted in both unions: the federation tracks, links and verifies it.
    rumour = rumour_create(actor=p["city_staff"], title="Tin đồn chung: công ty cắt giảm", report=sighting_a)
    rumour_link(actor=p["city_staff"], report=sighting_b, rumour=rumour)
    rumour_verify(actor=p["city_staff"], rumour=rumour, verification=Verification.FALSE, note="Đã xác minh với công ty")
    titles[rumour.title] = rumour
    # A rumour heard only in union A, tracked by its own staff.
    local = _report(p["collab_a2"], "Tin đồn riêng A về ca đêm", kind=ReportKind.RUMOUR)
    titles[local.title] = local
    local_rumour = rumour_create(actor=p["staff_a"], title="Tin đồn riêng phường A", report=local)
    titles[local_rumour.title] = local_rumour

    # Guidance for union A only, answering the shared rumour and the questions of both unions.
    note = guidance_save(
        author=p["city_admin"],
        data={
            "title": "Định hướng cho phường A về tin đồn cắt giảm",
            "body": "<p>Công ty không cắt giảm.</p>",
            "target_units": [union_a],
            "rumours": [rumour],
            "questions": [question_a, question_b],
        },
    )
    note = guidance_publish(actor=p["city_admin"], note=note)
    titles[note.title] = note
    local_note = guidance_save(
        author=p["staff_a"],
        data={
            "title": "Định hướng của phường A về ca đêm",
            "body": "<p>Không thay đổi ca.</p>",
            "target_units": [union_a],
            "rumours": [local_rumour],
        },
    )
    local_note = guidance_publish(actor=p["staff_a"], note=local_note)
    titles[local_note.title] = local_note

    # A request for opinion to union A, with its reminder.
    pulse = pulse_create(
        author=p["city_admin"],
        data={
            "question": "Công nhân phường A nghĩ gì về giờ làm thêm?",
            "details": "",
            "topic": Topic.objects.order_by("order", "pk").first(),
            "focus_policy": None,
            "target_units": [union_a],
            "mode": "all",
            "per_unit": None,
            "deadline": timezone.now() + timedelta(hours=10),
        },
    )
    pulse = pulse_open(actor=p["city_admin"], pulse=pulse)
    pulse_remind(now=timezone.now())
    titles[pulse.question] = pulse

    # A summary of union A, issued by its staff: A's other staff and the federation receive it.
    summary, _created = summary_schedule(scope=union_a, period=ReportingPeriod.objects.month_of(timezone.localdate()))
    assert summary_compile(summary_id=summary.pk)
    summary.refresh_from_db()
    summary = summary_edit(actor=p["staff_a"], summary=summary, sections={"outlook": "Tình hình ổn định."}, fields={})
    summary = summary_approve(actor=p["staff_a"], summary=summary)
    with transaction.atomic():
        summary_issue(actor=p["staff_a"], summary=summary, period_open_confirmed=True)

    # A training for union A: invitations, a registration, someone of union B added by the admin,
    # a change of venue, the cancellation.
    starts = (timezone.now() + timedelta(days=5)).replace(second=0, microsecond=0)
    session = trainings.session_create(
        actor=p["city_admin"],
        unit=city,
        target_units=[union_a],
        title="Tập huấn cho phường A",
        venue="Hội trường LĐLĐ",
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        capacity=10,
    )
    trainings.session_publish(actor=p["city_admin"], session=session)
    trainings.registration_register(session=session, person=p["collab_a"])
    trainings.registration_register(session=session, person=p["collab_b2"], actor=p["city_admin"])
    trainings.session_update(actor=p["city_admin"], session=session, venue="Nhà văn hóa phường A")
    trainings.session_cancel(actor=p["city_admin"], session=session, reason="Trùng lịch")
    titles[session.title] = session
    other_session = trainings.session_create(
        actor=p["city_admin"],
        unit=city,
        target_units=[union_b],
        title="Tập huấn riêng cho phường B",
        venue="Nhà văn hóa phường B",
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        capacity=10,
    )
    trainings.session_publish(actor=p["city_admin"], session=other_session)
    titles[other_session.title] = other_session

    # The spreading-rumour alert to the federation.
    settings.GUIDANCE_ALERT_SIGHTINGS = 1
    settings.GUIDANCE_ALERT_UNITS = 2
    assert rumour_alerts() == 1
    return titles


def _can_open(person, obj) -> bool:
    return type(obj)._default_manager.visible_to(person).filter(pk=obj.pk).exists()


def test_every_notification_of_the_cross_union_events_names_what_its_recipient_can_open(client, world, settings):
    titles = _run_cross_union_events(world, settings)
    rows = list(Notification.objects.filter(recipient__isnull=False).select_related("recipient"))
    assert len(rows) > 20
    kinds = {row.kind for row in rows}
    for kind in (
        "report_urgent",
        "report_returned",
        "report_accepted",
        "report_comment",
        "report_assigned",
        "report_escalated",
        "guidance",
        "guidance_answer",
        "pulse",
        "pulse_reminder",
        "summary_issued",
        "training_invitation",
        "training_cancelled",
        "guidance_alert",
    ):
        assert kind in kinds, kind
    for row in rows:
        assert row.about_model and row.about_id, (row.kind, row.subject)
        model = apps.get_model(row.about_model)
        assert model._default_manager.visible_to(row.recipient).filter(pk=row.about_id).exists(), (
            row.kind,
            row.recipient.full_name,
            row.subject,
        )
        # The link opens for the person it was sent to.
        client.force_login(row.recipient)
        assert client.get(row.link).status_code == 200, (row.kind, row.recipient.full_name, row.link)
        # And the subject names nothing they cannot open.
        for title, obj in titles.items():
            if title in row.subject or title in row.body:
                assert _can_open(row.recipient, obj), (row.kind, row.recipient.full_name, title)


def test_guidance_for_one_union_tells_only_that_unions_reporters(world, settings):
    _run_cross_union_events(world, settings)
    p = world["people"]
    answered = set(Notification.objects.filter(kind="guidance_answer").values_list("recipient__full_name", flat=True))
    # The sighting in union A and both questions of union A are answered; union B's reporters hear nothing.
    assert answered == {p["collab_a"].full_name, p["collab_a2"].full_name}
    for outsider in ("collab_b", "collab_b2", "staff_b"):
        assert not Notification.objects.filter(recipient=p[outsider], kind__startswith="guidance").exists()
    # Each training invited only people under its own target units.
    invitations = Notification.objects.filter(kind="training_invitation").select_related("recipient__unit")
    assert invitations.exists()
    for row in invitations:
        session = TrainingSession.objects.get(pk=row.about_id)
        targets = [u.path for u in session.target_units.all()]
        assert any(row.recipient.unit.path.startswith(path) for path in targets), (session.title, row.recipient)


def test_no_page_listing_what_reached_a_person_shows_a_title_they_cannot_open(client, world, settings):
    titles = _run_cross_union_events(world, settings)
    for person in world["people"].values():
        client.force_login(person)
        pages = {url: client.get(url) for url in ("/", reverse("notifications:list"))}
        if person.role == Role.COLLABORATOR:
            pages[reverse("guidance:answers")] = client.get(reverse("guidance:answers"))
        for url, response in pages.items():
            assert response.status_code == 200, (url, person.full_name)
            html = response.content.decode()
            for title, obj in titles.items():
                if title in html:
                    assert _can_open(person, obj), (url, person.full_name, title)


def test_the_answers_page_lists_only_notes_the_reporter_can_open(client, world, settings):
    _run_cross_union_events(world, settings)
    p = world["people"]
    client.force_login(p["collab_a"])
    assert "Định hướng cho phường A về tin đồn cắt giảm" in client.get(reverse("guidance:answers")).content.decode()
    # collab_b's sighting is answered by a note for union A only: nothing shows for them.
    client.force_login(p["collab_b"])
    html = client.get(reverse("guidance:answers")).content.decode()
    assert "Định hướng cho phường A" not in html
    assert "Tin đồn B: cắt giảm nửa công nhân" not in html


def test_a_link_without_its_object_is_refused(collaborator):
    with pytest.raises(UnscopedNotification):
        notify(recipient=collaborator, kind="test", subject="Có liên kết", link="/reports/1/")
    assert not Notification.objects.exists()


def test_recipients_who_cannot_open_the_object_get_nothing(collaborator, other_collaborator, unit_staff, other_staff):
    report = _report(collaborator, "Báo cáo của phường A")
    sent = notify_many(
        recipients=[collaborator, other_collaborator, unit_staff, other_staff],
        about=report,
        kind="test",
        subject=report.title,
        link=f"/reports/{report.pk}/",
    )
    assert {n.recipient for n in sent} == {collaborator, unit_staff}
    assert set(Notification.objects.values_list("recipient", flat=True)) == {collaborator.pk, unit_staff.pk}


def test_a_notification_disappears_when_its_reader_can_no_longer_open_its_object(client, collaborator, other_union):
    report = _report(collaborator, "Báo cáo trước khi chuyển đơn vị")
    staff = UserFactory(unit=collaborator.unit, role=Role.STAFF)
    notification = notify(
        recipient=staff, about=report, kind="test", subject=report.title, link=f"/reports/{report.pk}/"
    )
    client.force_login(staff)
    assert report.title in client.get(reverse("notifications:list")).content.decode()
    staff.unit = other_union
    staff.save()
    html = client.get(reverse("notifications:list")).content.decode()
    assert report.title not in html
    assert report.title not in client.get("/").content.decode()
    assert client.post(reverse("notifications:open", args=[notification.pk])).status_code == 404


@pytest.mark.parametrize("count", [10, 1000])
def test_notifying_many_people_takes_a_few_queries_not_one_per_person(
    count, union, grassroots, unit_staff, django_assert_max_num_queries
):
    note = guidance_save(
        author=unit_staff,
        data={"title": "Định hướng cho cả phường", "body": "<p>Nội dung</p>", "target_units": [union]},
    )
    GuidanceNote.objects.filter(pk=note.pk).update(status="published", published_at=timezone.now())
    people = User.objects.bulk_create(
        [
            User(username=f"many{i}", full_name=f"Người {i}", unit=grassroots, role=Role.COLLABORATOR)
            for i in range(count)
        ]
    )
    # A savepoint and its release, the people, one UNION per UNION_ARMS people, the inserts (in batches).
    inserts = math.ceil(count / 50)
    with django_assert_max_num_queries(3 + math.ceil(count / UNION_ARMS) + inserts):
        sent = notify_many(recipients=people, about=note, kind="guidance", subject=note.title, link="/guidance/")
    assert len(sent) == count
    assert len(readers_among(note, [p.pk for p in people[:5]] + [unit_staff.pk])) == 6


def test_no_email_goes_out_about_what_the_recipient_can_no_longer_open(
    collaborator, other_union, django_capture_on_commit_callbacks
):
    from django.core import mail

    from notifications.services import notification_deliver

    report = _report(collaborator, "Báo cáo gửi trước khi chuyển đơn vị")
    staff = UserFactory(unit=collaborator.unit, role=Role.STAFF)
    with django_capture_on_commit_callbacks(execute=False):
        notification = notify(
            recipient=staff, about=report, kind="test", subject=report.title, link=f"/reports/{report.pk}/"
        )
    staff.unit = other_union
    staff.save()
    mail.outbox.clear()
    assert notification_deliver(notification_id=notification.pk)
    assert mail.outbox == []


def test_rows_written_before_notifications_named_their_objects_get_them_from_their_links(collaborator):
    import importlib

    from django.apps import apps as global_apps

    migration = importlib.import_module("notifications.migrations.0004_notification_about_from_link")
    report = _report(collaborator, "Báo cáo cũ")
    old = {
        f"/reports/{report.pk}/": ("reports.report", report.pk),
        "/reports/rumours/5/": ("reports.rumour", 5),
        "/guidance/6/": ("guidance.guidancenote", 6),
        "/reports/new/?request=7": ("guidance.pulserequest", 7),
        "/trainings/8/": ("trainings.trainingsession", 8),
        "/summaries/9/": ("summaries.summary", 9),
        "/reports/new/": ("collaborators.user", collaborator.pk),
        "/somewhere/else/": ("", None),
    }
    for link in old:
        Notification.objects.create(recipient=collaborator, kind="old", subject=link, link=link)
    migration.name_objects(global_apps, None)
    for link, expected in old.items():
        row = Notification.objects.get(link=link)
        assert (row.about_model, row.about_id) == expected, link
    # The one still naming nothing is hidden; the report the author can open still shows.
    from notifications.selectors import notifications_for

    shown = set(notifications_for(collaborator).values_list("link", flat=True))
    assert "/somewhere/else/" not in shown
    assert f"/reports/{report.pk}/" in shown and "/reports/new/" in shown


def test_only_the_outbox_service_writes_notification_rows():
    """Every notification goes through notifications.services, where its recipients are checked."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writes = re.compile(r"(?<!class )\bNotification\(|Notification\.objects\.(create|bulk_create|\w+_or_create)")
    offenders = []
    for path in root.glob("*/**/*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/")) or "/migrations/" in relative:
            continue
        if relative == "notifications/services/__init__.py":
            continue
        if writes.search(path.read_text(encoding="utf-8")):
            offenders.append(relative)
    assert offenders == []
