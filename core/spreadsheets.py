"""Reading and writing XLSX and CSV files, safely. Shared by the roster and later exports.

Writing: every text cell that a spreadsheet program could take for a formula
is neutralised (CSV/formula injection); CSV is UTF-8 with a BOM so Excel
shows Vietnamese correctly. Reading: the content, not the file name, decides
what the file is; anything odd is refused with a ValidationError whose
message an officer can act on.
"""

import csv
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import Case, F, Func, TextField, Value, When
from django.db.models.functions import NullIf
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# Columns read: the widest file we read (the roster's nine) and room for notes beside them. A value
# further right refuses the file; without the bound one cell in column XFD makes every row 16,384
# cells wide in memory.
MAX_COLUMNS = 50
# Cells written in one row of a sheet, empty or not (a row of 16,384 styled cells, or a cell written
# again and again): the file is refused at the first such row, before the row is built.
MAX_CELLS_PER_ROW = 500
# Cells written in the whole sheet, empty or not: a full list (MAX_ROWS rows of MAX_COLUMNS) and some.
# Without it a few megabytes of empty formatted cells keep the check busy for many seconds.
MAX_CELLS = (MAX_ROWS + 1) * MAX_COLUMNS + 50_000
# A 5 MB XLSX can unpack to far more ("zip bomb"). Each member is checked against these before
# anything is parsed. The parts read whole (shared strings, styles, the workbook) are held in
# memory, so their bound is small; a worksheet is read as a stream, row by row. The sizes come from
# the archive's directory, and Python's zipfile never unpacks more than a member's declared size.
MAX_MEMBER_BYTES = 4 * 1024 * 1024
MAX_SHEET_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# Spreadsheet XML compresses about ten times; a member that unpacks to more than this many times
# its packed size is a bomb, whatever its size.
MAX_RATIO = 200
RATIO_CHECKED_FROM = 1024 * 1024
MAX_MEMBERS = 1000

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


class Neutralised(Func):
    """``neutralise`` of a text expression, computed by the database: the same rule, generated from the
    same dangerous first characters, for files the database writes itself (PostgreSQL's ``COPY``). NULL
    stays NULL."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        firsts = ", ".join(["%s"] * len(_DANGEROUS_FIRST))
        quote = "''''"  # one single quote, as an SQL literal
        return (
            f"(CASE WHEN substr({sql}, 1, 1) IN ({firsts}) THEN {quote} || {sql} ELSE {sql} END)",
            (*params, *_DANGEROUS_FIRST, *params, *params),
        )


def csv_text_cell(expression):
    """A text cell for ``copy_csv``: ``expression`` neutralised, empty as NULL."""
    return NullIf(Neutralised(expression), Value(""), output_field=TextField())


def csv_label_cell(field: str, labels: dict, *, others: bool = True):
    """A cell for ``copy_csv`` showing ``field`` by its label in ``labels`` ({value: label}; any other value
    as stored, or empty if not ``others``: a field that is not text), neutralised, empty as NULL:
    ``labels.get(value, value)`` written by ``stream_csv``."""
    whens = [When(**{field: value}, then=Value(neutralise(str(label)))) for value, label in labels.items()]
    default = Neutralised(F(field)) if others else None
    return NullIf(Case(*whens, default=default, output_field=TextField()), Value(""), output_field=TextField())


def _for_xlsx(value):
    value = neutralise(value)
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    if isinstance(value, datetime) and timezone.is_aware(value):
        # XLSX has no time zones: write the local wall-clock time.
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _for_csv(value) -> str:
    if type(value) is str:  # most cells: neutralise's rule without its other cases (a quarter of an export's time)
        return "'" + value if value.startswith(_DANGEROUS_FIRST) else value
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
    buffer = io.BytesIO()
    save_xlsx(buffer, headers, rows, title=title, extra_sheets=extra_sheets)
    return buffer.getvalue()


def save_xlsx(
    target,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    title: str = "",
    extra_sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]] = (),
) -> None:
    """``write_xlsx``'s workbook written to ``target`` (a path or a binary file): the rows are written as
    they come (write-only mode), so a lazy ``rows`` keeps the memory flat however many there are."""
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
    workbook.save(target)


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


def csv_header(headers: Sequence[str]) -> bytes:
    """The BOM and the header line of ``write_csv``'s file."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_for_csv(h) for h in headers])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


COPY_CHUNK_BYTES = 256 * 1024  # bytes of CSV handed over at a time by copy_csv
COPY_CHUNKS_WAITING = 4  # chunks copy_csv holds before PostgreSQL's COPY waits for the reader


