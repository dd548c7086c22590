"""Issuing a summary safely: a period not yet closed asks for a confirmation, the message names who got
the files and who did not, the draft's placeholder blocks approval, trainings count only when held,
a period in progress is not compared with a whole one, the same proposal is merged with its units'
count, no emoji reaches the official text, and the Word file's symbol, numbering and "Nơi nhận"
follow Decree 30/2020."""

import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from collaborators.models import Role, UnitKind
from notifications.models import Notification
from reports.models import ReportKind
from summaries.models import ReportingPeriod, Summary, SummaryStatus
from summaries.services.summaries import (
    document_symbol,
    recipient_delivery,
    summary_approve,
    summary_compile,
    summary_correct,
    summary_edit,
    summary_issue,
    summary_schedule,
)
from tests.factories import UnitFactory, UserFactory
from tests.summaries.conftest import make_report
from trainings import services as trainings

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
# The tests count in calendar months (tests/summaries/conftest.py): October runs from 1 to 31 October.
IN_OCTOBER = datetime(2026, 10, 20, 9, tzinfo=HANOI)
AFTER_OCTOBER = datetime(2026, 11, 21, 9, tzinfo=HANOI)
OUTLOOK = "Dự báo tư tưởng công nhân ổn định."


@pytest.fixture
def city_staff(city):
    return UserFactory(username="citystaff", full_name="Trần Văn Bình", unit=city, role=Role.STAFF)


def _compiled(scope, *, at):
    """The October summary of ``scope``, compiled at the moment ``at``."""
    with time_machine.travel(at, tick=False):
        summary, _ = summary_schedule(scope=scope, period=ReportingPeriod.objects.month_of(date(2026, 10, 1)))
        if summary.status != SummaryStatus.PENDING:
            Summary.objects.filter(pk=summary.pk).update(status=SummaryStatus.PENDING)
        assert summary_compile(summary_id=summary.pk)
    summary.refresh_from_db()
    return summary


def _approved(summary, actor, *, recipients="Ban Tuyên giáo Thành ủy <btg@hanoi.example>\nVăn phòng Thành ủy"):
    summary = summary_edit(
        actor=actor, summary=summary, sections={"outlook": OUTLOOK}, fields={"recipients": recipients}
    )
    return summary_approve(actor=actor, summary=summary)


def _october_report(author, **fields):
    return make_report(author, sent_at=datetime(2026, 10, 5, 10, tzinfo=HANOI), **fields)


# -- issuing before the period closes -------------------------------------------------------------


def test_a_period_not_yet_closed_is_issued_only_after_a_confirmation(client, city, collaborator, city_staff):
    _october_report(collaborator)
    summary = _approved(_compiled(city, at=IN_OCTOBER), city_staff)
    client.force_login(city_staff)
    with time_machine.travel(IN_OCTOBER, tick=False):
        detail = client.get(reverse("summaries:detail", args=[summary.pk]))
        assert 'data-testid="period-open-note"' in detail.content.decode()
        with pytest.raises(ValidationError) as refused:
            summary_issue(actor=city_staff, summary=summary)
        assert refused.value.code == "period_open"
        page = client.post(reverse("summaries:issue", args=[summary.pk]))
        assert page.status_code == 200
        assert 'data-testid="period-open-warning"' in page.content.decode()
        assert "31/10/2026" in page.content.decode()
        summary.refresh_from_db()
        assert summary.status == SummaryStatus.APPROVED and not summary.number
        response = client.post(reverse("summaries:issue", args=[summary.pk]), {"confirm_open_period": "1"})
    assert response.status_code == 302
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.ISSUED


def test_a_closed_period_is_issued_without_a_question(client, city, collaborator, city_staff):
    _october_report(collaborator)
    summary = _approved(_compiled(city, at=AFTER_OCTOBER), city_staff)
    client.force_login(city_staff)
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        response = client.post(reverse("summaries:issue", args=[summary.pk]))
    assert response.status_code == 302
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.ISSUED


# -- what the message says was sent --------------------------------------------------------------


