"""The reports' CSV written two ways: by PostgreSQL's COPY (what the export does on PostgreSQL) and in Python
(``export_rows`` and ``stream_csv``, what it does elsewhere and what the XLSX job reads). Both give the same
bytes on hostile data (formula-like cells, quotes, commas, line breaks, Vietnamese, missing relations,
withheld and anonymised authors, local time across 17:00 UTC); the consent rule read in the query agrees
with the rule read on a report; the export stays scoped and recorded with its row count."""

import csv
import io
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import translation

import core.spreadsheets
from collaborators.models import ExportRecord, Role
from collaborators.services.people import consent_give, consent_withdraw
from reports import selectors
from reports.models import Breadth, Direction, FocusPolicy, Report, ReportKind
from reports.services import report_accept, report_assign, report_nothing_new, rumour_create
from reports.services.exports import _stream, author_shown, export_headers, export_queue
from reports.services.retention import REPORTS, reports_retention
from tests.clock import frozen_clock
from tests.factories import UnitFactory, UserFactory
from tests.reports.conftest import make_report

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = ZoneInfo("UTC")
_clock = frozen_clock(datetime(2026, 11, 20, 9, 0, tzinfo=HANOI))

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")

HOSTILE = [
    "=1+1",
    "+",
    "-",
    "@",
    "\tTab đầu dòng",
    "\rCR đầu dòng",
    '=HYPERLINK("http://evil","click")',
    'Có "ngoặc kép", và dấu phẩy',
    "Dòng một\nDòng hai",
    "Dòng một\r\nDòng hai, CRLF",
    " =có khoảng trắng trước",
    "'đã có dấu nháy",
    "-5",
    "Đặng Thị Ngọc Ánh ở Thừa Thiên Huế: ổn định, lương ưu đãi",
    "\\.",
    '"',
]


@pytest.fixture
def hostile(union, unit_staff, collaborator, other_collaborator):
    """Reports with hostile text everywhere a report has text, by authors named, withheld and anonymised,
    sent just before and just after 17:00 UTC (midnight in Hanoi), with and without their relations."""
    odd_unit = UnitFactory(parent=union, code="WARD-A-02", name='=Đơn vị "lạ", có dấu phẩy')
    odd_author = UserFactory(username="odd", full_name='@Nguyễn Văn, "Tý"', unit=odd_unit, role=Role.COLLABORATOR)
    withdrawn = UserFactory(username="withdrawn", full_name="Trần Rút Lại", unit=odd_unit, role=Role.COLLABORATOR)
    consent_give(user=withdrawn, version="2025-10")
    consent_give(user=odd_author, version="2025-10")
    reviewer = UserFactory(username="-reviewer", full_name="", unit=union, role=Role.STAFF)
    policy = FocusPolicy.objects.create(code="hostile", name="=SUM(A1:A9)")
    with time_machine.travel(datetime(2026, 1, 5, 9, 0, tzinfo=HANOI), tick=False):
        old = make_report(collaborator, title="=cũ sẽ được ẩn danh", content="@nội dung cũ")
    reports_retention(cutoffs={REPORTS: datetime(2026, 2, 1, tzinfo=HANOI)}, apply=True)
    made = [old]
    for index, text in enumerate(HOSTILE):
        author = (collaborator, odd_author, withdrawn)[index % 3]
        moment = datetime(2026, 11, 19, 16, 59, 1, tzinfo=UTC) if index % 2 else datetime(2026, 11, 19, 17, tzinfo=UTC)
        with time_machine.travel(moment, tick=False):
            report = make_report(
                author,
                title=text or "(trống)",
                content=HOSTILE[-1 - index],
                kind=ReportKind.RUMOUR if index % 4 == 0 else ReportKind.OPINION,
                focus_policy=policy if index % 2 else None,
                direction=Direction.values[index % len(Direction.values)] if index % 5 else "",
                breadth=Breadth.values[0] if index % 2 else "",
                group_concerned=text,
                place=HOSTILE[(index + 3) % len(HOSTILE)],
                observed_on=date(2026, 11, 1 + index) if index % 2 else None,
                people_involved=index * 7 if index % 3 else None,
                urgent=bool(index % 2),
            )
        made.append(report)
    with time_machine.travel(datetime(2026, 11, 19, 17, 0, tzinfo=UTC), tick=False):
        made.append(report_nothing_new(author=odd_author, token=uuid.uuid4())[0])  # no kind, topic or content
    rumour_create(actor=unit_staff, title='@Tin đồn "lạ", có dấu phẩy', report=made[1])
    report_assign(actor=unit_staff, report=made[2], assignee=reviewer)
    report_assign(actor=unit_staff, report=made[3], assignee=unit_staff)
    report_accept(actor=unit_staff, report=made[4])
    consent_withdraw(user=withdrawn)
    make_report(other_collaborator, title="Ngoài phạm vi của phường Ba Đình")
    return made


