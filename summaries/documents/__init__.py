"""Word and Excel files for a summary (báo cáo tình hình tư tưởng, dư luận xã hội).

Pure renderers: they take a dict the caller has already built and translated,
and return the file's bytes. No database, no settings, no wording of their own:
even the national motto and the "Kính gửi:" / "Nơi nhận:" labels come in
``content["labels"]``, so the same code writes an English copy.

The Word file follows the layout of state documents in Decree 30/2020/NĐ-CP
(A4, Times New Roman, issuing body top left, motto top right, recipients
bottom left, signature bottom right). The Excel file has an overview sheet
and one sheet per table, with real numbers and every text cell neutralised
against formula injection.

Numbers in the Word file are written the Vietnamese way (12.345 and 45,5)
unless ``labels`` gives ``thousands_separator`` and ``decimal_separator``.
"""

import io
import re
from decimal import Decimal
from numbers import Number

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# Plain functions with no model or settings behind them (see their modules).
from core.spreadsheets import neutralise
from core.text import strip_emoji

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
# Control characters that XML (hence DOCX and XLSX) cannot hold.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ILLEGAL_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31
# Excel reserves this sheet name (case-insensitively).
_RESERVED_SHEET_TITLES = {"history"}

# A4 with the margins of Decree 30/2020/NĐ-CP (left 3 cm, right 1.5–2 cm, top and bottom 2 cm).
PAGE_WIDTH, PAGE_HEIGHT = Cm(21), Cm(29.7)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Cm(2), Cm(2), Cm(3), Cm(2)
_TEXT_WIDTH_CM = 21 - 3 - 2
# The header table: issuing body and number on the left, the motto on the right, each line on one line.
# It starts 1 cm into the (3 cm) left margin and reaches 0.5 cm into the right one; its cells have no side
# padding. The motto column fits "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in bold 12 pt; a line too long for
# its column is set smaller, down to HEADER_MIN_PT (Decree 30/2020 asks 12–13 pt; a long union name
# would otherwise wrap).
_HEADER_INDENT_CM = -1.0
_HEADER_LEFT_CM = 8.1
_HEADER_RIGHT_CM = 9.4
HEADER_PT = 12
HEADER_MIN_PT = 10
_FIRST_LINE_INDENT = Cm(1.27)


# -- shared ------------------------------------------------------------------------------------


def _text(value) -> str:
    """Text as an official document holds it: no control characters XML refuses, no emoji."""
    return strip_emoji(_ILLEGAL_XML.sub("", "" if value is None else str(value)))


def _is_number(value) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


def format_number(value, *, thousands: str = ".", decimal: str = ",") -> str:
    """A number as text: integers grouped (12.345), other numbers with one decimal (45,5)."""
    if isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float | Decimal):
        text = f"{value:,.1f}"
    else:
        return _text(value)
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def _tables_of(content: dict) -> dict:
    """The tables, after checking that every table a section shows exists."""
    tables = content.get("tables") or {}
    for section in content.get("sections") or ():
        unknown = [key for key in section.get("tables") or () if key not in tables]
        if unknown:
            raise ValueError(f"Section {section.get('key')!r} shows unknown tables: {', '.join(map(repr, unknown))}")
    for key, table in tables.items():
        width = len(table["columns"])
        rows = list(table.get("rows") or ())
        if table.get("total_row"):
            rows.append(table["total_row"])
        for row in rows:
            if len(row) > width:
                raise ValueError(f"Table {key!r} has a row with {len(row)} cells but {width} columns")
    return tables


def _empty_sentence(table: dict) -> str | None:
    """The sentence a table without rows gives instead of itself (its ``empty``), or None: write the table."""
    if table.get("rows") or table.get("total_row") or not table.get("empty"):
        return None
    return _text(table["empty"])


def _padded(row, width: int) -> list:
    return [*row, *([""] * (width - len(row)))]


# -- Word --------------------------------------------------------------------------------------


