"""Roster import: the file checks, the row checks, preview then confirm (all rows or none), and who may do it."""

import io
import re
import unicodedata
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from collaborators.models import CollaboratorProfile, Gender, ImportBatch, Position, Role, User
from collaborators.models.imports import ImportStatus
from collaborators.services import imports as services
from collaborators.services.imports import TEMPLATE_HEADERS
from collaborators.services.people import person_create
from core.spreadsheets import MAX_ROWS, MAX_UPLOAD_BYTES, read_table
from tests.clock import frozen_clock
from tests.factories import UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
_clock = frozen_clock()  # the tests build their dates from "now"

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ENGLISH_HEADERS = [
    "full_name",
    "phone",
    "email",
    "unit_code",
    "position",
    "workplace",
    "gender",
    "birth_year",
    "topics_covered",
]


# -- building files in memory --------------------------------------------------------------------


def person(**overrides):
    values = {
        "full_name": "Trần Thị Bình",
        "phone": "0912345678",
        "email": "binh@example.org",
        "unit_code": "WARD-A-01",
        "position": "Báo cáo viên",
        "workplace": "Trường THCS Ba Đình",
        "gender": "Nữ",
        "birth_year": 1985,
        "topics_covered": "Tiền lương",
    }
    values.update(overrides)
    return [values[field] for field in ENGLISH_HEADERS]