def both_ways(user, parameters, language="vi"):
    """The export's bytes for ``user`` and ``parameters`` written by COPY (on PostgreSQL) and in Python, and
    the records: ``{True: (COPY's bytes, record), False: (Python's bytes, record)}``."""
    out = {}
    for copy in (True, False) if connection.vendor == "postgresql" else (False,):
        with translation.override(language):
            record = ExportRecord.objects.create(
                user=user, kind="reports", file_format="csv", row_count=0, parameters=parameters
            )
            chunks = _stream(
                record,
                export_headers(),
                export_queue(user, parameters),
                language,
                "Asia/Ho_Chi_Minh",
                copy=copy,
            )
            out[copy] = (b"".join(chunks), ExportRecord.objects.get(pk=record.pk))
    return out


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@on_postgresql
@pytest.mark.parametrize("chunk_bytes", [1, 300, 256 * 1024])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_copy_and_python_write_the_same_bytes_on_hostile_data(hostile, unit_staff, monkeypatch, chunk_bytes, language):
    monkeypatch.setattr(core.spreadsheets, "COPY_CHUNK_BYTES", chunk_bytes)
    out = both_ways(unit_staff, {"status": ""}, language)
    (copied, copy_record), (written, python_record) = out[True], out[False]
    assert copied == written
    rows = rows_of(copied)
    assert len(rows) == 1 + len(hostile)
    assert copy_record.row_count == python_record.row_count == len(hostile)


def test_the_export_is_neutralised_local_and_withholds_names(hostile, unit_staff):
    """On PostgreSQL as COPY writes it, elsewhere as Python does."""
    copied, _record = both_ways(unit_staff, {"status": ""})[connection.vendor == "postgresql"]
    assert copied.startswith("\ufeff".encode())
    assert b"\r\n" in copied and b"\n" in copied.replace(b"\r\n", b"")  # CRLF rows, the LF of a cell kept
    rows = {int(row[0]): row for row in rows_of(copied)[1:]}
    by_title = {report.title: rows[report.pk] for report in hostile}
    for text in ("=1+1", "+", "-", "@", "\tTab đầu dòng", "\rCR đầu dòng", "-5"):
        assert by_title[text][8] == "'" + text  # the title
        assert by_title[text][15] == "'" + text  # the group concerned
    for text in (" =có khoảng trắng trước", "'đã có dấu nháy", 'Có "ngoặc kép", và dấu phẩy', "Dòng một\nDòng hai"):
        assert by_title[text][8] == text
    assert {row[2] for row in rows.values()} == {"Công đoàn cơ sở Trường THCS", '\'=Đơn vị "lạ", có dấu phẩy'}
    # 17:00 UTC is midnight in Hanoi: one minute either side falls on two local days.
    sent = {rows[report.pk][1] for report in hostile[1:]}
    assert sent == {"20/11/2026 00:00", "19/11/2026 23:59"}
    authors = {rows[report.pk][3] for report in hostile}
    assert "Phạm Văn Hùng" in authors
    assert '\'@Nguyễn Văn, "Tý"' in authors
    assert "Trần Rút Lại" not in authors
    assert str(selectors.author_label(None, selectors.WITHHELD)) in authors
    assert rows[hostile[0].pk][3] == str(selectors.author_label(None, selectors.ANONYMISED))
    assert rows[hostile[2].pk][23] == "'-reviewer"  # no full name: the username, neutralised
    assert rows[hostile[1].pk][22] == '\'@Tin đồn "lạ", có dấu phẩy'
    assert "'=SUM(A1:A9)" in {row[7] for row in rows.values()}
    assert rows[hostile[-1].pk][6] == rows[hostile[-1].pk][4] == ""  # nothing new: no topic, no kind


