"""Demo guidance for `seed_demo`: published notes answering the most-sighted rumours, with reads and
acknowledgements, and one draft. Called after reports.demo.seed (settings.DEMO_SEEDERS).

Idempotent: when a note titled as the first demo note exists, nothing is added. Notes are written
through guidance_save (so bodies are sanitised), then marked published in the past directly: publishing
through the service would notify the whole demo network.
"""

import random
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from collaborators.models import Role, Unit, User
from reports.models import Report, ReportKind, ReportStatus, Rumour

from .models import GuidanceNote, NoteStatus, Receipt
from .services import guidance_save, targeted_collaborators

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