def xlsx_bytes(rows, headers=TEMPLATE_HEADERS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_file(rows, headers=TEMPLATE_HEADERS, name="danh-sach.xlsx"):
    return SimpleUploadedFile(name, xlsx_bytes(rows, headers), content_type=XLSX)


def csv_text(rows, headers=TEMPLATE_HEADERS, delimiter=","):
    lines = [delimiter.join(headers)]
    lines += [delimiter.join("" if v is None else str(v) for v in row) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def csv_file(rows, headers=TEMPLATE_HEADERS, delimiter=",", encoding="utf-8-sig", name="danh-sach.csv"):
    return SimpleUploadedFile(name, csv_text(rows, headers, delimiter).encode(encoding), content_type="text/csv")


def to_cp1258(text: str) -> bytes:
    """Vietnamese text as Windows-1258 stores it: vowel shapes precomposed, tone marks combining."""
    out = []
    for char in text:
        try:
            out.append(char.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        for mark in list(marks):
            composed = unicodedata.normalize("NFC", base + mark)
            if mark in "\u0302\u0306\u031b" and len(composed) == 1:
                base = composed
                marks.remove(mark)
        out.append((base + "".join(marks)).encode("cp1258"))
    return b"".join(out)


def refused(uploaded) -> str:
    with pytest.raises(ValidationError) as excinfo:
        read_table(uploaded)
    return " ".join(excinfo.value.messages)


def errors_of(batch, line):
    row = next(r for r in batch.rows if r["line"] == line)
    return {error["code"] for error in row["errors"]}


@pytest.fixture
def union_admin(union):
    return UserFactory(username="unionadmin", full_name="Đỗ Văn Quang", unit=union, role=Role.ADMIN)


@pytest.fixture
def other_admin(other_union):
    return UserFactory(username="otheradmin", full_name="Bùi Thị Hạnh", unit=other_union, role=Role.ADMIN)


# -- the file itself -----------------------------------------------------------------------------


def test_a_pdf_named_like_a_spreadsheet_is_refused():
    message = refused(SimpleUploadedFile("ds.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01\x02 stream"))
    assert "not a spreadsheet" in message


def test_an_image_named_like_a_csv_is_refused():
    message = refused(SimpleUploadedFile("ds.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"))
    assert "not a spreadsheet" in message


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert "not a spreadsheet" in refused(SimpleUploadedFile("ds.xlsx", buffer.getvalue()))


def test_a_damaged_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "not xml at all")
        archive.writestr("xl/workbook.xml", "<broken")
    assert "could not be" in refused(SimpleUploadedFile("ds.xlsx", buffer.getvalue()))


def test_a_workbook_with_a_wrong_used_range_is_read_in_full():
    content = io.BytesIO()
    original = io.BytesIO(xlsx_bytes([person(), person(full_name="Lê Văn C")]))
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(content, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+" ?/>', b'<dimension ref="A1"/>', data)
            target.writestr(item, data)
    headers, rows = read_table(SimpleUploadedFile("ds.xlsx", content.getvalue()))
    assert headers == TEMPLATE_HEADERS
    assert [row.cells[0] for row in rows] == ["Trần Thị Bình", "Lê Văn C"]


def test_an_old_excel_97_file_is_refused_with_advice_to_save_as_xlsx():
    message = refused(SimpleUploadedFile("ds.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512))
    assert ".xlsx" in message


def test_a_file_over_5_mb_is_refused_before_it_is_parsed():
    big = SimpleUploadedFile("ds.csv", b"a" * (MAX_UPLOAD_BYTES + 1))
    assert "larger than 5 MB" in refused(big)


def test_the_upload_form_refuses_a_file_over_5_mb(client, union_admin):
    client.force_login(union_admin)
    big = SimpleUploadedFile("ds.csv", b"a" * (MAX_UPLOAD_BYTES + 1))
    response = client.post(reverse("roster:import_upload"), {"file": big})
    assert response.status_code == 200
    assert "larger than 5 MB" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("content", [b"", b"   \r\n  \r\n"])
def test_an_empty_file_is_refused(content):
    assert "empty" in refused(SimpleUploadedFile("ds.csv", content))


def test_a_file_with_headers_but_no_rows_is_refused():
    assert "no rows" in refused(xlsx_file([]))


def test_more_than_5000_rows_are_refused():
    rows = [person(full_name=f"Người {n}", phone="", email="") for n in range(MAX_ROWS + 1)]
    assert "more than" in refused(csv_file(rows))
    headers, table = read_table(csv_file(rows[:MAX_ROWS]))
    assert len(table) == MAX_ROWS


def test_more_than_5000_rows_in_a_workbook_are_refused():
    rows = [("Người", "", "", "WARD-A-01")] * (MAX_ROWS + 1)
    assert "more than" in refused(xlsx_file(rows))


def test_a_utf8_csv_with_a_bom_is_read_with_its_diacritics():
    headers, rows = read_table(csv_file([person(full_name="Nguyễn Văn Đức")]))
    assert headers == TEMPLATE_HEADERS
    assert rows[0].cells[0] == "Nguyễn Văn Đức"
    assert rows[0].line == 2


def test_a_csv_in_the_vietnamese_windows_code_page_is_read():
    content = to_cp1258(csv_text([person(full_name="Nguyễn Văn Đức", workplace="Công ty Điện lực")]))
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    headers, rows = read_table(SimpleUploadedFile("ds.csv", content))
    assert headers == TEMPLATE_HEADERS
    assert rows[0].cells[0] == "Nguyễn Văn Đức"
    assert rows[0].cells[5] == "Công ty Điện lực"


def test_a_csv_in_an_unknown_encoding_is_refused_with_advice():
    content = "Họ và tên\n".encode() + b"Nguy\x81\x8a\x9d n\n"
    assert "CSV UTF-8" in refused(SimpleUploadedFile("ds.csv", content))


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_a_csv_with_commas_semicolons_or_tabs_is_read(delimiter):
    rows = [person(workplace="Công ty May 10", topics_covered="Tiền lương"), person(full_name="Lê Văn C")]
    headers, table = read_table(csv_file(rows, delimiter=delimiter))
    assert headers == TEMPLATE_HEADERS
    assert [r.cells[0] for r in table] == ["Trần Thị Bình", "Lê Văn C"]


def test_a_semicolon_csv_with_commas_inside_cells_is_split_on_semicolons():
    rows = [person(topics_covered="Tiền lương, việc làm, nhà ở", workplace="Công ty A, B")]
    headers, table = read_table(csv_file(rows, delimiter=";"))
    assert len(headers) == 9
    assert table[0].cells[8] == "Tiền lương, việc làm, nhà ở"


def test_missing_columns_are_named(union_admin):
    headers = ["Họ và tên", "Số điện thoại", "Mã đơn vị"]
    with pytest.raises(ValidationError) as excinfo:
        services.import_preview(actor=union_admin, uploaded_file=xlsx_file([["A", "", "WARD-A"]], headers=headers))
    message = excinfo.value.messages[0]
    for missing in ["Email", "Chức danh", "Nơi làm việc", "Giới tính", "Năm sinh", "Lĩnh vực phụ trách"]:
        assert missing in message
    assert "Họ và tên" not in message.split("Missing:")[1]
    assert not ImportBatch.objects.exists()


def test_a_file_with_other_columns_entirely_is_refused(union_admin):
    with pytest.raises(ValidationError, match="Missing"):
        services.import_preview(actor=union_admin, uploaded_file=xlsx_file([[1, 2]], headers=["Sản phẩm", "Giá"]))


def test_english_headers_are_accepted(union_admin, grassroots):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person()], headers=ENGLISH_HEADERS))
    assert batch.error_count == 0
    assert batch.rows[0]["data"]["full_name"] == "Trần Thị Bình"


def test_headers_match_whatever_their_case_and_diacritics(union_admin, grassroots):
    headers = [
        "HO VA TEN",
        "so dien thoai",
        "E-MAIL",
        "Ma don vi",
        "CHỨC DANH",
        "noi lam viec",
        "Gioi Tinh",
        "năm sinh",
    ]
    headers += ["Linh vuc phu trach"]
    batch = services.import_preview(actor=union_admin, uploaded_file=csv_file([person()], headers=headers))
    assert batch.error_count == 0


def test_extra_columns_are_ignored_and_named_on_the_page(client, union_admin, grassroots):
    client.force_login(union_admin)
    headers = ["STT", *TEMPLATE_HEADERS]
    response = client.post(
        reverse("roster:import_upload"), {"file": xlsx_file([[1, *person()]], headers=headers)}, follow=True
    )
    assert "were ignored: STT" in response.content.decode()
    batch = ImportBatch.objects.get()
    assert batch.error_count == 0
    assert batch.rows[0]["data"]["phone"] == "0912345678"


# -- the rows ------------------------------------------------------------------------------------


def test_each_kind_of_bad_row_is_reported_with_its_own_error(union_admin, grassroots, other_union):
    this_year = timezone.localdate().year
    rows = [
        person(),  # line 2: fine
        person(full_name="", phone="0912000001", email=""),  # 3
        person(phone="12345", email=""),  # 4
        person(phone="", email="not-an-email"),  # 5
        person(phone="", email="", unit_code="NO-SUCH-UNIT"),  # 6
        person(phone="", email="", unit_code="WARD-B"),  # 7: another union's
        person(phone="", email="", birth_year=1939),  # 8
        person(phone="", email="", birth_year=this_year - 14),  # 9
        person(phone="", email="", birth_year="năm ngoái"),  # 10
        person(phone="", email="", position="Giám đốc"),  # 11
        person(phone="", email="", gender="X"),  # 12
        person(phone="", email="", unit_code=""),  # 13
    ]
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file(rows))
    assert errors_of(batch, 2) == set()
    assert errors_of(batch, 3) == {"required"}
    assert errors_of(batch, 4) == {"phone_invalid"}
    assert errors_of(batch, 5) == {"email_invalid"}
    assert errors_of(batch, 6) == {"unit_unknown"}
    assert errors_of(batch, 7) == {"unit_unknown"}  # outside the area reads as no such unit
    assert errors_of(batch, 8) == {"birth_year_range"}
    assert errors_of(batch, 9) == {"birth_year_range"}
    assert errors_of(batch, 10) == {"birth_year_invalid"}
    assert errors_of(batch, 11) == {"position_unknown"}
    assert errors_of(batch, 12) == {"gender_unknown"}
    assert errors_of(batch, 13) == {"required"}
    assert batch.error_count == 11
    assert batch.status == ImportStatus.PREVIEWED
    assert not User.objects.filter(full_name="Trần Thị Bình").exists()


def test_an_admin_cannot_import_into_a_unit_outside_their_subtree(union_admin, grassroots, other_union, city):
    rows = [person(unit_code="WARD-B"), person(phone="0912000002", email="", unit_code="CITY")]
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file(rows))
    assert errors_of(batch, 2) == {"unit_unknown"}
    assert errors_of(batch, 3) == {"unit_unknown"}
    with pytest.raises(ValidationError):
        services.import_confirm(actor=union_admin, batch=batch)
    assert not User.objects.filter(full_name="Trần Thị Bình").exists()


