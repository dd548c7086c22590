"""Reading and writing XLSX and CSV files, safely. Shared by the roster and later exports.

Writing: every text cell that a spreadsheet program could take for a formula
is neutralised (CSV/formula injection); CSV is UTF-8 with a BOM so Excel
shows Vietnamese correctly. Reading: the content, not the file name, decides
what the file is; anything odd is refused with a ValidationError whose
message an officer can act on.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# A 5 MB XLSX can unpack to far more; refuse archives that would (a "zip bomb").
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

_DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
# Control characters XML (hence XLSX) cannot hold.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls


class TableRow(NamedTuple):
    """One data row: its line number in the file (1 = the first line) and its cells as text."""

    line: int
    cells: tuple[str, ...]


# -- writing -----------------------------------------------------------------------------------


def neutralise(value):
    """A cell value that no spreadsheet program will run as a formula.

    Text starting with = + - @ or a tab or carriage return gets a leading
    single quote. Numbers, dates and booleans are values, not formulas, and
    pass through; None becomes "".
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_DANGEROUS_FIRST):
        return "'" + value
    return value


def _for_xlsx(value):
    value = neutralise(value)
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    if isinstance(value, datetime) and timezone.is_aware(value):
        # XLSX has no time zones: write the local wall-clock time.
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _for_csv(value) -> str:
    value = neutralise(value)
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def write_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    title: str = "",
    extra_sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]] = (),
) -> bytes:
    """An XLSX workbook: a bold header row and the rows, plus optional further sheets
    given as ``(title, headers, rows)``. Streams rows (write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet_title, sheet_headers, sheet_rows in ((title, headers, rows), *extra_sheets):
        sheet = workbook.create_sheet(title=_sheet_title(sheet_title) or None)
        widths = [max(12, min(len(str(h)) + 4, 60)) for h in sheet_headers]
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[_column_letter(index)].width = width
        header_cells = []
        for header in sheet_headers:
            cell = WriteOnlyCell(sheet, value=_for_xlsx(str(header)))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in sheet_rows:
            sheet.append([_for_xlsx(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    # Excel's limits: 31 characters, none of []:*?/\
    return " ".join(re.sub(r"[\[\]:*?/\\]", " ", title or "").split())[:31]


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def write_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A comma-separated file in UTF-8 with a BOM (Excel then reads Vietnamese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_for_csv(h) for h in headers])
    for row in rows:
        writer.writerow([_for_csv(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


# -- reading -----------------------------------------------------------------------------------


def read_table(uploaded_file) -> tuple[list[str], list[TableRow]]:
    """The header row and the data rows of an uploaded XLSX or CSV file.

    Cells come back as stripped text (numbers without a trailing ".0", dates
    as dd/mm/yyyy, empty cells as ""); blank rows are skipped; the first
    non-blank row is the header. Raises ValidationError when the file is too
    big, empty, not a spreadsheet, has more than MAX_ROWS rows or is a CSV in
    an unknown encoding. The first sheet of a workbook is read.
    """
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise _too_big()
    uploaded_file.seek(0)
    data = uploaded_file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_big()
    if not data.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    if data.startswith(b"PK\x03\x04"):
        lines = _read_xlsx(data)
    elif data.startswith(_OLE2_MAGIC):
        raise ValidationError(
            _("This is an old Excel file (.xls). Open it in Excel and save it as .xlsx, then upload it again."),
            code="xls",
        )
    else:
        lines = _read_csv(data)
    return _split_header(lines)


def _too_big():
    return ValidationError(
        _("The file is larger than %(size)s MB. Split it into smaller files.") % {"size": MAX_UPLOAD_BYTES // 2**20},
        code="too_big",
    )


def _not_a_spreadsheet():
    return ValidationError(
        _("This file is not a spreadsheet. Upload an Excel file (.xlsx) or a CSV file."), code="not_spreadsheet"
    )


def _split_header(lines: Iterable[tuple[int, tuple[str, ...]]]) -> tuple[list[str], list[TableRow]]:
    headers = None
    rows: list[TableRow] = []
    for line, cells in lines:
        if not any(cells):
            continue
        if headers is None:
            headers = list(cells)
            continue
        if len(rows) >= MAX_ROWS:
            raise ValidationError(
                _("The file has more than %(max)s rows. Split it into several files.")
                % {"max": number_format(MAX_ROWS, force_grouping=True)},
                code="too_many_rows",
            )
        rows.append(TableRow(line, tuple(cells)))
    if headers is None or not rows:
        raise ValidationError(_("The file is empty: it has no rows under the header row."), code="empty")
    while headers and not headers[-1]:
        headers.pop()
    return headers, rows


def _read_xlsx(data: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_a_spreadsheet() from exc
    # An Office Open XML workbook, not a Word document or any other zip.
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_a_spreadsheet()
    if unpacked > MAX_UNPACKED_BYTES:
        raise _too_big()
    from openpyxl import load_workbook

    try:
        # Not data_only: a formula must come back as its text so it can be refused.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ValidationError(
            _("The Excel file could not be opened; it may be damaged. Open it in Excel, save it again and retry."),
            code="unreadable",
        ) from exc
    try:
        if not workbook.worksheets:
            raise ValidationError(_("The file is empty."), code="empty")
        sheet = workbook.worksheets[0]
        # Some programs write a wrong "used range"; without this, read-only mode would stop there.
        sheet.reset_dimensions()
        return _collect(enumerate(sheet.iter_rows(values_only=True), start=1))
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(
            _("The Excel file could not be read; it may be damaged. Open it in Excel, save it again and retry."),
            code="unreadable",
        ) from exc
    finally:
        workbook.close()


def _collect(numbered_rows) -> list[tuple[int, tuple[str, ...]]]:
    """Rows as text, stopping once there are more than MAX_ROWS data rows (enough to refuse the file)."""
    lines, filled = [], 0
    for line, values in numbered_rows:
        cells = tuple(cell_text(value) for value in values)
        lines.append((line, cells))
        if any(cells):
            filled += 1
            if filled > MAX_ROWS + 1:  # the header and one row too many
                break
    return lines


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" is UTF-16
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Vietnamese Windows code page: letters with combining tone marks, joined up by NFC.
        return unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _(
                "The CSV file's text encoding is not recognised. In Excel choose "
                "“Save as” → “CSV UTF-8 (Comma delimited)” and upload it again."
            ),
            code="encoding",
        ) from exc


def _read_csv(data: bytes):
    text = _decode(data)
    # A text file has no control characters besides tabs and line breaks: a binary file does.
    if _ILLEGAL_XML.search(text) or "\x7f" in text:
        raise _not_a_spreadsheet()
    text = text.lstrip("\ufeff")
    delimiter = _delimiter(text)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        lines = _collect(_numbered(reader))
    except csv.Error as exc:
        raise ValidationError(
            _("The CSV file could not be read (%(error)s). Open it in Excel, save it again and retry.")
            % {"error": exc},
            code="unreadable",
        ) from exc
    return lines


def _numbered(reader):
    """Rows with the line each starts on (a quoted cell may span several lines)."""
    start = 1
    for values in reader:
        yield start, values
        start = reader.line_num + 1


def _delimiter(text: str) -> str:
    """Comma, semicolon (Excel in locales with a decimal comma, as in Vietnam) or tab."""
    sample = text[: 64 * 1024]
    first_line = next((line for line in sample.splitlines() if line.strip()), "")
    try:
        found = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        found = None
    # The sniffer can be misled by punctuation in the data; the header line is the surer guide.
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    if found and counts.get(found):
        return found
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def cell_text(value) -> str:
    """A cell's value as the text a person typed: 1985.0 -> "1985", a date -> "15/03/1985"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.hour or value.minute or value.second:
            return value.strftime("%d/%m/%Y %H:%M")
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = getattr(value, "text", value)  # openpyxl's ArrayFormula keeps its "=..." in .text
    return str(text).replace("\u00a0", " ").strip()


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%d/%m/%y", "%d/%m/%Y %H:%M")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value) -> date | None:
    """A date from a cell: a date, an Excel serial number, or text day-first
    (dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy) or ISO (yyyy-mm-dd). None if it is none of these."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        serial = int(float(text))
        # Excel serial days (1900 date system); 10000..80000 is 1927..2119.
        if 10000 <= serial <= 80000:
            return _EXCEL_EPOCH + timedelta(days=serial)
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
