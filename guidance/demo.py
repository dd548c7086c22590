"""Demo guidance for `seed_demo`: published notes answering the most-sighted rumours, with reads and
acknowledgements, and one draft. Called after reports.demo.seed (settings.DEMO_SEEDERS).

Idempotent: when a note titled as the first demo note exists, nothing is added. Notes are written
through guidance_save, then marked published in the past directly: publishing through the service would
notify the whole demo network. Each note answers the rumour it speaks of, and the questions on its topic.

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

# Each note answers the rumour it names (a title of reports.demo.RUMOURS) and says what the rumour's
# verification found. The bodies are Markdown, as staff type them.
NOTES = [
    (
        "Thông tin chính thức về tin đồn doanh nghiệp cắt giảm 30% lao động",
        "Tin đồn Công ty May mặc Quang Minh sắp cắt giảm 30% lao động",
        None,
        """Liên đoàn Lao động thành phố đã làm việc với doanh nghiệp và công đoàn cơ sở. **Doanh nghiệp không có \
kế hoạch cắt giảm 30% lao động**: cuối năm chỉ không tái ký khoảng 120 hợp đồng thời vụ đã hết hạn.

Đề nghị cộng tác viên:

- trao đổi lại với người lao động tại các ca làm việc, nói rõ số hợp đồng thời vụ và thời điểm hết hạn;
- ghi nhận những trường hợp người lao động được thông báo khác với nội dung trên và báo cáo ngay;
- hướng dẫn người hết hợp đồng làm thủ tục hưởng bảo hiểm thất nghiệp tại công đoàn cơ sở.

Mọi thắc mắc gửi về công đoàn cơ sở hoặc Ban Quan hệ lao động, Liên đoàn Lao động thành phố.""",
    ),
    (
        "Cảnh báo: mạo danh công đoàn thu tiền tuyển lao động đi Hàn Quốc",
        "Tin đồn công đoàn thu tiền tuyển lao động đi Hàn Quốc",
        None,
        """Thời gian qua có đối tượng **mạo danh tổ chức Công đoàn** thu tiền "đặt cọc" để tuyển người đi làm \
việc tại Hàn Quốc. Công đoàn **không tuyển dụng** và không thu bất kỳ khoản tiền nào để đưa người lao động \
đi làm việc ở nước ngoài; vụ việc đã được báo cơ quan công an.

Đề nghị cộng tác viên thông tin rộng rãi tới đoàn viên, người lao động:

1. Chương trình đưa lao động sang Hàn Quốc theo hình thức EPS chỉ do Trung tâm Lao động ngoài nước (Bộ Nội \
vụ) thực hiện, xem tại https://colab.gov.vn.
2. Không chuyển tiền, không nộp giấy tờ tùy thân cho người tự xưng là cán bộ công đoàn.
3. Khi được mời chào, báo ngay cho công đoàn cơ sở và ghi lại tên, số điện thoại của người mời chào.""",
    ),
    (
        "Định hướng tuyên truyền về sắp xếp tổ chức bộ máy và chế độ đối với cán bộ dôi dư",
        "Tin đồn cán bộ dôi dư sau sáp nhập phường bị cắt toàn bộ phụ cấp",
        "nq18-sap-xep-bo-may",
        """Việc sắp xếp tổ chức bộ máy thực hiện theo Nghị quyết số 18-NQ/TW; quyền lợi của cán bộ, công chức, \
viên chức, người lao động được bảo đảm theo *Nghị định 178/2024/NĐ-CP*.

Thông tin "cán bộ dôi dư bị cắt toàn bộ phụ cấp" là **không đúng**:

- người tiếp tục công tác được giữ phụ cấp chức vụ trong 6 tháng;
- người nghỉ được hưởng trợ cấp, chính sách theo Nghị định 178.

Đề nghị cộng tác viên giải thích rõ lộ trình và kênh tiếp nhận ý kiến, kịp thời phản ánh những băn khoăn \
của đoàn viên về việc bố trí công việc sau sắp xếp.""",
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
    now = timezone.now()
    receipts = 0
    for title, rumour_title, policy_code, body in NOTES:
        rumour = Rumour.objects.filter(title=rumour_title).first()
        policy = FocusPolicy.objects.filter(code=policy_code).first() if policy_code else None
        topic = rumour.topic if rumour else (policy.topic if policy else None)
        # The questions the note answers are those on its topic (a few, most recent first).
        asked = Report.objects.filter(kind=ReportKind.QUESTION, status=ReportStatus.ACCEPTED, topic=topic)
        questions = list(asked.order_by("-pk")[:3]) if topic else []
        note = guidance_save(
            author=author,
            data={
                "title": title,
                "body": body,
                "links": "https://www.congdoan.vn/\nhttps://congdoanhanoi.org.vn/",
                "topic": topic,
                "focus_policy": policy,
                "target_units": [root],
                "rumours": [rumour] if rumour else [],
                "questions": questions,
            },
        )
        # Published a few days after the rumour was first heard, while it was still being heard.
        published = now - timedelta(days=5)
        if rumour and rumour.first_seen_at:
            published = max(rumour.first_seen_at + timedelta(days=2), (rumour.last_seen_at or now) - timedelta(days=6))
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
            "title": "Hướng dẫn giải thích mức lương tối thiểu vùng áp dụng từ 01/01/2026",
            "body": "Đang chờ văn bản hướng dẫn của Bộ Nội vụ; sẽ bổ sung mức lương từng vùng và ví dụ cách tính.",
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
