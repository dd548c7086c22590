"""Roster export: scope, filters, formula neutralisation, the export record, query count, encodings. The CSV
streams; the Excel file is an export job (``xlsx`` below presses the button and opens the built file; the
job itself is tested in test_export_jobs.py)."""

import io
from datetime import datetime

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from collaborators.models import ExportJob, ExportRecord, Gender, Position, Role
from collaborators.services.imports import EXPORT_HEADERS, TEMPLATE_HEADERS
from collaborators.services.people import person_create
from core.spreadsheets import neutralise, read_table, write_csv, write_xlsx
from tests.clock import frozen_clock
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
_clock = frozen_clock()  # the tests build their dates from "now"


def export_url(fmt, **params):
    url = reverse("roster:export", kwargs={"fmt": fmt})
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params)
    return url


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def xlsx(client, django_capture_on_commit_callbacks):
    """Press the roster's Excel button with these filters; the job is built once the request commits.
    Returns the download (a response whose ``body`` is the workbook)."""

    def export(**params):
        from urllib.parse import urlencode

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("roster:export_job_new"), {"query": urlencode(params)})
        if response.status_code != 302:
            return response
        job = ExportJob.objects.get(pk=resolve(response["Location"]).kwargs["pk"])
        download = client.get(reverse("roster:export_job_file", args=[job.pk]))
        download.body = b"".join(download.streaming_content)
        return download

    return export


def xlsx_rows(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.body))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def csv_bytes(response) -> bytes:
    """The CSV export is streamed (the first bytes before the last person is read)."""
    assert response.streaming
    return b"".join(response.streaming_content)


def csv_rows(response):
    import csv

    return list(csv.reader(io.StringIO(csv_bytes(response).decode("utf-8-sig"))))


@pytest.fixture
def roster(federation_admin, grassroots, other_union):
    """Two people under the union, one under the other union, with profiles."""
    hung = person_create(
        actor=federation_admin,
        unit=grassroots,
        full_name="Nguyễn Thị Hằng",
        phone="0912345678",
        email="hang@example.org",
        profile={"position": Position.BRIEFER, "gender": Gender.FEMALE, "birth_year": 1980, "workplace": "Trường THCS"},
    )
    minh = person_create(actor=federation_admin, unit=grassroots, full_name="Trần Văn Minh", phone="0912000001")
    outsider = person_create(actor=federation_admin, unit=other_union, full_name="Vũ Văn Ngoại", phone="0912000002")
    return hung, minh, outsider


def test_staff_export_their_subtree_as_xlsx_with_the_template_columns(client, unit_staff, roster, xlsx):
    client.force_login(unit_staff)
    response = xlsx()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    today = timezone.localdate()
    assert response["Content-Disposition"].startswith(f'attachment; filename="danh-sach-ctv-{today:%Y-%m-%d}.xlsx"')
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    rows = xlsx_rows(response)
    assert rows[0] == EXPORT_HEADERS
    assert rows[0][: len(TEMPLATE_HEADERS)] == TEMPLATE_HEADERS
    names = [row[0] for row in rows[1:]]
    assert "Nguyễn Thị Hằng" in names
    assert "Lê Thị Lan" in names  # the staff member herself is in her unit
    assert "Vũ Văn Ngoại" not in names
    hang = next(row for row in rows if row[0] == "Nguyễn Thị Hằng")
    assert hang == [
        "Nguyễn Thị Hằng",
        "0912345678",
        "hang@example.org",
        "WARD-A-01",
        "Báo cáo viên",
        "Trường THCS",
        "Nữ",
        1980,
        None,
        "Đề xuất",
        "Công đoàn cơ sở Trường THCS",
    ]


def test_staff_of_another_union_cannot_export_this_unions_people(client, other_staff, roster):
    client.force_login(other_staff)
    names = [row[0] for row in csv_rows(client.get(export_url("csv")))[1:]]
    assert "Vũ Văn Ngoại" in names
    assert not {"Nguyễn Thị Hằng", "Trần Văn Minh"} & set(names)


def test_asking_for_another_unions_people_by_filter_does_not_reach_them(client, other_staff, roster, grassroots):
    client.force_login(other_staff)
    names = [row[0] for row in csv_rows(client.get(export_url("csv", unit=grassroots.pk, q="Hằng")))[1:]]
    assert "Nguyễn Thị Hằng" not in names