def test_a_dissolved_unit_is_refused(union_admin, union):
    closed = UnitFactory(parent=union, code="CLOSED", valid_to=date(2025, 6, 30))
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person(unit_code=closed.code)]))
    assert errors_of(batch, 2) == {"unit_closed"}


def test_unit_codes_match_whatever_their_case(union_admin, grassroots):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person(unit_code=" ward-a-01 ")]))
    assert batch.error_count == 0
    assert batch.rows[0]["data"]["unit_id"] == grassroots.pk


@pytest.mark.parametrize(
    "typed",
    ["0912 345 678", "0912.345.678", "0912-345-678", "+84 912 345 678", "84912345678", "(+84) 912.345.678", 912345678],
)
def test_vietnamese_mobile_numbers_are_normalised(union_admin, grassroots, typed):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person(phone=typed)]))
    assert batch.error_count == 0
    assert batch.rows[0]["data"]["phone"] == "0912345678"


@pytest.mark.parametrize("typed", ["091234567", "09123456789", "1912345678", "0912abc678", "+1 212 555 0100"])
def test_numbers_that_are_not_vietnamese_mobiles_are_errors(union_admin, grassroots, typed):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person(phone=typed)]))
    assert errors_of(batch, 2) == {"phone_invalid"}


def test_a_person_already_in_the_roster_by_phone_or_email_is_a_duplicate(union_admin, grassroots, collaborator):
    User.objects.filter(pk=collaborator.pk).update(phone="0987654321")
    rows = [
        person(phone="0987 654 321", email=""),
        person(phone="", email=collaborator.email.upper()),
        person(phone="0911111111", email="new@example.org"),
    ]
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file(rows))
    assert errors_of(batch, 2) == {"phone_exists"}
    assert errors_of(batch, 3) == {"email_exists"}
    assert errors_of(batch, 4) == set()