def test_the_export_is_scoped_and_recorded_through_the_view(client, hostile, unit_staff, other_staff):
    client.force_login(unit_staff)
    response = client.get(reverse("reports:export", kwargs={"fmt": "csv"}), {"status": ""})
    rows = rows_of(b"".join(response.streaming_content))
    assert {int(row[0]) for row in rows[1:]} == {report.pk for report in hostile}
    assert "Ngoài phạm vi của phường Ba Đình" not in {row[8] for row in rows}
    record = ExportRecord.objects.get(user=unit_staff)
    assert (record.file_format, record.row_count, record.parameters) == ("csv", len(hostile), {"status": ""})
    client.force_login(other_staff)
    response = client.get(reverse("reports:export", kwargs={"fmt": "csv"}), {"status": ""})
    rows = rows_of(b"".join(response.streaming_content))
    assert [row[8] for row in rows[1:]] == ["Ngoài phạm vi của phường Ba Đình"]
    assert ExportRecord.objects.get(user=other_staff).row_count == 1


@on_postgresql
def test_a_copied_export_stopped_early_records_the_rows_sent_and_leaves_the_connection_usable(
    hostile, unit_staff, monkeypatch
):
    monkeypatch.setattr(core.spreadsheets, "COPY_CHUNK_BYTES", 1)  # one row per chunk
    record = ExportRecord.objects.create(user=unit_staff, kind="reports", file_format="csv", row_count=0, parameters={})
    chunks = _stream(
        record, export_headers(), export_queue(unit_staff, {"status": ""}), "vi", "Asia/Ho_Chi_Minh", copy=True
    )
    header, first, second = next(chunks), next(chunks), next(chunks)
    assert header.startswith("\ufeff".encode()) and first and second
    chunks.close()
    record.refresh_from_db()
    assert record.row_count == 2
    assert Report.objects.filter(pk__in=[r.pk for r in hostile]).count() == len(hostile)


def test_the_consent_rule_reads_the_same_in_the_query_and_on_the_report(hostile, collaborator):
    """``author_shown`` (on a report, for pages) and ``author_shown_expression`` (in the query, for the
    exports) follow one definition: named, no profile, consent given, withdrawn, anonymised."""
    no_profile = UserFactory(username="noprofile", full_name="", unit=collaborator.unit, role=Role.COLLABORATOR)
    reports = [*hostile, make_report(no_profile, title="Không có hồ sơ")]
    in_query = dict(
        Report.objects.filter(pk__in=[r.pk for r in reports]).values_list("pk", selectors.author_shown_expression())
    )
    for report in Report.objects.filter(pk__in=[r.pk for r in reports]).select_related("author__profile"):
        assert in_query[report.pk] == author_shown(report), report.title
    assert set(in_query.values()) == {
        "Phạm Văn Hùng",
        '@Nguyễn Văn, "Tý"',
        str(selectors.author_label(None, selectors.WITHHELD)),
        str(selectors.author_label(None, selectors.ANONYMISED)),
        "noprofile",
    }