def test_the_federation_admin_exports_everybody(client, federation_admin, roster, xlsx):
    client.force_login(federation_admin)
    names = {row[0] for row in xlsx_rows(xlsx())[1:]}
    assert {"Nguyễn Thị Hằng", "Trần Văn Minh", "Vũ Văn Ngoại"} <= names


def test_a_collaborator_may_not_export(client, collaborator, roster, xlsx):
    client.force_login(collaborator)
    assert xlsx().status_code == 404
    assert client.get(export_url("csv")).status_code == 404
    assert not ExportRecord.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(export_url("csv"))
    assert response.status_code == 302
    assert not ExportRecord.objects.exists()


def test_an_unknown_format_is_not_found(client, unit_staff):
    client.force_login(unit_staff)
    assert client.get("/roster/export.pdf").status_code == 404


def test_the_export_applies_the_lists_filters_and_records_them(client, unit_staff, roster, xlsx):
    client.force_login(unit_staff)
    response = xlsx(q="hang", position=Position.BRIEFER)
    rows = xlsx_rows(response)
    assert [row[0] for row in rows[1:]] == ["Nguyễn Thị Hằng"]
    record = ExportRecord.objects.get()
    assert record.user == unit_staff
    assert (record.kind, record.file_format, record.row_count) == ("roster", "xlsx", 1)
    assert record.parameters == {"q": "hang", "position": Position.BRIEFER}


def test_every_export_writes_a_record_with_its_row_count(client, unit_staff, roster, xlsx):
    client.force_login(unit_staff)
    rows = csv_rows(client.get(export_url("csv")))
    xlsx(role=Role.COLLABORATOR)
    first, second = ExportRecord.objects.order_by("pk")
    assert (first.file_format, first.row_count, first.parameters) == ("csv", len(rows) - 1, {})
    assert first.row_count == 3  # two collaborators and the staff member
    assert (second.file_format, second.row_count, second.parameters) == ("xlsx", 2, {"role": "collaborator"})


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://x")', "+84912", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_look_like_formulas_are_neutralised_in_both_formats(
    client, federation_admin, grassroots, dangerous, xlsx
):
    person_create(
        actor=federation_admin,
        unit=grassroots,
        full_name="Kẻ Gian",
        profile={"workplace": dangerous, "topics_covered": dangerous},
    )
    client.force_login(federation_admin)
    in_xlsx = next(row for row in xlsx_rows(xlsx()) if row[0] == "Kẻ Gian")
    # Some XML readers turn a carriage return into a line feed; the quote in front is what matters.
    expected = {"'" + dangerous, "'" + dangerous.replace("\r", "\n")}
    assert in_xlsx[5] in expected
    assert in_xlsx[8] in expected
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx().body))
    assert not any(cell.data_type == "f" for row in workbook.worksheets[0].iter_rows() for cell in row)
    csv_row = next(row for row in csv_rows(client.get(export_url("csv"))) if row[0] == "Kẻ Gian")
    assert csv_row[5] == "'" + dangerous


def test_a_name_that_is_a_formula_is_neutralised(client, federation_admin, grassroots, xlsx):
    UserFactory(full_name="=1+1", unit=grassroots)
    client.force_login(federation_admin)
    assert "'=1+1" in [row[0] for row in xlsx_rows(xlsx())]
    assert "'=1+1" in [row[0] for row in csv_rows(client.get(export_url("csv")))]


def test_neutralise_leaves_ordinary_values_alone():
    assert neutralise("Nguyễn Văn An") == "Nguyễn Văn An"
    assert neutralise("0912345678") == "0912345678"
    assert neutralise(-5) == -5
    assert neutralise(None) == ""
    assert neutralise("=A1") == "'=A1"
    assert neutralise("a=b") == "a=b"


