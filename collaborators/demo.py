"""Demo roster: Hanoi's union tree after the 2025 re-organisation, the demo accounts and several hundred
collaborators with their decisions. The first step of ``manage.py seed_demo``; the other apps' demo data
builds on it.

Idempotent: units are found by code and people by username, so running it
again changes nothing but the demo accounts' passwords (set to the given one).
"""

import random
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from collaborators.models import (
    CollaboratorProfile,
    CollaboratorStatus,
    DecisionKind,
    Gender,
    Position,
    RecognitionDecision,
    Role,
    Unit,
    UnitKind,
    User,
)
from collaborators.services import unit_get_or_create, user_create
from collaborators.services.people import (
    decision_apply,
    decision_create,
    profile_of,
    training_attendance_record,
)
from collaborators.services.units import Successor, unit_dissolve, unit_merge, unit_split

DEMO_PASSWORD = "hanoi-demo-2025"  # noqa: S105 - documented in README, demo only
WARDS_FILE = Path(__file__).resolve().parent / "data" / "hanoi_wards_communes_2025.tsv"

DISTRICTS_ABOLISHED = date(2025, 6, 30)
COMMUNE_UNIONS_CREATED = date(2025, 10, 1)

# The 30 district-level federations abolished on 30 June 2025.
DISTRICTS = [
    ("quận", "Ba Đình"),
    ("quận", "Hoàn Kiếm"),
    ("quận", "Tây Hồ"),
    ("quận", "Long Biên"),
    ("quận", "Cầu Giấy"),
    ("quận", "Đống Đa"),
    ("quận", "Hai Bà Trưng"),
    ("quận", "Hoàng Mai"),
    ("quận", "Thanh Xuân"),
    ("quận", "Nam Từ Liêm"),
    ("quận", "Bắc Từ Liêm"),
    ("quận", "Hà Đông"),
    ("thị xã", "Sơn Tây"),
    ("huyện", "Ba Vì"),
    ("huyện", "Chương Mỹ"),
    ("huyện", "Đan Phượng"),
    ("huyện", "Đông Anh"),
    ("huyện", "Gia Lâm"),
    ("huyện", "Hoài Đức"),
    ("huyện", "Mê Linh"),
    ("huyện", "Mỹ Đức"),
    ("huyện", "Phú Xuyên"),
    ("huyện", "Phúc Thọ"),
    ("huyện", "Quốc Oai"),
    ("huyện", "Sóc Sơn"),
    ("huyện", "Thạch Thất"),
    ("huyện", "Thanh Oai"),
    ("huyện", "Thanh Trì"),
    ("huyện", "Thường Tín"),
    ("huyện", "Ứng Hòa"),
]

GRASSROOTS_PATTERNS = [
    "Công đoàn cơ sở Trường THCS {place}",
    "Công đoàn cơ sở Trạm Y tế {place}",
    "Công đoàn cơ sở Công ty CP Dịch vụ Đô thị {place}",
    "Công đoàn cơ sở Trường Mầm non {place}",
]

INDUSTRIAL_PARK_COMPANIES = [
    "Công ty TNHH Điện tử Thăng Long Việt",
    "Công ty TNHH Linh kiện Nội Bài",
    "Công ty CP May mặc Quang Minh",
    "Công ty TNHH Cơ khí Chính xác Bắc Thăng Long",
    "Công ty TNHH Thực phẩm Phú Nghĩa",
    "Công ty TNHH Bao bì Hòa Lạc",
]

SECTOR_UNIONS = [
    ("CD-NGANH-GD", "Công đoàn ngành Giáo dục Hà Nội"),
    ("CD-NGANH-YT", "Công đoàn ngành Y tế Hà Nội"),
    ("CD-NGANH-XD", "Công đoàn ngành Xây dựng Hà Nội"),
    ("CD-TCT-VT", "Công đoàn Tổng công ty Vận tải Hà Nội"),
]

FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý"]
MIDDLE_NAMES = ["Văn", "Thị", "Đức", "Minh", "Thu", "Thanh", "Quang", "Ngọc", "Hữu", "Thị Thu", "Xuân"]
GIVEN_NAMES = [
    "Hương",
    "Lan",
    "Hùng",
    "Dũng",
    "Hà",
    "Tuấn",
    "Mai",
    "Nam",
    "Hoa",
    "Sơn",
    "Linh",
    "Trang",
    "Thắng",
    "Hạnh",
    "Phương",
    "Long",
    "Yến",
    "Cường",
    "Thảo",
    "Bình",
]