def test_a_phone_or_email_repeated_in_the_file_flags_every_copy(union_admin, grassroots):
    rows = [
        person(full_name="A", phone="0912345678", email="a@example.org"),
        person(full_name="B", phone="0912.345.678", email="b@example.org"),
        person(full_name="C", phone="0900000003", email="A@example.org"),
    ]
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file(rows))
    assert errors_of(batch, 2) == {"phone_repeated", "email_repeated"}
    assert errors_of(batch, 3) == {"phone_repeated"}
    assert errors_of(batch, 4) == {"email_repeated"}
    messages = services.import_rows_for_display(batch, viewer=union_admin)[1]["errors"]
    assert any("row 2" in message for message in messages)


@pytest.mark.parametrize("formula", ["=1+1", '=HYPERLINK("http://evil.example","Bấm vào")', "=cmd|' /C calc'!A0"])
def test_a_formula_in_a_cell_is_refused(union_admin, grassroots, formula):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person(workplace=formula)]))
    assert errors_of(batch, 2) == {"formula"}
    assert "formulas are not allowed" in services.import_rows_for_display(batch, viewer=union_admin)[0]["errors"][0]


def test_a_formula_in_a_csv_cell_is_refused_too(union_admin, grassroots):
    batch = services.import_preview(actor=union_admin, uploaded_file=csv_file([person(full_name="=2+3")]))
    assert errors_of(batch, 2) == {"formula"}


def test_an_array_formula_in_a_workbook_is_refused(union_admin, grassroots):
    from openpyxl.worksheet.formula import ArrayFormula

    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([person()])))
    workbook.active["F2"] = ArrayFormula("F2:F2", "=SUM(H2:H2)")
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = services.import_preview(actor=union_admin, uploaded_file=SimpleUploadedFile("a.xlsx", buffer.getvalue()))
    assert errors_of(batch, 2) == {"formula"}


