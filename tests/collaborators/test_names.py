"""Every real name: any Vietnamese name can be added by the person form and by an import, and found
without diacritics; login names come from nowhere near the name; the import's preview runs the very
checks its confirm runs; a union admin's forms and previews say nothing about people or units
outside their area."""

import io
import re
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from collaborators.models import CollaboratorProfile, ImportBatch, Role, User
from collaborators.models.imports import ImportStatus
from collaborators.services import imports as services
from collaborators.services.people import person_create
from core.text import fold
from tests.factories import UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CORPUS = Path(__file__).resolve().parents[1] / "data" / "names.txt"
NAMES = [
    line
    for line in CORPUS.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LOGIN = re.compile(r"ctv\d{6}")


def xlsx_file(rows, name="danh-sach.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(services.TEMPLATE_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


def row(full_name, *, phone="", email="", unit_code="WARD-A-01"):
    return [full_name, phone, email, unit_code, "Báo cáo viên", "", "Nữ", 1985, ""]


def errors_of(batch, line):
    found = next(r for r in batch.rows if r["line"] == line)
    return {error["code"] for error in found["errors"]}


def search_words(name: str) -> str:
    """What someone types on a keyboard without Vietnamese input: no accents, a straight apostrophe."""
    typed = fold(name)
    assert typed.isascii(), typed
    return typed


@pytest.fixture
def union_admin(union):
    return UserFactory(username="unionadmin", full_name="Đỗ Văn Quang", unit=union, role=Role.ADMIN)


def test_the_corpus_holds_at_least_two_hundred_names_with_every_shape_the_roster_must_take():
    assert len(NAMES) >= 200
    assert all(unicodedata.normalize("NFC", name) == name for name in NAMES)
    joined = "".join(NAMES)
    for shape in ("'", "\u2019", "(", ")", "-", "Đ", "đ", "ư", "Ư", "ơ"):
        assert shape in joined, shape
    assert any(" " not in name for name in NAMES)  # one-word names
    assert any(len(name) > 100 for name in NAMES)
    assert len(set(NAMES)) < len(NAMES)  # the same name more than once


def test_every_name_of_the_corpus_is_added_through_the_person_form(client, union_admin, grassroots):
    client.force_login(union_admin)
    url = reverse("roster:person_create")
    for name in NAMES:
        response = client.post(
            url,
            {"full_name": name, "unit": grassroots.pk, "role": "collaborator", "position": "opinion_team"},
        )
        assert response.status_code == 302, name
    added = list(User.objects.filter(unit=grassroots).values_list("full_name", "username"))
    assert sorted(full_name for full_name, _username in added) == sorted(NAMES)
    assert all(LOGIN.fullmatch(username) for _full_name, username in added)
    assert len({username for _full_name, username in added}) == len(NAMES)


def test_the_whole_corpus_imports_in_one_file_and_every_name_is_found_without_diacritics(
    client, union_admin, grassroots
):
    client.force_login(union_admin)
    rows = [row(name) for name in NAMES]
    response = client.post(reverse("roster:import_upload"), {"file": xlsx_file(rows)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert batch.error_count == 0 and batch.row_count == len(NAMES)
    assert not User.objects.filter(unit=grassroots).exists()  # the preview's trial run left nobody behind
    assert not CollaboratorProfile.objects.exists()
    assert not User.history.filter(unit=grassroots).exists()

    page = client.post(reverse("roster:import_confirm", args=[batch.pk]), follow=True).content.decode()
    assert f"{len(NAMES)} people have been added to the roster." in page
    imported = User.objects.filter(unit=grassroots)
    assert sorted(imported.values_list("full_name", flat=True)) == sorted(NAMES)
    assert all(LOGIN.fullmatch(username) for username in imported.values_list("username", flat=True))
    for name in set(NAMES):
        found = set(User.objects.search(search_words(name)).values_list("full_name", flat=True))
        assert name in found, name


@pytest.mark.parametrize(
    "typed, name",
    [
        ("h'hen nie", "H'Hen Niê"),
        ("ksor h'bia", "Ksor H’Bia"),
        ("tran thi hong hang", "Trần Thị Hồng (Hằng)"),
        ("hoa-lan", "Nguyễn Thị Ngọc Hoa-Lan"),
        ("thao a pao", "Thào A Páo"),
        ("dam vinh hung", "Đàm Vĩnh Hưng"),
    ],
)
def test_the_roster_search_box_finds_a_name_typed_without_accents(client, union_admin, grassroots, typed, name):
    person = person_create(actor=union_admin, unit=grassroots, full_name=name)
    client.force_login(union_admin)
    page = client.get(reverse("roster:person_list"), {"q": typed}).content.decode()
    assert reverse("roster:person_detail", args=[person.pk]) in page


def test_a_name_of_150_characters_is_kept_and_a_longer_one_is_refused_with_its_length(client, union_admin, grassroots):
    longest = ("Công Tằng Tôn Nữ Thị Bích Ngọc " * 6)[:149] + "A"
    assert len(longest) == 150
    client.force_login(union_admin)
    url = reverse("roster:person_create")
    base = {"unit": grassroots.pk, "role": "collaborator", "position": "opinion_team"}
    assert client.post(url, {**base, "full_name": longest}).status_code == 302
    page = client.post(url, {**base, "full_name": longest + "B"}).content.decode()
    assert "at most 150 characters (this one has 151)" in page
    assert User.objects.filter(full_name=longest).count() == 1

    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([row(longest), row(longest + "B")]))
    assert errors_of(batch, 2) == set()
    assert errors_of(batch, 3) == {"too_long"}


def test_a_name_typed_with_decomposed_accents_and_extra_spaces_is_stored_composed(union_admin, grassroots, client):
    decomposed = unicodedata.normalize("NFD", "  Lò   Văn Giàng ")
    client.force_login(union_admin)
    client.post(
        reverse("roster:person_create"),
        {"full_name": decomposed, "unit": grassroots.pk, "role": "collaborator", "position": "opinion_team"},
    )
    batch = services.import_preview(
        actor=union_admin, uploaded_file=xlsx_file([row(unicodedata.normalize("NFD", "H'Hen  Niê"))])
    )
    services.import_confirm(actor=union_admin, batch=batch)
    assert set(User.objects.filter(unit=grassroots).values_list("full_name", flat=True)) == {
        "Lò Văn Giàng",
        "H'Hen Niê",
    }


# -- the preview runs what confirm runs ---------------------------------------------------------


def test_rows_the_preview_shows_valid_always_import(union_admin, grassroots, union, other_union):
    UserFactory(full_name="Ở Trong", unit=grassroots, phone="0912000001", email="trong@example.org")
    UserFactory(full_name="Ở Ngoài", unit=other_union, phone="0912000002", email="ngoai@example.org")
    UnitFactory(parent=other_union, code="WARD-B-01")
    rows = [
        row("H'Hen Niê", phone="0912000010"),  # 2: used to pass the preview and fail at confirm
        row("Ksor H’Bia", phone="0912000011"),  # 3
        row("Trần Thị Hồng (Hằng)", phone="0912000012"),  # 4
        row("Nguyễn Văn An", phone="0912000013"),  # 5: the same phone twice in the file
        row("Nguyễn Văn An", phone="0912 000 013"),  # 6
        row("Danh Sóc", phone="0912000001"),  # 7: taken in the admin's area
        row("Thào A Páo", phone="0912000002"),  # 8: taken outside it
        row("Lò Văn Giàng", email="NGOAI@example.org"),  # 9: e-mail taken outside it
        row("Đàm Vĩnh Hưng", unit_code="WARD-B-01"),  # 10: another union's unit
        row("Y Moan Ênuôl", unit_code="NO-SUCH"),  # 11
        row("Inrasara", unit_code="WARD-A"),  # 12: the admin's own unit
    ]
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file(rows))
    assert [errors_of(batch, line) for line in range(2, 13)] == [
        set(),
        set(),
        set(),
        {"phone_repeated"},
        {"phone_repeated"},
        {"phone_exists"},
        {"phone_unusable"},
        {"email_unusable"},
        {"unit_unknown"},
        {"unit_unknown"},
        set(),
    ]
    assert not User.objects.filter(full_name="H'Hen Niê").exists()

    valid = [r for line, r in enumerate(rows, start=2) if not errors_of(batch, line)]
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file(valid))
    assert batch.error_count == 0
    assert services.import_confirm(actor=union_admin, batch=batch) == len(valid) == 4
    assert set(
        User.objects.filter(pk__in=[r["user_id"] for r in ImportBatch.objects.get(pk=batch.pk).rows]).values_list(
            "full_name", flat=True
        )
    ) == {
        "H'Hen Niê",
        "Ksor H’Bia",
        "Trần Thị Hồng (Hằng)",
        "Inrasara",
    }


def test_a_phone_taken_after_the_preview_refuses_the_whole_file_and_marks_its_row(union_admin, grassroots):
    batch = services.import_preview(
        actor=union_admin, uploaded_file=xlsx_file([row("H'Hen Niê", phone="0912000020"), row("Danh Sóc")])
    )
    assert batch.error_count == 0
    UserFactory(full_name="Người đến trước", unit=grassroots, phone="0912000020")
    with pytest.raises(Exception, match="since the preview"):
        services.import_confirm(actor=union_admin, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED and batch.error_count == 1
    assert errors_of(batch, 2) == {"phone_exists"}
    assert not User.objects.filter(full_name__in=["H'Hen Niê", "Danh Sóc"]).exists()


# -- no oracles for a union admin ---------------------------------------------------------------


def test_the_person_form_says_taken_only_for_people_in_the_admins_area(client, union_admin, grassroots, other_union):
    UserFactory(full_name="Ở Trong", unit=grassroots, phone="0912000001", email="trong@example.org")
    UserFactory(full_name="Ở Ngoài", unit=other_union, phone="0912000002", email="ngoai@example.org")
    client.force_login(union_admin)
    url = reverse("roster:person_create")
    base = {"full_name": "Ksor H’Bia", "unit": grassroots.pk, "role": "collaborator", "position": "opinion_team"}

    inside = client.post(url, {**base, "phone": "0912000001", "email": "trong@example.org"}).content.decode()
    assert "already has this phone number" in inside
    assert "already has this e-mail address" in inside

    outside = client.post(url, {**base, "phone": "0912000002", "email": "ngoai@example.org"}).content.decode()
    assert "already has" not in outside
    assert "This phone number cannot be used. If it is correct, ask the federation" in outside
    assert "This e-mail address cannot be used. If it is correct, ask the federation" in outside
    assert not User.objects.filter(full_name="Ksor H’Bia").exists()


def test_the_city_admin_is_told_plainly_whoever_has_the_number(client, federation_admin, grassroots, other_union):
    UserFactory(full_name="Ở Ngoài", unit=other_union, phone="0912000002")
    client.force_login(federation_admin)
    page = client.post(
        reverse("roster:person_create"),
        {
            "full_name": "Danh Sóc",
            "unit": grassroots.pk,
            "role": "collaborator",
            "position": "opinion_team",
            "phone": "0912000002",
        },
    ).content.decode()
    assert "Another person in the roster already has this phone number." in page


def test_a_unit_outside_the_area_and_a_unit_that_does_not_exist_read_the_same(union_admin, grassroots, other_union):
    batch = services.import_preview(
        actor=union_admin,
        uploaded_file=xlsx_file([row("Danh Sóc", unit_code=other_union.code), row("Thạch Dư", unit_code="KHONG-CO")]),
    )
    shown = services.import_rows_for_display(batch, viewer=union_admin)
    outside, missing = (r["errors"] for r in shown)
    assert outside == [f"There is no unit with code “{other_union.code}” in your area. See the “Allowed values” sheet."]
    assert missing == ["There is no unit with code “KHONG-CO” in your area. See the “Allowed values” sheet."]


def test_the_person_form_answers_alike_for_a_unit_outside_the_area_and_one_that_does_not_exist(
    client, union_admin, other_union
):
    client.force_login(union_admin)
    url = reverse("roster:person_create")
    base = {"full_name": "Danh Sóc", "role": "collaborator", "position": "opinion_team"}
    outside = client.post(url, {**base, "unit": other_union.pk}).context["form"].errors["unit"]
    missing = client.post(url, {**base, "unit": 987654}).context["form"].errors["unit"]
    assert outside == missing
    assert not User.objects.filter(full_name="Danh Sóc").exists()