STATUS_WEIGHTS = [
    (CollaboratorStatus.ACTIVE, 75),
    (CollaboratorStatus.PROPOSED, 10),
    (CollaboratorStatus.SUSPENDED, 5),
    (CollaboratorStatus.TERM_ENDED, 4),
    (CollaboratorStatus.LEFT, 4),
    (CollaboratorStatus.DISMISSED, 2),
]
STATUS_REASONS = {
    CollaboratorStatus.SUSPENDED: "Nghỉ thai sản",
    CollaboratorStatus.TERM_ENDED: "Hết nhiệm kỳ 2020 - 2025",
    CollaboratorStatus.LEFT: "Chuyển công tác",
    CollaboratorStatus.DISMISSED: "Không tham gia sinh hoạt, không báo cáo nhiều kỳ liên tiếp",
}
POSITION_WEIGHTS = [
    (Position.OPINION_TEAM, 50),
    (Position.UNION_CHAIR, 15),
    (Position.PROPAGANDA_OFFICER, 15),
    (Position.ORAL_PROPAGANDIST, 12),
    (Position.BRIEFER, 8),
]

# username, full name, role, unit code, superuser
DEMO_ACCOUNTS = [
    ("admin", "Nguyễn Thị Thu Hương", Role.ADMIN, "LDLD-HN", True),
    ("staff", "Trần Quang Minh", Role.STAFF, "LDLD-HN", False),
    ("unitstaff", "Lê Thị Lan", Role.STAFF, "CD-00004", False),
    ("collab1", "Phạm Văn Hùng", Role.COLLABORATOR, "CD-00004-01", False),
    ("otherstaff", "Hoàng Minh Tuấn", Role.STAFF, "CD-00070", False),
    ("collab2", "Vũ Thị Mai", Role.COLLABORATOR, "CD-00070-01", False),
]


def read_wards():
    rows = []
    for line in WARDS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            code, name = line.split("\t")
            rows.append((code.strip(), name.strip()))
    return rows


def place_name(ward_name):
    """'Phường Ba Đình' -> 'Ba Đình'."""
    return ward_name.split(" ", 1)[1]


@transaction.atomic
def seed(*, password: str = DEMO_PASSWORD) -> str:
    """Units, demo accounts (with ``password``) and the roster; returns a one-line summary."""
    units = seed_units()
    seed_accounts(units, password)
    seed_restructuring()
    seed_roster(units)
    return (
        f"Roster: {Unit.objects.count()} units, {User.objects.count()} people. "
        f"Demo accounts: {', '.join(account[0] for account in DEMO_ACCOUNTS)}."
    )


def seed_units():
    city, _ = unit_get_or_create(
        parent=None,
        code="LDLD-HN",
        kind=UnitKind.CITY_FEDERATION,
        name="Liên đoàn Lao động thành phố Hà Nội",
        member_count=1_100_000,
    )
    districts = {}
    for prefix, place in DISTRICTS:
        code = f"LDLD-D{len(districts) + 1:02d}"
        districts[place], _ = unit_get_or_create(
            parent=city,
            code=code,
            kind=UnitKind.DISTRICT_FEDERATION,
            name=f"Liên đoàn Lao động {prefix} {place}",
        )  # ended by seed_restructuring, through the split service

    # 84 commune/ward unions: every ward, and a spread of communes.
    wards = read_wards()
    chosen = [w for w in wards if w[1].startswith("Phường")]
    communes = [w for w in wards if w[1].startswith("Xã")]
    chosen += communes[::2][: 84 - len(chosen)]
    rng = random.Random(2025)
    commune_unions = {}
    for admin_code, ward_name in chosen:
        kind_word = "phường" if ward_name.startswith("Phường") else "xã"
        unit, created = unit_get_or_create(
            parent=city,
            code=f"CD-{admin_code}",
            kind=UnitKind.COMMUNE_WARD,
            name=f"Công đoàn {kind_word} {place_name(ward_name)}",
            valid_from=COMMUNE_UNIONS_CREATED,
            member_count=rng.randint(800, 6000),
        )
        commune_unions[admin_code] = unit

    # Grassroots unions under the first dozen commune/ward unions.
    for admin_code, ward_name in chosen[:30]:
        parent = commune_unions[admin_code]
        for index, pattern in enumerate(GRASSROOTS_PATTERNS[: 2 + rng.randint(0, 2)], start=1):
            unit_get_or_create(
                parent=parent,
                code=f"CD-{admin_code}-{index:02d}",
                kind=UnitKind.GRASSROOTS,
                name=pattern.format(place=place_name(ward_name)),
                member_count=rng.randint(15, 400),
            )

    park, _ = unit_get_or_create(
        parent=city,
        code="CD-KCN",
        kind=UnitKind.INDUSTRIAL_PARK,
        name="Công đoàn các Khu công nghiệp và Khu công nghệ cao Hà Nội",
        member_count=180_000,
    )
    for index, company in enumerate(INDUSTRIAL_PARK_COMPANIES, start=1):
        unit_get_or_create(
            parent=park,
            code=f"CD-KCN-{index:02d}",
            kind=UnitKind.GRASSROOTS,
            name=f"Công đoàn cơ sở {company}",
            member_count=rng.randint(300, 4500),
        )
    for code, name in SECTOR_UNIONS:
        unit_get_or_create(
            parent=city,
            code=code,
            kind=UnitKind.CORPORATION_SECTOR,
            name=name,
            member_count=rng.randint(5000, 60000),
        )
    return {unit.code: unit for unit in Unit.objects.all()}