def copy_csv(queryset, *, chunk_bytes: int | None = None) -> Iterator[tuple[bytes, int]]:
    """The rows of ``queryset`` as ``write_csv``'s lines, written by PostgreSQL (``COPY (…) TO STDOUT WITH
    (FORMAT csv)``): ``(bytes, rows)`` about ``chunk_bytes`` at a time, while PostgreSQL produces them.

    ``queryset`` is a ``values_list`` of expressions each of which already is the cell's text (neutralised
    with ``Neutralised``, an empty cell NULL: COPY quotes an empty string, Python's csv module does not),
    in the order of the columns. COPY quotes exactly as the csv module does (a delimiter, a quote, a CR or
    LF in the value); its lines end with LF, turned into the CRLF of ``write_csv`` here, each row being
    handed over on its own. Call it inside a transaction (``atomic``), which the copy runs in.

    psycopg2 runs a COPY to the end in one call, handing each row to a file's ``write``: the copy runs in a
    thread on this connection and its rows come back through a bounded queue, so memory stays flat and the
    first bytes leave at once. When the reader stops early the query is cancelled (the transaction is then
    aborted: the caller's ``atomic`` rolls it back) and the thread is waited for.
    """
    import queue
    import threading

    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        statement = cursor.mogrify(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params).decode()
    chunk_bytes = chunk_bytes or COPY_CHUNK_BYTES
    raw = connection.connection
    handed = queue.Queue(maxsize=COPY_CHUNKS_WAITING)
    stop = threading.Event()
    end = object()

    def hand(item):
        while not stop.is_set():
            try:
                handed.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    class Lines:
        """The file psycopg2 writes the copy to: one row per ``write``, ending with LF."""

        def __init__(self):
            self.lines, self.size = [], 0

        def write(self, data):
            self.lines.append(data[:-1])
            self.size += len(data)
            if self.size >= chunk_bytes:
                self.flush()

        def flush(self):
            if self.lines:
                lines, self.lines, self.size = self.lines, [], 0
                hand((b"\r\n".join(lines) + b"\r\n", len(lines)))

    def run():
        try:
            lines = Lines()
            with raw.cursor() as cursor:
                cursor.copy_expert(statement, lines)
            lines.flush()
            hand(end)
        except BaseException as exc:  # noqa: BLE001 - raised again in the reader's thread
            hand(exc)

    worker = threading.Thread(target=run, name="copy-csv", daemon=True)
    worker.start()
    try:
        while (item := handed.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if worker.is_alive():
            stop.set()
            raw.cancel()
        worker.join()


def stream_csv(headers: Sequence[str], rows: Iterable[Sequence], *, batch: int = 500) -> Iterator[bytes]:
    """``write_csv``'s bytes as they are produced: the BOM and the header, then ``batch`` rows at a time.

    Memory stays flat whatever the number of rows when ``rows`` is itself lazy (a queryset's iterator).
    """
    yield csv_header(headers)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for index, row in enumerate(rows, start=1):
        writer.writerow([_for_csv(value) for value in row])
        if index % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


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


def _unpacks_too_big():
    return ValidationError(
        _(
            "This Excel file unpacks to far more data than a list of people needs, so it was not opened. "
            "Copy only the list into a new workbook (or into the template), save it and upload that file."
        ),
        code="unpacks_too_big",
    )


def _check_members(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse an archive whose members would unpack to too much, before anything is read."""
    if len(infos) > MAX_MEMBERS or sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise _unpacks_too_big()
    for info in infos:
        limit = MAX_SHEET_BYTES if info.filename.startswith("xl/worksheets/") else MAX_MEMBER_BYTES
        if info.file_size > limit:
            raise _unpacks_too_big()
        if info.file_size > RATIO_CHECKED_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _unpacks_too_big()


def _read_xlsx(data: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        names = {info.filename for info in infos}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_a_spreadsheet() from exc
    # An Office Open XML workbook, not a Word document or any other zip.
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_a_spreadsheet()
    _check_members(infos)
    try:
        reader, sheet_path = _open_workbook(data)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ValidationError(
            _("The Excel file could not be opened; it may be damaged. Open it in Excel, save it again and retry."),
            code="unreadable",
        ) from exc
    try:
        if sheet_path is None:
            raise ValidationError(_("The file is empty."), code="empty")
        if _cells_written(reader.archive, sheet_path) > MAX_CELLS:
            raise _unpacks_too_big()
        return _collect(_sheet_rows(reader, sheet_path))
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(
            _("The Excel file could not be read; it may be damaged. Open it in Excel, save it again and retry."),
            code="unreadable",
        ) from exc
    finally:
        reader.archive.close()


def _open_workbook(data: bytes):
    """openpyxl's reader with the workbook's shared strings, styles and sheet list, and the path of its
    first worksheet (None if it has none). Only what the first sheet needs is read: ``load_workbook``
    would also scan every sheet of the file to the end to size it (a sheet without a "dimension"
    element), which costs seconds on a file built for it."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    # Not data_only: a formula must come back as its text so it can be refused.
    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    for _sheet, rel in reader.parser.find_sheets():
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
            return reader, rel.target
    return reader, None


_CELL_OPENINGS = (b"<c ", b"<c>", b":c ", b":c>")  # <c …>, or <x:c …> with a namespace prefix


def _cells_written(archive: zipfile.ZipFile, path: str) -> int:
    """About how many cells a worksheet holds (an upper bound), counted in its bytes without parsing
    them: a sheet of a million empty cells is refused in milliseconds, not after seconds of parsing.
    The parser counts exactly as it goes, so this only needs to be quick, never exact."""
    count, tail = 0, b""
    with archive.open(path) as source:
        while chunk := source.read(1024 * 1024):
            window = tail + chunk
            count += sum(window.count(opening) for opening in _CELL_OPENINGS)
            tail = window[-2:]  # an opening cut in two by the chunks is counted with the next one
    return count


def _sheet_rows(reader, path: str):
    """The rows of a worksheet as ``(line, values)``, at most MAX_COLUMNS values each.

    Read straight from openpyxl's streaming parser rather than ``iter_rows``: that one pads every
    row to the widest cell and fills every missing row, so a single cell far right or far down
    costs memory for all the empty cells before it. Rows that are absent from the file are
    skipped, not built. A row with more than MAX_CELLS_PER_ROW cells is refused as soon as its
    cells are counted, and a value right of MAX_COLUMNS refuses the file.
    """
    workbook = reader.wb
    with reader.archive.open(path) as source:
        parser = _bounded_parser_class()(
            source,
            reader.shared_strings,
            data_only=False,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for line, cells in parser.parse():
            values = [None] * min(MAX_COLUMNS, max((cell["column"] for cell in cells), default=0))
            for cell in cells:
                column, value = cell["column"], cell["value"]
                if column <= MAX_COLUMNS:
                    values[column - 1] = value
                elif cell_text(value):
                    raise _too_wide(line, column)
            yield line, values


@functools.cache
def _bounded_parser_class():
    from openpyxl.worksheet._reader import CELL_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse

    class BoundedSheetParser(WorkSheetParser):
        """openpyxl's worksheet parser reading only the rows, counting a row's cells as they open."""

        def parse(self):
            cells, total, in_row, line = 0, 0, False, ""
            for event, element in iterparse(self.source, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == ROW_TAG:
                        cells, in_row, line = 0, True, element.get("r", "")
                    elif tag == CELL_TAG:
                        cells += 1
                        total += 1
                        if cells > MAX_CELLS_PER_ROW:
                            raise _too_many_cells(int(line) if line.isdecimal() else self.row_counter + 1)
                        if total > MAX_CELLS:
                            raise _unpacks_too_big()
                    continue
                if tag == ROW_TAG:
                    # A cell with neither value nor formula is only formatting: not worth converting.
                    for cell in [c for c in element if len(c) == 0 and c.get("r")]:
                        element.remove(cell)
                    row = self.parse_row(element)
                    element.clear()
                    in_row = False
                    yield row
                elif not in_row:
                    element.clear()  # anything outside the rows (column widths, merges, …) is not kept

    return BoundedSheetParser


def _too_wide(line: int, column: int):
    return ValidationError(
        _(
            "Row %(line)s has a value in column %(column)s, far to the right of the list "
            "(at most %(max)s columns are read). Delete the columns after your data, or copy the list "
            "into the template, and upload it again."
        )
        % {"line": line, "column": _column_letter(column), "max": MAX_COLUMNS},
        code="too_wide",
    )


def _too_many_cells(line: int):
    return ValidationError(
        _(
            "Row %(line)s has more than %(max)s cells. Copy only the list into a new workbook "
            "(or into the template), save it and upload that file."
        )
        % {"line": line, "max": number_format(MAX_CELLS_PER_ROW, force_grouping=True)},
        code="too_many_cells",
    )


def _collect(numbered_rows) -> list[tuple[int, tuple[str, ...]]]:
    """Non-blank rows as text, stopping once there are more than MAX_ROWS data rows (enough to
    refuse the file). Blank rows are not kept: a file of empty lines costs nothing."""
    lines = []
    for line, values in numbered_rows:
        cells = tuple(cell_text(value) for value in values)
        if any(cells):
            lines.append((line, cells))
            if len(lines) > MAX_ROWS + 1:  # the header and one row too many
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
        lines = _collect(_bounded_csv_rows(_numbered(reader)))
    except csv.Error as exc:
        raise ValidationError(
            _("The CSV file could not be read (%(error)s). Open it in Excel, save it again and retry.")
            % {"error": exc},
            code="unreadable",
        ) from exc
    return lines


def _bounded_csv_rows(numbered):
    """CSV rows cut to MAX_COLUMNS values; a value further right refuses the file."""
    for line, values in numbered:
        if len(values) > MAX_COLUMNS:
            beyond = next((i for i in range(MAX_COLUMNS, len(values)) if values[i].strip()), None)
            if beyond is not None:
                raise _too_wide(line, beyond + 1)
            values = values[:MAX_COLUMNS]
        yield line, values


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
