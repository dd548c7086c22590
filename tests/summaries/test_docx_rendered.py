"""The issued Word file as a printer sees it: rendered to PDF by LibreOffice (Debian's
libreoffice-writer-nogui) and read back with pdftotext and pdfinfo (poppler-utils). Skipped when they are
missing, unless REQUIRE_INTEGRATION=1 (CI), where that is a failure."""

import re
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from collaborators.models import Role, Unit
from reports.models import ReportKind
from summaries.models import ReportingPeriod
from summaries.services.summaries import summary_approve, summary_compile, summary_edit, summary_issue, summary_schedule
from tests.factories import UserFactory
from tests.prerequisites import missing_prerequisite
from tests.summaries.conftest import make_report

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def _tools():
    tools = {name: shutil.which(name) for name in ("soffice", "pdftotext", "pdfinfo")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        missing_prerequisite(
            f"rendering the Word file needs {', '.join(missing)} "
            "(apt-get install libreoffice-writer-nogui poppler-utils)"
        )
    return tools


def _render(tools, docx_path, out_dir):
    """The PDF LibreOffice makes of the Word file (a profile of its own, so runs side by side do not meet)."""
    profile = (out_dir / "lo-profile").as_uri()
    subprocess.run(
        [
            tools["soffice"],
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(docx_path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out_dir / (docx_path.stem + ".pdf")


def _pages(tools, pdf):
    info = subprocess.run([tools["pdfinfo"], str(pdf)], check=True, capture_output=True, text=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    pages = []
    for number in range(1, count + 1):
        text = subprocess.run(
            [tools["pdftotext"], "-layout", "-f", str(number), "-l", str(number), str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        pages.append([line.strip() for line in text.splitlines() if line.strip()])
    return pages


def test_the_issued_word_file_prints_with_one_line_headers_page_numbers_and_the_filing_line(
    city, union, collaborator, settings, tmp_path
):
    tools = _tools()
    settings.MEDIA_ROOT = tmp_path / "media"
    Unit.objects.filter(pk=city.pk).update(name="Liên đoàn Lao động thành phố Hà Nội")
    city.refresh_from_db()
    staff = UserFactory(username="citystaff", unit=city, role=Role.STAFF)
    for day in range(1, 25):
        make_report(
            collaborator,
            sent_at=datetime(2026, 10, day, 10, tzinfo=HANOI),
            kind=ReportKind.PROPOSAL if day % 3 == 0 else ReportKind.OPINION,
            title=f"Ý kiến số {day} của công nhân về tiền lương, việc làm và đời sống",
        )
    long_text = "\n".join(
        f"Đoạn {n}: tư tưởng công nhân, viên chức, lao động cơ bản ổn định; cần tiếp tục theo dõi sát diễn biến "
        "việc làm, tiền lương và thưởng cuối năm tại các doanh nghiệp trong khu công nghiệp."
        for n in range(1, 16)
    )
    with time_machine.travel(datetime(2026, 11, 21, 9, tzinfo=HANOI), tick=False):
        summary, _ = summary_schedule(scope=city, period=ReportingPeriod.objects.month_of(datetime(2026, 10, 1)))
        assert summary_compile(summary_id=summary.pk)
        summary.refresh_from_db()
        summary = summary_edit(
            actor=staff,
            summary=summary,
            sections={"outlook": long_text},
            fields={"recipients": "Ban Tuyên giáo Thành ủy\nLưu: VT", "signer_name": "Nguyễn Văn Minh"},
        )
        summary = summary_approve(actor=staff, summary=summary)
        with transaction.atomic():
            summary = summary_issue(actor=staff, summary=summary)

    docx_path = tmp_path / "summary.docx"
    docx_path.write_bytes(summary.docx.read())
    pages = _pages(tools, _render(tools, docx_path, tmp_path))

    assert len(pages) >= 2, pages
    first = pages[0]
    # Each header line on one line of its own column (the columns sit side by side on a printed line).
    assert first[0].startswith("TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM") and first[0].endswith(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    ), first[:4]
    assert first[1].startswith("LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI") and first[1].endswith(
        "Độc lập - Tự do - Hạnh phúc"
    ), first[:4]
    assert first[2].startswith("Số: 1/BC-LĐLĐ") and first[2].endswith("Hà Nội, ngày 21 tháng 11 năm 2026"), first[:4]
    # No number on the first page; every later page starts with its own number.
    assert not re.fullmatch(r"\d+", first[0])
    assert [page[0] for page in pages[1:]] == [str(n) for n in range(2, len(pages) + 1)]
    # The sections are numbered I–VII, and "Nơi nhận" ends with "- Lưu: VT.".
    body = [line for page in pages for line in page]
    assert [re.match(r"^([IVX]+)\. ", line).group(1) for line in body if re.match(r"^[IVX]+\. ", line)] == [
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
        "VII",
    ]
    last = pages[-1]
    start = next(i for i, line in enumerate(last) if line.startswith("Nơi nhận:"))
    recipients = [line for line in last[start + 1 :] if line.startswith("- ")]
    assert [line.split("  ")[0] for line in recipients] == ["- Ban Tuyên giáo Thành ủy;", "- Lưu: VT."], last