@pytest.mark.parametrize(
    "typed",
    [1985, "1985", datetime(1985, 3, 15), date(1985, 3, 15), "15/03/1985", "5/3/1985", "15-03-1985", "1985-03-15"],
)
def test_a_birth_year_may_be_a_year_or_a_date(union_admin, grassroots, typed):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person(birth_year=typed)]))
    assert batch.error_count == 0
    assert batch.rows[0]["data"]["birth_year"] == 1985


def test_a_birth_date_in_a_csv_is_read_day_first(union_admin, grassroots):
    batch = services.import_preview(actor=union_admin, uploaded_file=csv_file([person(birth_year="01/12/1990")]))
    assert batch.rows[0]["data"]["birth_year"] == 1990


@pytest.mark.parametrize(
    "position,expected",
    [
        ("Báo cáo viên", Position.BRIEFER),
        ("bao cao vien", Position.BRIEFER),
        ("briefer", Position.BRIEFER),
        ("Tuyên truyền viên miệng", Position.ORAL_PROPAGANDIST),
        ("union_chair", Position.UNION_CHAIR),
        ("", Position.OPINION_TEAM),
    ],
)
def test_a_position_may_be_its_vietnamese_label_or_its_code(union_admin, grassroots, position, expected):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person(position=position)]))
    assert batch.error_count == 0
    assert batch.rows[0]["data"]["position"] == expected


@pytest.mark.parametrize(
    "gender,expected", [("Nữ", Gender.FEMALE), ("NAM", Gender.MALE), ("nu", Gender.FEMALE), ("female", Gender.FEMALE)]
)
def test_a_gender_may_be_its_vietnamese_label_or_its_code(union_admin, grassroots, gender, expected):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person(gender=gender)]))
    assert batch.rows[0]["data"]["gender"] == expected


def test_errors_are_shown_in_the_readers_language(client, union_admin, grassroots):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person(phone="12345")]))
    client.force_login(union_admin)
    url = reverse("roster:import_preview", args=[batch.pk])
    del client.cookies["django_language"]  # Vietnamese, the default
    assert "“12345” không hợp lệ" in client.get(url).content.decode()
    client.cookies["django_language"] = "en"
    assert "Phone number “12345” is not valid" in client.get(url).content.decode()


# -- preview, then confirm: all or nothing --------------------------------------------------------


def test_upload_preview_and_confirm_adds_everybody_as_inactive_collaborators(client, union_admin, grassroots):
    client.force_login(union_admin)
    rows = [
        person(full_name="Nguyễn Văn An", phone="0912 345 678", email="an@example.org", birth_year="15/03/1985"),
        person(full_name="Nguyễn Văn An", phone="+84 903 000 111", email="", gender="Nam", position=""),
    ]
    response = client.post(reverse("roster:import_upload"), {"file": xlsx_file(rows)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("roster:import_preview", args=[batch.pk])
    assert batch.created_by == union_admin
    assert batch.unit == union_admin.unit
    assert batch.filename == "danh-sach.xlsx"

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="import-row"') == 2
    assert 'data-testid="confirm-import"' in page.content.decode()
    assert not User.objects.filter(full_name="Nguyễn Văn An").exists()  # nothing written before confirming

    response = client.post(reverse("roster:import_confirm", args=[batch.pk]), follow=True)
    assert "2 people have been added to the roster." in response.content.decode()
    first, second = User.objects.filter(full_name="Nguyễn Văn An").order_by("pk")
    # Login names say nothing about the person: "ctv" and six digits, one each.
    assert re.fullmatch(r"ctv\d{6}", first.username) and re.fullmatch(r"ctv\d{6}", second.username)
    assert first.username != second.username
    for created in (first, second):
        assert created.role == Role.COLLABORATOR
        assert created.unit == grassroots
        assert not created.is_active
        assert not created.has_usable_password()
    assert (first.phone, first.email, second.phone) == ("0912345678", "an@example.org", "0903000111")
    profile = CollaboratorProfile.objects.get(user=first)
    assert (profile.position, profile.gender, profile.birth_year) == (Position.BRIEFER, Gender.FEMALE, 1985)
    assert (profile.workplace, profile.topics_covered) == ("Trường THCS Ba Đình", "Tiền lương")
    assert profile.status_since == timezone.localdate()
    assert CollaboratorProfile.objects.get(user=second).position == Position.OPINION_TEAM
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert batch.applied_at is not None
    # The batch keeps which row became whom, not a second copy of their personal data.
    assert batch.rows == [{"line": 2, "user_id": first.pk}, {"line": 3, "user_id": second.pk}]
    page = client.get(reverse("roster:import_preview", args=[batch.pk])).content.decode()
    assert reverse("roster:person_detail", args=[second.pk]) in page
    assert 'data-testid="import-applied"' in page


def test_a_second_confirm_does_nothing_more(client, union_admin, grassroots):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person()]))
    client.force_login(union_admin)
    client.post(reverse("roster:import_confirm", args=[batch.pk]))
    response = client.post(reverse("roster:import_confirm", args=[batch.pk]), follow=True)
    assert "already been imported" in response.content.decode()
    assert User.objects.filter(full_name="Trần Thị Bình").count() == 1
    assert services.import_confirm(actor=union_admin, batch=batch) == 0


