"""Demo guidance for `seed_demo`: published notes answering the most-sighted rumours, with reads and
acknowledgements, and one draft. Called after reports.demo.seed (settings.DEMO_SEEDERS).

Idempotent: when a note titled as the first demo note exists, nothing is added. Notes are written
through guidance_save (so bodies are sanitised), then marked published in the past directly: publishing
through the service would notify the whole demo network.

Also a closed request for opinion on a focus policy, asked of a sample of collaborators in a few unions,
answered by about two in three of them with linked reports (idempotent on its question; nobody notified).
"""

import random
import uuid
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from collaborators.models import Role, Unit, User
from guidance.models import GuidanceNote, NoteStatus, PulseMode, PulseRecipient, PulseRequest, PulseStatus, Receipt
from guidance.services import guidance_save, targeted_collaborators
from guidance.services.pulse import choose_recipients, pulse_answer_record, pulse_create
from reports.models import Breadth, Direction, FocusPolicy, Report, ReportKind, ReportStatus, Rumour, Topic
from reports.services import report_save

NOTES = [
    (
        "Thông tin chính thức về tin đồn cắt giảm công nhân",
        "<p>Liên đoàn Lao động thành phố đã làm việc với doanh nghiệp: <strong>không có kế hoạch cắt giảm"
        " một nửa công nhân</strong>.</p><ul><li>Đề nghị cộng tác viên trao đổi lại với người lao động.</li>"
        "<li>Mọi thắc mắc gửi về công đoàn cơ sở.</li></ul>",
    ),
    (
        "Định hướng tuyên truyền về việc sắp xếp tổ chức bộ máy",
        "<p>Việc sắp xếp thực hiện theo Nghị quyết 18; quyền lợi của đoàn viên được bảo đảm.</p>"
        "<p>Cộng tác viên <em>giải thích rõ</em> lộ trình và kênh tiếp nhận ý kiến.</p>",
    ),
]


def seed() -> str:
    return f"{_seed_notes()} {_seed_pulse()}"


def _seed_notes() -> str:
    if GuidanceNote.objects.filter(title=NOTES[0][0]).exists():
        return "Guidance: demo notes already present, nothing added."
    root = Unit.objects.filter(depth=1).order_by("path").first()
    author = (
        User.objects.filter(is_active=True, role__in=[Role.STAFF, Role.ADMIN], unit=root).order_by("pk").first()
        if root
        else None
    )
    if author is None:
        return "Guidance: no federation staff; nothing added."
    rng = random.Random(2026)
    rumours = list(Rumour.objects.filter(sighting_count__gt=0).order_by("-sighting_count", "pk")[: len(NOTES)])
    questions = list(Report.objects.filter(kind=ReportKind.QUESTION, status=ReportStatus.ACCEPTED).order_by("-pk")[:3])
    now = timezone.now()
    receipts = 0
    for i, (title, body) in enumerate(NOTES):
        rumour = rumours[i] if i < len(rumours) else None
        note = guidance_save(
            author=author,
            data={
                "title": title,
                "body": body,
                "links": "https://www.congdoan.vn/",
                "topic": rumour.topic if rumour else None,
                "target_units": [root],
                "rumours": [rumour] if rumour else [],
                "questions": questions if i == 0 else [],
            },
        )
        published = (rumour.last_seen_at if rumour and rumour.last_seen_at else now) - timedelta(days=3 + 4 * i)
        published = min(published, now - timedelta(days=1))
        GuidanceNote.objects.filter(pk=note.pk).update(status=NoteStatus.PUBLISHED, published_at=published)
        rows = []
        for person in targeted_collaborators(note).order_by("pk"):
            roll = rng.random()
            if roll < 0.25:
                continue
            read = published + timedelta(hours=rng.randint(1, 72))
            rows.append(Receipt(note=note, person=person, read_at=read, acknowledged_at=read if roll > 0.45 else None))
        Receipt.objects.bulk_create(rows, ignore_conflicts=True)
        receipts += len(rows)
    guidance_save(
        author=author,
        data={
            "title": "Bản nháp: hướng dẫn về điều chỉnh lương tối thiểu vùng",
            "body": "<p>Đang chờ văn bản chính thức.</p>",
            "target_units": [root],
        },
    )
    answered = Rumour.objects.filter(guidance_notes__status=NoteStatus.PUBLISHED).aggregate(
        n=Count("pk", distinct=True)
    )
    return f"Guidance: {len(NOTES)} published notes, 1 draft, {receipts} receipts, {answered['n']} rumours answered."