# The inner districts' areas went to several new wards each (Resolution 1656/NQ-UBTVQH15, simplified: a
# ward that took parts of two districts is listed under the one it took most from).
SPLITS_2025 = {
    "Ba Đình": ["Ba Đình", "Ngọc Hà", "Giảng Võ"],
    "Hoàn Kiếm": ["Hoàn Kiếm", "Cửa Nam"],
    "Tây Hồ": ["Tây Hồ", "Phú Thượng"],
    "Long Biên": ["Long Biên", "Bồ Đề", "Việt Hưng", "Phúc Lợi"],
    "Cầu Giấy": ["Cầu Giấy", "Nghĩa Đô", "Yên Hòa"],
    "Đống Đa": ["Đống Đa", "Láng", "Ô Chợ Dừa", "Văn Miếu - Quốc Tử Giám", "Kim Liên"],
    "Hai Bà Trưng": ["Hai Bà Trưng", "Vĩnh Tuy", "Bạch Mai"],
}


def district_successors() -> dict[Unit, list[Unit]]:
    """The 2025 re-organisation: each district federation and the commune/ward unions that took over its
    area (``SPLITS_2025``, otherwise the wards whose name ends with the district's place name)."""
    wards = list(Unit.objects.filter(kind=UnitKind.COMMUNE_WARD).order_by("code"))
    successors = {}
    for prefix, place in DISTRICTS:
        district = Unit.objects.filter(kind=UnitKind.DISTRICT_FEDERATION, name=f"Liên đoàn Lao động {prefix} {place}")
        district = district.first()
        if district is None:
            continue
        if place in SPLITS_2025:
            names = {f"Công đoàn phường {ward}" for ward in SPLITS_2025[place]}
            successors[district] = [ward for ward in wards if ward.name in names]
            continue
        stem = place.replace("Nam ", "").replace("Bắc ", "")
        successors[district] = [ward for ward in wards if ward.name.split(" ", 2)[-1].endswith(stem)]
    return successors


def seed_restructuring() -> None:
    """Record the 2025 re-organisation the way an administrator would: each district federation ends on
    DISTRICTS_ABOLISHED through the units service, split among the ward unions that took over its area
    (merged into the only one, or dissolved when none of them is in the demo). Idempotent: a district
    that has already ended is left alone."""
    admin = User.objects.get(username=DEMO_ACCOUNTS[0][0])
    reason = "Nghị quyết số 1656/NQ-UBTVQH15 ngày 16/6/2025"
    for district, wards in district_successors().items():
        if district.valid_to is not None:
            continue
        if len(wards) >= 2:
            unit_split(
                actor=admin,
                unit=district,
                on=DISTRICTS_ABOLISHED,
                parts=[Successor(unit=ward) for ward in wards],
                reason=reason,
            )
        elif wards:
            unit_merge(actor=admin, unit=district, successor=wards[0], on=DISTRICTS_ABOLISHED, reason=reason)
        else:
            unit_dissolve(actor=admin, unit=district, on=DISTRICTS_ABOLISHED, reason=reason)


def seed_accounts(units, password):
    for username, full_name, role, unit_code, superuser in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                full_name=full_name,
                unit=units[unit_code],
                role=role,
                email=f"{username}@demo.congdoan.local",
                password=password,
                is_superuser=superuser,
            )
        else:
            user.set_password(password)
            user.is_active = True
            user.save(update_fields=["password", "is_active"])