def test_a_batch_with_an_error_cannot_be_confirmed_and_nothing_is_written(client, union_admin, grassroots):
    rows = [person(), person(full_name="Lê Văn Cường", phone="0900000000", email="", birth_year=1900)]
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file(rows))
    client.force_login(union_admin)
    page = client.get(reverse("roster:import_preview", args=[batch.pk])).content.decode()
    assert 'data-testid="confirm-import"' not in page
    assert "1 row has errors." in page
    response = client.post(reverse("roster:import_confirm", args=[batch.pk]), follow=True)
    assert "Nothing was imported" in response.content.decode()
    assert not User.objects.filter(full_name__in=["Trần Thị Bình", "Lê Văn Cường"]).exists()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED


def test_a_row_that_became_a_duplicate_after_the_preview_stops_the_whole_import(union_admin, grassroots):
    rows = [person(full_name="Lê Văn Cường", phone="0900000001", email=""), person()]
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file(rows))
    assert batch.error_count == 0
    person_create(actor=union_admin, unit=grassroots, full_name="Người khác", phone="0912345678")
    with pytest.raises(ValidationError, match="since the preview"):
        services.import_confirm(actor=union_admin, batch=batch)
    assert not User.objects.filter(full_name__in=["Trần Thị Bình", "Lê Văn Cường"]).exists()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED
    assert batch.error_count == 1
    assert errors_of(batch, 3) == {"phone_exists"}


