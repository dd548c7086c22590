"""Bounded imports: a small file that would unpack or spread into far more than a list of people is
refused at once, with a message an officer can act on, and checking it takes little memory.

The files are generated here: a workbook written by openpyxl whose sheet (or shared strings) is
replaced by hand-written XML, compressed as Excel compresses it.
"""

import io
import random
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from collaborators.models import ImportBatch, Role, User
from collaborators.services import imports as services
from core.spreadsheets import MAX_CELLS_PER_ROW, MAX_COLUMNS, MAX_MEMBER_BYTES, MAX_UPLOAD_BYTES, read_table
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PEAK_BOUND = 50 * 1024 * 1024
ROW = ["Thào A Páo", "", "", "WARD-A-01", "Báo cáo viên", "", "Nam", "1985", ""]


@pytest.fixture
def union_admin(union, grassroots):
    return UserFactory(username="unionadmin", full_name="Đỗ Văn Quang", unit=union, role=Role.ADMIN)


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _letters(column: int) -> str:
    return openpyxl.utils.get_column_letter(column)


def workbook_with(parts: dict, *, shared_strings: bool = False) -> bytes:
    """A real openpyxl workbook whose members in ``parts`` (name -> bytes or a writer function) are
    replaced; a writer gets an open member to write into, so a huge member never sits in memory."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["x"])
    base = io.BytesIO()
    workbook.save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename in parts:
                continue
            content = source.read(info.filename)
            if shared_strings and info.filename == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            target.writestr(info, content)
        for name, part in parts.items():
            if callable(part):
                with target.open(name, "w", force_zip64=True) as member:
                    part(member)
            else:
                target.writestr(name, part)
    return out.getvalue()


def sheet_xml(rows) -> bytes:
    body = "".join(f'<row r="{line}">{"".join(cells)}</row>' for line, cells in rows)
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
    return f"{head}{body}</sheetData></worksheet>".encode()


def template_row(line: int, values=ROW) -> list[str]:
    return [_inline(f"{_letters(i)}{line}", value) for i, value in enumerate(values, start=1) if value]


def header_and(rows) -> list:
    return [(1, template_row(1, services.TEMPLATE_HEADERS)), *rows]


def upload(data: bytes, name="danh-sach.xlsx"):
    return SimpleUploadedFile(name, data, content_type=XLSX)


def refusal_and_peak(actor, data: bytes) -> tuple[str, int]:
    """The import check's refusal of a file, and the peak memory it took (Python's allocator)."""
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as refused:
            services.import_preview(actor=actor, uploaded_file=upload(data))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return " ".join(refused.value.messages), peak


def test_one_cell_in_column_xfd_on_5001_rows_is_refused_at_once_in_little_memory(union_admin):
    far = _letters(16384)
    rows = [(line, [*template_row(line), _inline(f"{far}{line}", "x")]) for line in range(2, 5003)]
    data = workbook_with({SHEET: sheet_xml(header_and(rows))})
    assert far == "XFD" and len(data) < 1024 * 1024

    message, peak = refusal_and_peak(union_admin, data)

    assert "Row 2 has a value in column XFD" in message
    assert f"at most {MAX_COLUMNS} columns are read" in message
    assert peak < PEAK_BOUND, f"{peak / 2**20:.1f} MiB"
    assert not ImportBatch.objects.exists()


def test_a_shared_strings_bomb_is_refused_before_it_is_unpacked(union_admin):
    def bomb(member):
        member.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode())
        chunk = ("<si><t>" + "Nguyễn Văn An " * 70 + "</t></si>").encode() * 1000
        for _ in range(190 * 2**20 // len(chunk)):
            member.write(chunk)
        member.write(b"</sst>")

    data = workbook_with({STRINGS: bomb}, shared_strings=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo(STRINGS).file_size > 180 * 2**20
    assert len(data) < 1024 * 1024

    message, peak = refusal_and_peak(union_admin, data)

    assert "unpacks to far more data than a list of people needs" in message
    assert peak < PEAK_BOUND, f"{peak / 2**20:.1f} MiB"
    assert not ImportBatch.objects.exists()


def test_a_content_types_bomb_is_refused_by_the_upload_rule_without_being_unpacked(union_admin):
    def content_types(member):
        member.write(b'<?xml version="1.0" encoding="UTF-8"?><Types><!--')
        for _ in range(150):
            member.write(b"-x" * 2**19)  # 150 MB
        member.write(b"--></Types>")

    message, peak = refusal_and_peak(union_admin, workbook_with({"[Content_Types].xml": content_types}))
    assert "is damaged or is not an Office document" in message
    assert peak < PEAK_BOUND, f"{peak / 2**20:.1f} MiB"


def test_a_member_packed_far_tighter_than_spreadsheet_xml_is_refused_whatever_its_size(union_admin):
    def sheet(member):
        member.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
        member.write(b" " * (8 * 2**20))  # legal XML whitespace, 8 MB, under the size bound for a sheet
        member.write(b"</sheetData></worksheet>")

    message, peak = refusal_and_peak(union_admin, workbook_with({SHEET: sheet}))
    assert "unpacks to far more data" in message
    assert peak < PEAK_BOUND


def test_shared_strings_just_over_the_bound_are_refused_and_just_under_are_read(union_admin):
    def strings(size):
        def write(member):
            member.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode())
            member.write(b"<si><t>Danh S\xc3\xb3c</t></si>")
            # Text that does not compress, as real data hardly does: only the size is at stake here.
            member.write(b"<!--" + random.Random(size).randbytes((size - 200) // 2).hex().encode() + b"-->")
            member.write(b"</sst>")

        return write

    rows = header_and([(2, [_inline("A2", "Danh Sóc"), *template_row(2)[1:]])])
    under = workbook_with({STRINGS: strings(MAX_MEMBER_BYTES - 1024), SHEET: sheet_xml(rows)}, shared_strings=True)
    over = workbook_with({STRINGS: strings(MAX_MEMBER_BYTES + 1024), SHEET: sheet_xml(rows)}, shared_strings=True)
    headers, table = read_table(upload(under))
    assert table[0].cells[0] == "Danh Sóc"
    with pytest.raises(ValidationError, match="unpacks to far more data"):
        read_table(upload(over))


def test_a_sheet_of_a_million_empty_formatted_cells_is_refused_without_being_parsed(union_admin):
    def sheet(member):
        member.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
        for line in range(1, 40_001):
            cells = "".join(f'<c r="{_letters(column)}{line}" s="1"/>' for column in range(1, 26))
            member.write(f'<row r="{line}">{cells}</row>'.encode())
        member.write(b"</sheetData></worksheet>")

    data = workbook_with({SHEET: sheet})
    assert len(data) < MAX_UPLOAD_BYTES
    message, peak = refusal_and_peak(union_admin, data)
    assert "unpacks to far more data" in message
    assert peak < PEAK_BOUND


def test_a_row_with_more_cells_than_the_bound_is_refused_before_it_is_built(union_admin):
    crowded = [_inline("A2", "x")] * (MAX_CELLS_PER_ROW + 1)
    data = workbook_with({SHEET: sheet_xml(header_and([(2, crowded)]))})
    message, peak = refusal_and_peak(union_admin, data)
    assert f"Row 2 has more than {MAX_CELLS_PER_ROW} cells" in message
    assert peak < PEAK_BOUND


def test_empty_styled_cells_far_right_and_rows_far_down_cost_nothing_and_the_file_is_read(union_admin):
    rows = [
        (2, [*template_row(2), '<c r="XFD2" s="0"/>']),
        (1048576, template_row(1048576, ["Danh Sóc", *ROW[1:]])),
    ]
    data = workbook_with({SHEET: sheet_xml(header_and(rows))})
    tracemalloc.start()
    try:
        batch = services.import_preview(actor=union_admin, uploaded_file=upload(data))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [row["line"] for row in batch.rows] == [2, 1048576]
    assert [row["data"]["full_name"] for row in batch.rows] == ["Thào A Páo", "Danh Sóc"]
    assert batch.error_count == 0
    assert peak < PEAK_BOUND


def test_a_csv_with_a_value_far_right_is_refused_and_trailing_empty_cells_are_not(union_admin):
    header = ",".join(services.TEMPLATE_HEADERS)
    line = ",".join(ROW)
    wide = f"{header}\r\n{line}{',' * 16000}x\r\n".encode()  # the x is the 16,009th value
    with pytest.raises(ValidationError, match=f"Row 2 has a value in column {_letters(16009)}"):
        read_table(SimpleUploadedFile("ds.csv", wide, content_type="text/csv"))
    padded = f"{header}{',' * 16000}\r\n{line}{',' * 16000}\r\n".encode()
    _headers, table = read_table(SimpleUploadedFile("ds.csv", padded, content_type="text/csv"))
    assert table[0].cells[0] == "Thào A Páo" and len(table[0].cells) == MAX_COLUMNS


def test_the_upload_page_shows_the_refusal_and_keeps_nothing(client, union_admin):
    far = [(2, [*template_row(2), _inline("XFD2", "x")])]
    client.force_login(union_admin)
    response = client.post(
        reverse("roster:import_upload"), {"file": upload(workbook_with({SHEET: sheet_xml(header_and(far))}))}
    )
    assert response.status_code == 200
    assert "Row 2 has a value in column XFD" in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert not User.objects.filter(full_name="Thào A Páo").exists()