def test_the_csv_export_keeps_vietnamese_through_a_round_trip(client, unit_staff, roster):
    client.force_login(unit_staff)
    response = client.get(export_url("csv"))
    assert response["Content-Type"].startswith("text/csv")
    content = csv_bytes(response)
    assert content.startswith(b"\xef\xbb\xbf")
    headers, rows = read_table(SimpleUploadedFile("export.csv", content))
    assert headers == EXPORT_HEADERS
    names = {row.cells[0] for row in rows}
    assert {"Nguyễn Thị Hằng", "Trần Văn Minh", "Lê Thị Lan"} == names
    assert "Công đoàn cơ sở Trường THCS" in {row.cells[10] for row in rows}


def test_write_xlsx_handles_time_zones_and_characters_xml_cannot_hold(xlsx):
    aware = timezone.make_aware(datetime(2025, 10, 1, 8, 30))
    content = write_xlsx(["Khi", "Chữ"], [[aware, "a\x00b\x07c"]], title="Thử: [1]")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet.title == "Thử 1"
    assert list(sheet.iter_rows(min_row=2, values_only=True))[0] == (datetime(2025, 10, 1, 8, 30), "abc")


def test_write_csv_writes_dates_day_first():
    content = write_csv(["Ngày"], [[timezone.localdate().replace(year=2025, month=10, day=1)]])
    assert content.decode("utf-8-sig").splitlines()[1] == "01/10/2025"


def test_the_query_count_of_the_export_does_not_grow_with_the_rows(
    client, federation_admin, grassroots, django_assert_max_num_queries, xlsx
):
    for n in range(3):
        person_create(actor=federation_admin, unit=grassroots, full_name=f"Người {n}", profile={"workplace": "A"})
    client.force_login(federation_admin)
    with CaptureQueriesContext(connection) as few:
        assert xlsx(q="nguoi").status_code == 200
    for n in range(3, 40):
        person_create(actor=federation_admin, unit=grassroots, full_name=f"Người {n}", profile={"workplace": "A"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = xlsx(q="nguoi")
    assert len(xlsx_rows(response)) == 41
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(export_url("csv", q="nguoi"))


def test_the_csv_export_is_recorded_before_the_first_byte_and_counts_the_rows_sent(client, unit_staff, roster):
    client.force_login(unit_staff)
    response = client.get(export_url("csv"))
    record = ExportRecord.objects.get()
    assert (record.kind, record.file_format, record.row_count) == ("roster", "csv", 0)  # nothing sent yet
    chunks = iter(response.streaming_content)
    assert next(chunks).startswith(b"\xef\xbb\xbf")  # the header first
    rest = b"".join(chunks)
    assert rest.count(b"\r\n") == 3
    record.refresh_from_db()
    assert record.row_count == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_the_roster_csv_written_by_copy_is_the_bytes_python_writes(unit_staff, federation_admin, roster, grassroots):
    """On PostgreSQL the roster's CSV is written by COPY: the same bytes as Python's writer on hostile text,
    people with and without a profile, and the same scope and record."""
    from collaborators.selectors import people_visible_to
    from collaborators.services.imports import _roster_stream

    person_create(
        actor=federation_admin,
        unit=grassroots,
        full_name='=Đặng "Tý", Ánh',
        phone="+84912000003",
        email="-x@example.org",
        profile={"workplace": '@Xưởng, "số 1"\nca đêm', "topics_covered": "\tlương", "gender": Gender.MALE},
    )
    UserFactory(username="noprofile", full_name="Không Hồ Sơ", unit=grassroots, role=Role.COLLABORATOR)
    out = {}
    for copy in (True, False):
        record = ExportRecord.objects.create(
            user=unit_staff, kind="roster", file_format="csv", row_count=0, parameters={}
        )
        data = b"".join(_roster_stream(record, people_visible_to(unit_staff), "vi", copy=copy))
        record.refresh_from_db()
        out[copy] = (data, record.row_count)
    assert out[True] == out[False]
    import csv

    rows = list(csv.reader(io.StringIO(out[True][0].decode("utf-8-sig"), newline="")))
    assert len(rows) - 1 == out[True][1] == 5  # three people, the staff member, the one without a profile
    odd = next(row for row in rows if "Tý" in row[0])
    assert odd[:3] == ['\'=Đặng "Tý", Ánh', "'+84912000003", "'-x@example.org"]
    assert odd[5] == '\'@Xưởng, "số 1"\nca đêm'
    assert "Vũ Văn Ngoại" not in {row[0] for row in rows}