def test_a_failure_while_creating_people_rolls_back_every_row(union_admin, grassroots, monkeypatch):
    rows = [person(full_name=f"Người {n}", phone=f"090000000{n}", email="") for n in range(3)]
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file(rows))
    real_user_create, calls = services.user_create, []

    def fails_on_the_third(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise ValidationError("the disk is full")
        return real_user_create(**kwargs)

    monkeypatch.setattr(services, "user_create", fails_on_the_third)
    with pytest.raises(ValidationError):
        services.import_confirm(actor=union_admin, batch=batch)
    assert len(calls) == 3
    assert not User.objects.filter(full_name__startswith="Người ").exists()
    assert not CollaboratorProfile.objects.filter(user__full_name__startswith="Người ").exists()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED
    assert batch.applied_at is None


def test_a_discarded_batch_loses_its_rows_and_cannot_be_confirmed(client, union_admin, grassroots):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person()]))
    client.force_login(union_admin)
    response = client.post(reverse("roster:import_preview", args=[batch.pk]), {"action": "discard"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.rows) == (ImportStatus.DISCARDED, [])
    response = client.post(reverse("roster:import_confirm", args=[batch.pk]), follow=True)
    assert "discarded" in response.content.decode()
    assert not User.objects.filter(full_name="Trần Thị Bình").exists()


def test_a_bad_file_uploaded_through_the_page_shows_the_message_and_stores_nothing(client, union_admin):
    client.force_login(union_admin)
    response = client.post(reverse("roster:import_upload"), {"file": SimpleUploadedFile("a.xlsx", b"hello\x00\x01")})
    assert response.status_code == 200
    assert "is not an accepted file. Accepted: Excel (.xlsx), CSV." in response.content.decode()
    assert not ImportBatch.objects.exists()


# -- the template --------------------------------------------------------------------------------


def test_the_xlsx_template_has_vietnamese_headers_an_example_and_the_allowed_values(
    client, union_admin, union, grassroots, other_union
):
    client.force_login(union_admin)
    response = client.get(reverse("roster:import_template", kwargs={"fmt": "xlsx"}))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet, allowed = workbook.worksheets
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [
        "Họ và tên",
        "Số điện thoại",
        "Email",
        "Mã đơn vị",
        "Chức danh",
        "Nơi làm việc",
        "Giới tính",
        "Năm sinh",
        "Lĩnh vực phụ trách",
    ]
    assert rows[1][0] == "Nguyễn Văn An"
    assert rows[1][3] == union.code
    values = list(allowed.iter_rows(values_only=True))
    codes = {row[0] for row in values[1:]}
    assert {"WARD-A", "WARD-A-01"} <= codes
    assert "WARD-B" not in codes
    assert "Công đoàn cơ sở Trường THCS" in {row[1] for row in values[1:]}
    assert {"Báo cáo viên", "Tuyên truyền viên miệng"} <= {row[2] for row in values[1:]}
    assert {"Nam", "Nữ", "Khác"} <= {row[3] for row in values[1:]}


def test_the_templates_example_row_passes_the_checks(client, union_admin, union):
    client.force_login(union_admin)
    content = client.get(reverse("roster:import_template", kwargs={"fmt": "xlsx"})).content
    batch = services.import_preview(actor=union_admin, uploaded_file=SimpleUploadedFile("t.xlsx", content))
    assert batch.error_count == 0


def test_the_csv_template_is_utf8_with_a_bom(client, union_admin, union):
    client.force_login(union_admin)
    response = client.get(reverse("roster:import_template", kwargs={"fmt": "csv"}))
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8-sig").splitlines()[0].split(",") == TEMPLATE_HEADERS


# -- who may import ------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["collaborator", "unit_staff"])
def test_collaborators_and_staff_may_not_import(client, request, union_admin, grassroots, actor):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person()]))
    client.force_login(request.getfixturevalue(actor))
    for url in [
        reverse("roster:import_upload"),
        reverse("roster:import_template", kwargs={"fmt": "xlsx"}),
        reverse("roster:import_preview", args=[batch.pk]),
    ]:
        assert client.get(url).status_code == 404
    assert client.post(reverse("roster:import_upload"), {"file": xlsx_file([person()])}).status_code == 404
    assert client.post(reverse("roster:import_confirm", args=[batch.pk])).status_code == 404
    assert ImportBatch.objects.count() == 1
    assert not User.objects.filter(full_name="Trần Thị Bình").exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("roster:import_upload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_another_unions_admin_gets_404_for_a_batch_they_did_not_upload(client, union_admin, other_admin, grassroots):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person()]))
    client.force_login(other_admin)
    assert client.get(reverse("roster:import_preview", args=[batch.pk])).status_code == 404
    assert client.post(reverse("roster:import_confirm", args=[batch.pk])).status_code == 404
    assert client.post(reverse("roster:import_preview", args=[batch.pk]), {"action": "discard"}).status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED
    assert batch not in client.get(reverse("roster:import_upload")).context["recent"]


def test_the_admin_of_the_owning_subtree_sees_the_batch(client, union_admin, federation_admin, grassroots):
    batch = services.import_preview(actor=union_admin, uploaded_file=xlsx_file([person()]))
    for viewer in (union_admin, federation_admin):
        client.force_login(viewer)
        assert client.get(reverse("roster:import_preview", args=[batch.pk])).status_code == 200
        assert batch in client.get(reverse("roster:import_upload")).context["recent"]


def test_batches_are_visible_to_their_uploader_and_the_admins_above(union_admin, other_admin, federation_admin):
    batch = ImportBatch.objects.create(created_by=union_admin, unit=union_admin.unit, filename="a.xlsx")
    assert list(ImportBatch.objects.visible_to(union_admin)) == [batch]
    assert list(ImportBatch.objects.visible_to(federation_admin)) == [batch]
    assert not ImportBatch.objects.visible_to(other_admin).exists()