PULSE_QUESTION = "Công nhân, viên chức, lao động nghĩ gì về việc sắp xếp, tinh gọn bộ máy theo Nghị quyết 18?"
PULSE_NAMESPACE = uuid.UUID("0b7f3c52-93d4-5e1a-8f6b-2c4d9e7a1f30")  # demo answers: uuid5(NAMESPACE, "pulse-<person>")
PULSE_ANSWERS = [
    (Direction.POSITIVE, "Đồng tình với chủ trương tinh gọn bộ máy", "Đa số cho rằng bộ máy gọn sẽ phục vụ tốt hơn."),
    (
        Direction.NEUTRAL,
        "Băn khoăn về chế độ khi sắp xếp",
        "Nhiều người chưa rõ chế độ, chính sách đối với người dôi dư.",
    ),
    (
        Direction.NEGATIVE,
        "Lo lắng về việc làm sau sắp xếp",
        "Một số ý kiến lo mất việc làm, đề nghị công khai lộ trình.",
    ),
    (
        Direction.MIXED,
        "Ý kiến trái chiều về thời gian thực hiện",
        "Có ý kiến ủng hộ làm nhanh, có ý kiến đề nghị làm từng bước.",
    ),
]


def _seed_pulse() -> str:
    if PulseRequest.objects.filter(question=PULSE_QUESTION).exists():
        return "Request for opinion: already present, nothing added."
    root = Unit.objects.filter(depth=1).order_by("path").first()
    author = (
        User.objects.filter(is_active=True, role__in=[Role.STAFF, Role.ADMIN], unit=root).order_by("pk").first()
        if root
        else None
    )
    if author is None:
        return "Request for opinion: no federation staff; nothing added."
    # A few unions with collaborators, the demo's `unitstaff` union first when it has any.
    unions = []
    for union in Unit.objects.filter(depth=2, valid_to__isnull=True).order_by("path"):
        if User.objects.filter(role=Role.COLLABORATOR, is_active=True, unit__path__startswith=union.path).exists():
            unions.append(union)
        if len(unions) == 4:
            break
    if not unions:
        return "Request for opinion: no collaborators; nothing added."
    policy = FocusPolicy.objects.filter(code__icontains="18").first() or FocusPolicy.objects.first()
    topic = Topic.objects.order_by("order", "pk").first()
    pulse = pulse_create(
        author=author,
        data={
            "question": PULSE_QUESTION,
            "details": "Đề nghị cộng tác viên nắm bắt tâm trạng, ý kiến của đoàn viên, người lao động trước giao ban.",
            "topic": (policy.topic if policy and policy.topic else topic),
            "focus_policy": policy,
            "target_units": unions,
            "mode": PulseMode.SAMPLE,
            "per_unit": 3,
            "deadline": timezone.now() + timedelta(days=1),
        },
    )
    pulse.seed = 2026
    pulse.save(update_fields=["seed"])
    people = choose_recipients(pulse)
    now = timezone.now()
    # Opened directly (pulse_open would notify the demo network), then answered through the service.
    PulseRecipient.objects.bulk_create([PulseRecipient(pulse=pulse, person=p, unit_id=p.unit_id) for p in people])
    PulseRequest.objects.filter(pk=pulse.pk).update(status=PulseStatus.OPEN, opened_at=now - timedelta(days=8))
    rng = random.Random(18)  # noqa: S311 - demo data
    answered = 0
    for person in people:
        if rng.random() > 0.65:
            continue
        direction, title, content = PULSE_ANSWERS[rng.randrange(len(PULSE_ANSWERS))]
        report, _changed = report_save(
            author=person,
            token=uuid.uuid5(PULSE_NAMESPACE, f"pulse-{person.pk}"),
            data={
                "kind": ReportKind.OPINION,
                "topic": pulse.topic,
                "focus_policy": policy,
                "title": title,
                "content": content,
                "direction": direction,
                "breadth": Breadth.MANY,
            },
            submit=True,
        )
        pulse_answer_record(report=report, person=person, pulse_id=pulse.pk)
        answered += 1
    PulseRequest.objects.filter(pk=pulse.pk).update(
        status=PulseStatus.CLOSED, deadline=now - timedelta(days=1), closed_at=now - timedelta(days=1)
    )
    return f"Request for opinion: 1 closed, {len(people)} asked, {answered} answered."