def test_the_message_names_who_got_the_files_and_who_got_nothing(client, city, collaborator, city_staff):
    _october_report(collaborator)
    summary = _approved(
        _compiled(city, at=AFTER_OCTOBER),
        city_staff,
        recipients="Ban Tuyên giáo Thành ủy <btg@hanoi.example>\nVăn phòng Thành ủy\nLưu: VT",
    )
    client.force_login(city_staff)
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        response = client.post(reverse("summaries:issue", args=[summary.pk]), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("Ban Tuyên giáo Thành ủy" in m and "Văn phòng" not in m for m in messages), messages
    assert any("Văn phòng Thành ủy" in m and "Lưu" not in m for m in messages), messages
    outside = Notification.objects.filter(kind="summary_issued", recipient__isnull=True)
    assert [n.to_email for n in outside] == ["btg@hanoi.example"]
    summary.refresh_from_db()
    assert recipient_delivery(summary) == {
        "sent": [("Ban Tuyên giáo Thành ủy", "btg@hanoi.example")],
        "unsent": ["Văn phòng Thành ủy"],
    }


def test_without_any_address_the_message_says_nothing_was_sent(client, city, collaborator, city_staff):
    _october_report(collaborator)
    summary = _approved(_compiled(city, at=AFTER_OCTOBER), city_staff, recipients="Văn phòng Thành ủy\nLưu: VT")
    client.force_login(city_staff)
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        response = client.post(reverse("summaries:issue", args=[summary.pk]), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert not any("gửi tới nơi nhận" in m or "were sent by e-mail" in m for m in messages), messages
    assert any("chưa gửi tệp cho ai" in m for m in messages), messages
    assert any("Văn phòng Thành ủy" in m for m in messages), messages
    assert not Notification.objects.filter(kind="summary_issued", recipient__isnull=True).exists()


# -- the placeholder blocks approval --------------------------------------------------------------


def test_a_section_still_holding_the_placeholder_cannot_be_approved(client, city, collaborator, city_staff):
    _october_report(collaborator)
    summary = _compiled(city, at=AFTER_OCTOBER)
    assert summary.sections["outlook"] == "Phần này do cán bộ tổng hợp báo cáo viết."
    with pytest.raises(ValidationError) as refused:
        summary_approve(actor=city_staff, summary=summary)
    assert refused.value.code == "placeholder" and "Dự báo" in refused.value.messages[0]
    client.force_login(city_staff)
    response = client.post(reverse("summaries:approve", args=[summary.pk]), follow=True)
    assert any("Dự báo" in str(m) for m in response.context["messages"])
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.COMPILED
    # Written, it can be approved.
    summary = summary_edit(actor=city_staff, summary=summary, sections={"outlook": OUTLOOK}, fields={})
    assert summary_approve(actor=city_staff, summary=summary).status == SummaryStatus.APPROVED


# -- what the draft says --------------------------------------------------------------------------


def test_trainings_count_only_once_held(city, union, federation_admin, collaborator):
    _october_report(collaborator)
    with time_machine.travel(datetime(2026, 10, 1, 8, tzinfo=HANOI), tick=False):
        for day in (5, 25):
            starts = datetime(2026, 10, day, 8, tzinfo=HANOI)
            session = trainings.session_create(
                actor=federation_admin,
                unit=city,
                target_units=[union],
                title=f"Tập huấn ngày {day}",
                venue="Hội trường",
                starts_at=starts,
                ends_at=starts + timedelta(hours=4),
                capacity=10,
            )
            trainings.session_publish(actor=federation_admin, session=session)
    during = _compiled(city, at=IN_OCTOBER)
    assert during.statistics["trainings"]["sessions"] == 1
    assert "Đã tổ chức 1 buổi tập huấn" in during.sections["activity"]
    before_any = datetime(2026, 10, 3, 9, tzinfo=HANOI)
    early = _compiled(city, at=before_any)
    assert early.statistics["trainings"]["sessions"] == 0
    assert early.sections["activity"].endswith("Trong kỳ không tổ chức buổi tập huấn nào.")
    after = _compiled(city, at=AFTER_OCTOBER)
    assert after.statistics["trainings"]["sessions"] == 2


def test_a_period_in_progress_is_not_compared_with_the_whole_previous_one(city, collaborator, other_collaborator):
    make_report(collaborator, sent_at=datetime(2026, 9, 10, 10, tzinfo=HANOI))
    make_report(other_collaborator, sent_at=datetime(2026, 9, 12, 10, tzinfo=HANOI))
    _october_report(collaborator)
    during = _compiled(city, at=IN_OCTOBER)
    assert during.statistics["period"]["partial_until"] == "2026-10-20"
    assert "-1" not in during.sections["mood"] and "20/10/2026" in during.sections["mood"]
    assert "kỳ trước" not in during.sections["opinion"]
    closed = _compiled(city, at=AFTER_OCTOBER)
    assert closed.statistics["period"]["partial_until"] is None
    assert "-1" in closed.sections["mood"]


def test_the_same_proposal_from_several_units_is_one_line_with_their_count(
    city, union, other_union, collaborator, other_collaborator
):
    third_unit = UnitFactory(parent=city, kind=UnitKind.COMMUNE_WARD, code="WARD-C", name="Công đoàn phường Ba Đình")
    third = UserFactory(username="collab3", unit=third_unit, role=Role.COLLABORATOR)
    for author, title in (
        (collaborator, "Đề nghị tăng phụ cấp cho cộng tác viên"),
        (other_collaborator, "đề nghị tăng phụ cấp cho cộng tác viên"),
        (third, "Đề nghị tăng phụ cấp cho cộng tác viên"),
        (collaborator, "Đề nghị tăng phụ cấp cho cộng tác viên"),
        (third, "Đề nghị mở thêm lớp tập huấn"),
    ):
        _october_report(author, kind=ReportKind.PROPOSAL, title=title)
    summary = _compiled(city, at=AFTER_OCTOBER)
    proposals = summary.statistics["proposals"]
    assert [(p["title"], p["units"]) for p in proposals] == [
        ("Đề nghị tăng phụ cấp cho cộng tác viên", 3),
        ("Đề nghị mở thêm lớp tập huấn", 1),
    ]
    lines = summary.sections["recommendations"].splitlines()
    assert len(lines) == 2
    assert lines[0] == "- Đề nghị tăng phụ cấp cho cộng tác viên (3 đơn vị đề xuất)"
    assert lines[1] == "- Đề nghị mở thêm lớp tập huấn (Công đoàn phường Ba Đình)"


# -- the official text ------------------------------------------------------------------------------


def _docx_text(summary):
    document = Document(io.BytesIO(summary.docx.read()))
    paragraphs = [p.text for p in document.paragraphs]
    cells = [p.text for table in document.tables for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return document, paragraphs, cells


def test_issued_text_and_files_carry_no_emoji_and_follow_decree_30(city, collaborator, city_staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _october_report(collaborator, title="Công nhân vui mừng 🎉 vì tăng lương 👍")
    summary = _compiled(city, at=AFTER_OCTOBER)
    summary = summary_edit(
        actor=city_staff,
        summary=summary,
        sections={"outlook": "Tình hình ổn định 😊✅, cần theo dõi 🔥 việc nợ lương.", "mood": "Tâm trạng tốt 👍🏽."},
        fields={"recipients": "Ban Tuyên giáo Thành ủy\nLưu: VT", "signer_name": "Nguyễn Văn Minh 🙂"},
    )
    summary = summary_approve(actor=city_staff, summary=summary)
    with time_machine.travel(AFTER_OCTOBER, tick=False), transaction.atomic():
        summary = summary_issue(actor=city_staff, summary=summary)
    summary.refresh_from_db()
    emoji = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
    assert summary.sections["outlook"] == "Tình hình ổn định, cần theo dõi việc nợ lương."
    assert summary.sections["mood"] == "Tâm trạng tốt."
    assert summary.signer_name == "Nguyễn Văn Minh"
    document, paragraphs, cells = _docx_text(summary)
    everything = "\n".join(paragraphs + cells)
    assert not emoji.search(everything)
    workbook = load_workbook(io.BytesIO(summary.xlsx.read()))
    values = [str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert not any(emoji.search(v) for v in values)
    # Symbol with Đ, the sections numbered I–VII, "Nơi nhận" ending with "- Lưu: VT."
    assert summary.number == "1/BC-LĐLĐ" and "Số: 1/BC-LĐLĐ" in cells
    headings = [p for p in paragraphs if re.match(r"^[IVX]+\. ", p)]
    assert [h.split(".")[0] for h in headings] == ["I", "II", "III", "IV", "V", "VI", "VII"]
    recipients = [c for c in cells if c.startswith("- ")]
    assert recipients == ["- Ban Tuyên giáo Thành ủy;", "- Lưu: VT."]
    # Page numbers: a PAGE field in the header, none on the first page.
    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert "PAGE" in section.header._element.xml and "PAGE" not in section.first_page_header._element.xml


def test_the_page_numbers_sections_as_the_word_file_does(client, city, collaborator, city_staff):
    _october_report(collaborator)
    summary = _compiled(city, at=AFTER_OCTOBER)
    client.force_login(city_staff)
    page = client.get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    numbers = re.findall(r'<h2 class="h6">([IVX]+)\. ', page)
    assert numbers == ["I", "II", "III", "IV", "V", "VI", "VII"]


def test_the_symbol_names_the_issuing_body_in_vietnamese_letters(city, union, grassroots):
    assert document_symbol(city) == "BC-LĐLĐ"
    assert document_symbol(grassroots) == "BC-CĐCS"
    assert document_symbol(UnitFactory(parent=city, kind=UnitKind.DISTRICT_FEDERATION, code="D1")) == "BC-LĐLĐ"


NO_TRAINING = "Trong kỳ không tổ chức buổi tập huấn nào."


def test_without_a_training_session_one_sentence_replaces_the_table_of_zeros(
    client, city, union, collaborator, city_staff, federation_admin, settings, tmp_path
):
    """Sentences on trainings only for sessions held: none held, the web page and the Word file say so once,
    with no row of zeros; with a session held, the table is there."""
    settings.MEDIA_ROOT = tmp_path
    _october_report(collaborator)
    summary = _approved(_compiled(city, at=AFTER_OCTOBER), city_staff)
    assert summary.statistics["trainings"]["sessions"] == 0
    client.force_login(city_staff)
    page = client.get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert 'data-testid="table-trainings-empty"' in page and 'data-testid="table-trainings"' not in page
    assert NO_TRAINING in page
    with time_machine.travel(AFTER_OCTOBER, tick=False), transaction.atomic():
        summary = summary_issue(actor=city_staff, summary=summary)
    document, paragraphs, cells = _docx_text(summary)
    assert "Buổi tập huấn" not in cells and "Tập huấn trong kỳ" not in paragraphs
    assert sum(p.count(NO_TRAINING) for p in paragraphs) == 1
    # The sentence stands even when the editor took it out of the section's text.
    edited = _compiled(union, at=AFTER_OCTOBER)
    edited = summary_edit(
        actor=city_staff, summary=edited, sections={"activity": "Mạng lưới hoạt động đều."}, fields={}
    )
    edited = _approved(edited, city_staff)
    with time_machine.travel(AFTER_OCTOBER, tick=False), transaction.atomic():
        edited = summary_issue(actor=city_staff, summary=edited)
    _document, paragraphs, cells = _docx_text(edited)
    assert NO_TRAINING in paragraphs and "Buổi tập huấn" not in cells
    # A session held: its table, and no such sentence.
    with time_machine.travel(datetime(2026, 10, 1, 8, tzinfo=HANOI), tick=False):
        starts = datetime(2026, 10, 5, 8, tzinfo=HANOI)
        session = trainings.session_create(
            actor=federation_admin,
            unit=city,
            target_units=[union],
            title="Tập huấn ngày 5",
            venue="Hội trường",
            starts_at=starts,
            ends_at=starts + timedelta(hours=4),
            capacity=10,
        )
        trainings.session_publish(actor=federation_admin, session=session)
    correction = summary_correct(actor=city_staff, summary=summary)
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        assert summary_compile(summary_id=correction.pk)
    correction.refresh_from_db()
    assert correction.statistics["trainings"]["sessions"] == 1
    held = _approved(correction, city_staff)
    page = client.get(reverse("summaries:detail", args=[held.pk])).content.decode()
    assert 'data-testid="table-trainings"' in page and 'data-testid="table-trainings-empty"' not in page
    with time_machine.travel(AFTER_OCTOBER, tick=False), transaction.atomic():
        held = summary_issue(actor=city_staff, summary=held)
    _document, paragraphs, cells = _docx_text(held)
    assert "Buổi tập huấn" in cells and "Tập huấn trong kỳ" in paragraphs