def seed_roster(units):
    """Several hundred collaborators with positions, statuses, decisions and consent."""
    rng = random.Random(7)
    today = timezone.localdate()
    grassroots = [u for u in units.values() if u.kind == UnitKind.GRASSROOTS]
    commune = [u for u in units.values() if u.kind == UnitKind.COMMUNE_WARD]
    slots = [(unit, index) for unit in grassroots for index in range(1, 5)]
    slots += [(unit, index) for unit in commune for index in range(1, 3)]
    phones = set(User.objects.exclude(phone="").values_list("phone", flat=True))
    created = []
    for unit, index in slots:
        username = f"ctv-{unit.code.lower()}-{index}"
        if User.objects.filter(username=username).exists():
            continue
        family, middle, given = rng.choice(FAMILY_NAMES), rng.choice(MIDDLE_NAMES), rng.choice(GIVEN_NAMES)
        phone = f"09{rng.randint(10_000_000, 99_999_999)}"
        while phone in phones:
            phone = f"09{rng.randint(10_000_000, 99_999_999)}"
        phones.add(phone)
        has_email = rng.random() < 0.4
        user = user_create(
            username=username,
            full_name=f"{family} {middle} {given}",
            unit=unit,
            role=Role.COLLABORATOR,
            phone=phone,
            email=f"{username}@demo.congdoan.local" if has_email else "",
            is_active=rng.random() < 0.8,
        )
        status = rng.choices([s[0] for s in STATUS_WEIGHTS], weights=[s[1] for s in STATUS_WEIGHTS])[0]
        position = rng.choices([p[0] for p in POSITION_WEIGHTS], weights=[p[1] for p in POSITION_WEIGHTS])[0]
        gender = rng.choice([Gender.FEMALE, Gender.MALE])
        birth_year = rng.randint(1968, 2000)
        status_since = today - timedelta(days=rng.randint(30, 700))
        trained_on = today - timedelta(days=rng.randint(10, 600)) if rng.random() < 0.6 else None
        CollaboratorProfile.objects.create(
            user=user,
            position=position,
            workplace=unit.name.replace("Công đoàn cơ sở ", "").replace("Công đoàn ", ""),
            gender=gender,
            birth_year=birth_year,
            status=status,
            status_since=status_since,
            status_reason=STATUS_REASONS.get(status, ""),
            consent_version=settings.PERSONAL_DATA_CONSENT_VERSION if user.is_active else "",
            consent_given_at=timezone.now() - timedelta(days=rng.randint(30, 400)) if user.is_active else None,
        )
        if trained_on is not None:
            # A training taken before sessions were kept in the application (no session).
            training_attendance_record(person=user, session_id=None, on=trained_on)
        created.append(user)
    for username in ("collab1", "collab2"):
        user = User.objects.get(username=username)
        profile = profile_of(user)
        if not profile.consent_given_at:
            profile.status = CollaboratorStatus.ACTIVE
            profile.position = Position.OPINION_TEAM
            profile.workplace = user.unit.name.replace("Công đoàn cơ sở ", "")
            profile.consent_version = settings.PERSONAL_DATA_CONSENT_VERSION
            profile.consent_given_at = timezone.now()
            profile.save()
            training_attendance_record(person=user, session_id=None, on=today - timedelta(days=90))
    seed_decisions(units, rng)


def seed_decisions(units, rng):
    """A recognition decision per commune/ward union with active collaborators under it."""
    admin = User.objects.get(username="admin")
    for unit in sorted((u for u in units.values() if u.kind == UnitKind.COMMUNE_WARD), key=lambda u: u.path)[:30]:
        number = f"{rng.randint(10, 199)}/QĐ-CĐ"
        if RecognitionDecision.objects.filter(unit=unit).exists():
            continue
        people = list(
            User.objects.filter(
                unit__path__startswith=unit.path, role=Role.COLLABORATOR, profile__status=CollaboratorStatus.ACTIVE
            )
        )
        if not people:
            continue
        decision = decision_create(
            actor=admin,
            unit=unit,
            number=number,
            issued_on=date(2025, 10, 15),
            signer=f"Chủ tịch {unit.name}",
            kind=DecisionKind.RECOGNISE,
            people=people,
            term_end=date(2028, 10, 14),
            note="Công nhận cộng tác viên dư luận xã hội nhiệm kỳ 2025 - 2028.",
        )
        decision_apply(actor=admin, decision=decision)