def render_docx(content: dict) -> bytes:
    """The summary as a Word document laid out as Decree 30/2020/NĐ-CP asks.

    Raises ValueError when a section refers to a table that ``content["tables"]``
    lacks, or a table row has more cells than the table has columns.
    """
    tables = _tables_of(content)
    labels = content["labels"]
    numbers = {
        "thousands": labels.get("thousands_separator", "."),
        "decimal": labels.get("decimal_separator", ","),
    }

    document = Document()
    _set_up_page(document)
    _set_up_styles(document)
    _page_numbers(document)
    properties = document.core_properties
    properties.title = _text(content.get("title"))
    properties.author = _text(content.get("issuer"))
    properties.last_modified_by = _text(content.get("issuer"))
    properties.comments = ""

    _write_header(document, content, labels)

    _write(document.add_paragraph(), content.get("doc_type"), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    title = _write(document.add_paragraph(), content.get("title"), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    title.paragraph_format.keep_with_next = True
    _short_rule(document.add_paragraph(), width_cm=4, column_cm=_TEXT_WIDTH_CM)

    _write_addressed_to(document, content.get("addressed_to") or [], labels["addressed_to"])

    if content.get("intro"):
        _body_paragraph(document, content["intro"])

    for section in content.get("sections") or ():
        heading = _write(document.add_paragraph(), section.get("heading"), bold=True, before=6)
        heading.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        heading.paragraph_format.keep_with_next = True
        for text in section.get("paragraphs") or ():
            _body_paragraph(document, text)
        for key in section.get("tables") or ():
            empty = _empty_sentence(tables[key])
            if empty is None:
                _write_table(document, tables[key], numbers)
            elif empty not in " ".join(section.get("paragraphs") or ()):  # said once, not twice
                _body_paragraph(document, empty)

    _write_signature(document, content, labels)

    if content.get("footer_note"):
        _write(document.add_paragraph(), content["footer_note"], italic=True, size=10, before=12)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _set_up_page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT


def _page_numbers(document) -> None:
    """The page number centred at the top of every page but the first (Decree 30/2020): a PAGE field
    in the header of a section whose first page has its own, empty, header."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    section.header_distance = Cm(1)
    section.first_page_header.is_linked_to_previous = False
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        run = paragraph.add_run()
        run.font.size = Pt(13)
        run.font.name = FONT
        _set_font_name(run._element.get_or_add_rPr())
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def _set_up_styles(document) -> None:
    style = document.styles["Normal"]
    style.font.size = Pt(BODY_PT)
    _set_font_name(style.element.get_or_add_rPr())
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(6)
    style.paragraph_format.line_spacing = 1.0


def _set_font_name(rPr) -> None:
    # w:rFonts must name the font for every script, or Word falls back for Vietnamese letters.
    fonts = rPr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _write(paragraph, text, *, bold=False, italic=False, size=BODY_PT, align=None, before=None, after=None):
    """Add ``text`` as one run in Times New Roman; return the paragraph."""
    run = paragraph.add_run(_text(text))
    run.bold, run.italic = bold, italic
    run.font.size = Pt(size)
    run.font.name = FONT
    _set_font_name(run._element.get_or_add_rPr())
    if align is not None:
        paragraph.alignment = align
    if before is not None:
        paragraph.paragraph_format.space_before = Pt(before)
    if after is not None:
        paragraph.paragraph_format.space_after = Pt(after)
    return paragraph


def _body_paragraph(document, text) -> None:
    paragraph = _write(document.add_paragraph(), text, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    paragraph.paragraph_format.first_line_indent = _FIRST_LINE_INDENT


def _short_rule(paragraph, *, width_cm: float, column_cm: float) -> None:
    """A centred horizontal line ``width_cm`` long: the empty paragraph's bottom border, indented."""
    margin = Cm(max(column_cm - width_cm, 0) / 2)
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = margin
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(2)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(name), value)
    border.append(bottom)
    paragraph._p.get_or_add_pPr().insert_element_before(
        border, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc", "w:rPr", "w:sectPr"
    )


class _CellWriter:
    """Paragraphs in a table cell: the first call fills the paragraph Word requires in every cell."""

    def __init__(self, cell):
        self.cell, self.used = cell, False

    def paragraph(self):
        if not self.used:
            self.used = True
            return self.cell.paragraphs[0]
        return self.cell.add_paragraph()

    def line(self, text, **style):
        style.setdefault("after", 0)
        return _write(self.paragraph(), text, **style)


# Average advance widths of Times New Roman (and its metric twin Liberation Serif), in ems: enough to
# choose a size at which a header line fits its column.
_EM = {"upper": 0.69, "upper_bold": 0.72, "lower": 0.47, "lower_bold": 0.5, "space": 0.25, "other": 0.5}


def _estimated_cm(text: str, size_pt: float, *, bold: bool) -> float:
    ems = 0.0
    for char in text:
        if char.isspace():
            ems += _EM["space"]
        elif char.isupper():
            ems += _EM["upper_bold" if bold else "upper"]
        elif char.isalpha():
            ems += _EM["lower_bold" if bold else "lower"]
        else:
            ems += _EM["other"]
    return ems * size_pt / 72 * 2.54


def _fitting_size(text: str, width_cm: float, *, bold: bool, largest: float = HEADER_PT) -> float:
    """The largest size (half points, from ``largest`` down to HEADER_MIN_PT) at which ``text`` fits."""
    size = largest
    while size > HEADER_MIN_PT and _estimated_cm(text, size, bold=bold) > width_cm * 0.97:
        size -= 0.5
    return size


def _layout_table(document, widths_cm, *, padding=True):
    """A borderless table used for layout only (header and signature blocks); without ``padding`` its
    cells have no side margins, so a line may use the column's whole width."""
    table = document.add_table(rows=1, cols=len(widths_cm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _set_borders(table, "nil")
    if not padding:
        margins = OxmlElement("w:tblCellMar")
        for edge in ("left", "right"):
            element = OxmlElement(f"w:{edge}")
            element.set(qn("w:w"), "0")
            element.set(qn("w:type"), "dxa")
            margins.append(element)
        table._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")
    for cell, width in zip(table.rows[0].cells, widths_cm, strict=True):
        cell.width = Cm(width)
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    return table


def _set_borders(table, value: str) -> None:
    tblPr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), value)
        borders.append(element)
    tblPr.insert_element_before(
        borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription"
    )


def _write_header(document, content, labels) -> None:
    left_cm, right_cm = _HEADER_LEFT_CM, _HEADER_RIGHT_CM
    table = _layout_table(document, [left_cm, right_cm], padding=False)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    indent = OxmlElement("w:tblInd")
    indent.set(qn("w:w"), str(int(_HEADER_INDENT_CM * 567)))  # twentieths of a point
    indent.set(qn("w:type"), "dxa")
    table._tbl.tblPr.insert_element_before(
        indent, "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption"
    )
    left, right = (_CellWriter(cell) for cell in table.rows[0].cells)
    centre = WD_ALIGN_PARAGRAPH.CENTER

    def header_line(writer, text, width_cm, *, bold):
        text = _text(text).upper()
        writer.line(text, bold=bold, size=_fitting_size(text, width_cm, bold=bold), align=centre)

    if content.get("parent_body"):
        header_line(left, content["parent_body"], left_cm, bold=False)
    header_line(left, content.get("issuer"), left_cm, bold=True)
    _short_rule(left.paragraph(), width_cm=2.5, column_cm=left_cm)
    left.line(content.get("number"), size=13, align=centre, before=6)

    header_line(right, labels["motto_1"], right_cm, bold=True)
    right.line(labels["motto_2"], bold=True, size=13, align=centre)
    _short_rule(right.paragraph(), width_cm=5.5, column_cm=right_cm)
    right.line(content.get("place_date"), italic=True, size=13, align=centre, before=6)

    document.add_paragraph().paragraph_format.space_after = Pt(6)


def _write_addressed_to(document, addressees, label) -> None:
    if not addressees:
        return
    if len(addressees) == 1:
        paragraph = _write(document.add_paragraph(), f"{_text(label)} {_text(addressees[0])}")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return
    # "Kính gửi:" then the addressees as a list aligned after the label (a hanging indent).
    for index, addressee in enumerate(addressees):
        line = f"- {_text(addressee)}"
        paragraph = document.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.left_indent = Cm(5.5)
        fmt.space_after = Pt(0)
        if index == 0:
            fmt.first_line_indent = Cm(-2.5)
            line = f"{_text(label)}\t{line}"
        _write(paragraph, line)
    document.paragraphs[-1].paragraph_format.space_after = Pt(6)


def _write_table(document, table: dict, numbers: dict) -> None:
    columns = table["columns"]
    width = len(columns)
    if table.get("title"):
        caption = _write(document.add_paragraph(), table["title"], bold=True, size=13, before=6, after=3)
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        caption.paragraph_format.keep_with_next = True

    grid = document.add_table(rows=1, cols=width)
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = grid.rows[0]
    _repeat_as_header(header)
    for cell, name in zip(header.cells, columns, strict=True):
        _write(cell.paragraphs[0], name, bold=True, size=TABLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)

    body = [(row, False) for row in table.get("rows") or ()]
    if table.get("total_row"):
        body.append((table["total_row"], True))
    for row, is_total in body:
        cells = grid.add_row().cells
        for cell, value in zip(cells, _padded(row, width), strict=True):
            if _is_number(value):
                text, align = format_number(value, **numbers), WD_ALIGN_PARAGRAPH.RIGHT
            else:
                text, align = _text(value), WD_ALIGN_PARAGRAPH.LEFT
            _write(cell.paragraphs[0], text, bold=is_total, size=TABLE_PT, align=align, after=0)

    document.add_paragraph().paragraph_format.space_after = Pt(0)


def _repeat_as_header(row) -> None:
    # The header row repeats at the top of each page when a table breaks across pages.
    trPr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    trPr.append(flag)


def _write_signature(document, content, labels) -> None:
    left_cm = 7.5
    right_cm = _TEXT_WIDTH_CM - left_cm
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_after = Pt(0)
    spacer.paragraph_format.keep_with_next = True
    left, right = (_CellWriter(cell) for cell in _layout_table(document, [left_cm, right_cm]).rows[0].cells)

    left.line(labels["recipients"], bold=True, italic=True, size=12)
    for recipient in content.get("recipients") or ():
        left.line(f"- {_text(recipient)}", size=11)

    signer = content.get("signer") or {}
    centre = WD_ALIGN_PARAGRAPH.CENTER
    for key in ("on_behalf", "title"):
        if signer.get(key):
            right.line(_text(signer[key]).upper(), bold=True, size=14, align=centre)
    for _ in range(4):  # room for the signature and the seal
        right.line("", size=14)
    right.line(signer.get("name", ""), bold=True, size=14, align=centre)


# -- Excel -------------------------------------------------------------------------------------


def render_xlsx(content: dict) -> bytes:
    """The summary as a workbook: an overview sheet, then one sheet per table in ``content["tables"]`` order.

    Numbers stay numbers; every text cell is neutralised so no spreadsheet program
    runs it as a formula. Raises ValueError as ``render_docx`` does.
    """
    tables = _tables_of(content)
    labels = content["labels"]
    bold = Font(bold=True)

    workbook = Workbook()
    workbook.properties.title = _text(content.get("title"))
    workbook.properties.creator = _text(content.get("issuer"))
    workbook.properties.lastModifiedBy = _text(content.get("issuer"))
    taken: set[str] = set()

    overview = workbook.active
    overview.title = sheet_title(labels["sheet_overview"], taken, fallback="1")
    lines = [
        (content.get("parent_body"), False),
        (content.get("issuer"), True),
        (content.get("doc_type"), True),
        (content.get("title"), True),
        (content.get("number"), False),
        (content.get("place_date"), False),
    ]
    lines = [(text, strong) for text, strong in lines if text]
    lines.append(("", False))
    lines += [(section.get("heading"), False) for section in content.get("sections") or ()]
    if content.get("footer_note"):
        lines += [("", False), (content["footer_note"], False)]
    for row, (text, strong) in enumerate(lines, start=1):
        cell = overview.cell(row=row, column=1, value=_cell_value(text))
        if strong:
            cell.font = bold
    overview.column_dimensions["A"].width = min(max((len(_text(text)) for text, _ in lines), default=10) + 2, 100)

    for index, (key, table) in enumerate(tables.items(), start=2):
        sheet = workbook.create_sheet(sheet_title(table.get("title") or key, taken, fallback=str(index)))
        _write_sheet(sheet, table, bold)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell_value(value):
    if _is_number(value):
        return value
    return _text(neutralise(value))


def _write_sheet(sheet, table: dict, bold: Font) -> None:
    columns = table["columns"]
    width = len(columns)
    rows = [_padded(row, width) for row in table.get("rows") or ()]
    total = _padded(table["total_row"], width) if table.get("total_row") else None

    sheet.cell(row=1, column=1, value=_cell_value(table.get("title"))).font = Font(bold=True, size=13)
    empty = _empty_sentence(table)
    if empty is not None:  # no rows to show: the table's sentence instead
        sheet.cell(row=2, column=1, value=_cell_value(empty))
        sheet.column_dimensions["A"].width = min(len(empty) + 2, 100)
        return
    for column, name in enumerate(columns, start=1):
        cell = sheet.cell(row=2, column=column, value=_cell_value(name))
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row_index, row in enumerate([*rows, *([total] if total else [])], start=3):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=column, value=_cell_value(value))
            if _is_number(value):
                cell.number_format = "#,##0" if isinstance(value, int) else "#,##0.0"
            if row is total:
                cell.font = bold

    for column in range(1, width + 1):
        texts = [_text(columns[column - 1])] + [
            format_number(row[column - 1]) for row in [*rows, *([total] if total else [])]
        ]
        sheet.column_dimensions[get_column_letter(column)].width = max(10, min(max(map(len, texts)) + 2, 60))
    sheet.freeze_panes = "A3"
    if rows:
        sheet.auto_filter.ref = f"A2:{get_column_letter(width)}{2 + len(rows)}"


def sheet_title(title, taken: set[str], *, fallback: str) -> str:
    """A sheet name Excel accepts and ``taken`` (lower-cased names already used) lacks; adds it to ``taken``.

    Excel's rules: at most 31 characters, none of []:*?/\\, not starting or
    ending with an apostrophe, unique regardless of case, and not "History".
    """
    base = " ".join(_ILLEGAL_SHEET_CHARS.sub(" ", _text(title)).split())
    base = base[:SHEET_TITLE_MAX].strip().strip("'").strip() or fallback
    candidate, number = base, 1
    while candidate.lower() in taken or candidate.lower() in _RESERVED_SHEET_TITLES:
        number += 1
        suffix = f" ({number})"
        candidate = base[: SHEET_TITLE_MAX - len(suffix)].rstrip().rstrip("'") + suffix
    taken.add(candidate.lower())
    return candidate
