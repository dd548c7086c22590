"""Demo trainings for `seed_demo`: past sessions with attendance and feedback, upcoming ones with registrations.

Idempotent: sessions are found by title. Registrations are written directly (not through
the services) so that seeding sends no invitations and past sessions can be filled in.
"""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from collaborators.models import Role, Unit, User
from collaborators.services.people import training_attendance_record
from trainings.models import Material, Registration, RegistrationStatus, SessionStatus, TrainingSession

COMMENTS = [
    "Nội dung thiết thực, giúp tôi phân biệt rõ hơn giữa dư luận và tin đồn.",
    "Mong có thêm tình huống thực tế ở doanh nghiệp trong khu công nghiệp.",
    "Báo cáo viên trình bày dễ hiểu, tài liệu đầy đủ.",
    "Thời lượng hơi ngắn, đề nghị tổ chức thêm buổi thực hành viết báo cáo nhanh.",
    "Phần thông tin thời sự rất bổ ích cho công tác tuyên truyền miệng.",
    "",
    "",
]

SESSIONS = [
    {
        "key": "feb-2025",
        "title": "Tập huấn nghiệp vụ cộng tác viên dư luận xã hội năm 2025",
        "programme": (
            "1. Vai trò của dư luận xã hội và công tác nắm bắt dư luận trong CNVCLĐ.\n"
            "2. Phân biệt dư luận xã hội với tin đồn; nhận diện tin giả, tin xấu độc.\n"
            "3. Kỹ năng nắm bắt, phản ánh và định hướng dư luận xã hội.\n"
            "4. Thông tin thời sự, những vấn đề nóng được CNVCLĐ quan tâm."
        ),
        "speakers": "Ban Tuyên giáo LĐLĐ thành phố; báo cáo viên Ban Tuyên giáo Thành ủy",
        "venue": "Hội trường tầng 3, trụ sở LĐLĐ thành phố Hà Nội, 29 Hàng Bài",
        "start": (2025, 2, 18, 8, 0),
        "hours": 8,
        "capacity": 300,
        "people": 60,
    },
    {
        "key": "rumour-skills",
        "title": "Kỹ năng nhận diện tin đồn và phản ánh nhanh vụ việc phức tạp",
        "programme": "Thực hành viết báo cáo nhanh; tình huống ngừng việc tập thể; xác minh tin đồn về nợ lương, BHXH.",
        "speakers": "ThS. Nguyễn Thu Hà, Trường Đại học Công đoàn",
        "venue": "Nhà văn hóa công nhân KCN Thăng Long, Đông Anh",
        "days_from_now": -75,
        "hours": 4,
        "capacity": 80,
        "people": 25,
    },
    {
        "key": "orient-2025",
        "title": "Bồi dưỡng kỹ năng định hướng dư luận trong CNVCLĐ trước Đại hội Công đoàn",
        "programme": "Định hướng thông tin về sắp xếp bộ máy theo Nghị quyết 18; trả lời thắc mắc của đoàn viên.",
        "speakers": "Ban Tuyên giáo LĐLĐ thành phố",
        "venue": "Hội trường LĐLĐ thành phố Hà Nội",
        "days_from_now": 9,
        "hours": 4,
        "capacity": 120,
        "people": 35,
    },
    {
        "key": "hot-topics",
        "title": "Thông tin thời sự: chính sách mới về tiền lương, BHXH và những vấn đề CNVCLĐ quan tâm",
        "programme": "Chính sách tiền lương, Luật BHXH 2024 có hiệu lực từ 01/7/2025; giải đáp thắc mắc.",
        "speakers": "Báo cáo viên LĐLĐ thành phố",
        "venue": "",
        "online_link": "https://meet.congdoanhanoi.vn/thoi-su-2025",
        "days_from_now": 2,
        "hours": 3,
        "capacity": 12,
        "people": 15,
    },
    {
        "key": "fake-news",
        "title": "Tập huấn phòng, chống tin giả, tin xấu độc trên mạng xã hội",
        "programme": "Nhận diện luận điệu xuyên tạc; quy trình phản ánh; phối hợp với cơ quan chức năng.",
        "speakers": "Phòng An ninh chính trị nội bộ, Công an thành phố (dự kiến)",
        "venue": "Trung tâm Văn hóa Lao động Hà Nội",
        "days_from_now": 30,
        "hours": 8,
        "capacity": 200,
        "people": 0,
        "draft": True,
    },
]


def _local(dt_tuple):
    return timezone.make_aware(datetime(*dt_tuple))


def seed() -> str:
    admin = User.objects.filter(username="admin").first()
    city = Unit.objects.filter(code="LDLD-HN").first()
    if admin is None or city is None:
        return "Trainings: skipped (run the roster seed first)."
    rng = random.Random(5)
    today = timezone.localdate()
    demo_people = list(User.objects.filter(username__in=["collab1", "collab2"]).order_by("username"))
    roster = list(
        User.objects.filter(role=Role.COLLABORATOR, is_active=True, username__startswith="ctv-").order_by("pk")[:400]
    )
    created = 0
    for spec in SESSIONS:
        if TrainingSession.objects.filter(title=spec["title"]).exists():
            continue
        if "start" in spec:
            starts_at = _local(spec["start"])
        else:
            day = today + timedelta(days=spec["days_from_now"])
            starts_at = timezone.make_aware(datetime.combine(day, time(8, 0)))
        ends_at = starts_at + timedelta(hours=spec["hours"])
        past = ends_at < timezone.now()
        session = TrainingSession.objects.create(
            unit=city,
            title=spec["title"],
            programme=spec["programme"],
            speakers=spec["speakers"],
            venue=spec["venue"],
            online_link=spec.get("online_link", ""),
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=spec["capacity"],
            registration_deadline=starts_at - timedelta(days=1),
            status=SessionStatus.DRAFT
            if spec.get("draft")
            else (SessionStatus.COMPLETED if past else SessionStatus.PUBLISHED),
            published_at=None if spec.get("draft") else starts_at - timedelta(days=14),
            completed_at=ends_at if past else None,
            created_by=admin,
        )
        session.target_units.set([city])
        created += 1
        if spec.get("draft"):
            continue
        Material.objects.create(
            session=session,
            title="Tài liệu tập huấn (bản điện tử)",
            url="https://congdoanhanoi.vn/tai-lieu/tap-huan-ctv-dlxh",
            created_by=admin,
        )
        people = demo_people + rng.sample(roster, min(spec["people"], len(roster)))
        seats = spec["capacity"]
        for index, person in enumerate(people):
            queued_at = session.published_at + timedelta(hours=index)
            if past:
                attended = person in demo_people or rng.random() < 0.85
                status = RegistrationStatus.ATTENDED if attended else RegistrationStatus.ABSENT
            else:
                status = RegistrationStatus.REGISTERED if index < seats else RegistrationStatus.WAITLISTED
            registration = Registration.objects.create(
                session=session, person=person, status=status, queued_at=queued_at, added_by=None
            )
            if status == RegistrationStatus.ATTENDED:
                registration.checked_in_at = starts_at - timedelta(minutes=rng.randint(0, 30))
                registration.marked_by = admin
                if rng.random() < 0.7 or person in demo_people and spec["key"] != "feb-2025":
                    registration.rating = rng.choices([3, 4, 5], weights=[1, 4, 5])[0]
                    registration.comment = rng.choice(COMMENTS)
                    registration.feedback_at = ends_at + timedelta(hours=2)
                registration.save()
                training_attendance_record(person=person, session_id=session.pk, on=timezone.localdate(starts_at))
    return f"Trainings: {created} sessions created ({TrainingSession.objects.count()} in all)."
