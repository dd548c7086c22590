"""The review queue's export: one row per report, as a streamed CSV or a whole XLSX.

``reports_export_stream`` yields the CSV while the reports are read, so the first bytes leave at once and
the memory stays flat whatever the number of rows: on PostgreSQL the database writes the lines (``COPY``
of the queryset reduced to the cells' text, ``_copy_rows``, handed over in chunks by
``core.spreadsheets.copy_csv``), elsewhere Python does (``export_rows`` read with ``iterator()`` in chunks,
written by ``stream_csv``); both follow ``COLUMNS`` and give the same bytes. Either runs inside a
transaction (a server-side cursor is then not materialised first). Every cell is neutralised against
formulas (core.spreadsheets), the rows are the caller's already scoped and filtered queryset, and the
export is recorded before the first row with its final row count written when the stream ends (or stops).
"""

import logging
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import F, Func, TextField, Value
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collaborators.models import ExportRecord, User
from collaborators.services.exports import ExportSource
from core import choices
from core.spreadsheets import copy_csv, csv_header, csv_label_cell, csv_text_cell, stream_csv
from reports import selectors
from reports.models import Report

logger = logging.getLogger(__name__)

CHUNK = 2000  # reports read per round trip while streaming
BATCH = 500  # CSV rows per chunk sent


def export_headers() -> list[str]:
    return [
        str(h)
        for h in (
            _("No."),
            _("Sent"),
            _("Unit"),
            _("Author"),
            _("Kind"),
            _("Status"),
            _("Topic"),
            _("Focus policy"),
            _("Title"),
            _("Content"),
            _("Direction"),
            _("Breadth"),
            _("Concern"),
            _("Spread"),
            _("Source"),
            _("Group concerned"),
            _("Place"),
            _("Date observed"),
            _("People involved"),
            _("Rapid report"),
            _("Alert level"),
            _("Verification"),
            _("Tracked rumour"),
            _("Reviewer"),
        )
    ]


def author_shown(report) -> str:
    """The author's name, or a note that it is withheld: the consent rule of ``reports.selectors``; a file
    leaves the system, so an author who withdrew consent is never named in it (only the reviewers who must
    act on a waiting report see the name, on its page). The exports read the same rule in their query:
    ``selectors.author_shown_expression``."""
    state = selectors.WITHHELD if selectors.author_withdrawn(report) else selectors.NAMED
    return selectors.author_label(report, state)


# Fields shown by their label: looked up in one dict per export, not through get_FOO_display() (which
# rebuilds the choices, translating every label, for each cell: most of an export's time).
LABELLED = ("kind", "status", "direction", "breadth", "concern", "spread", "source", "alert_level", "verification")


def choice_labels() -> dict[str, dict]:
    """{field: {value: label}} in the active language (``core.choices``: kept per language; not to be changed)."""
    return {name: choices.labels(Report, name) for name in LABELLED}


# The export's columns, in order, as (what is read, how it is shown): the one list both readers follow
# (``export_rows`` in Python, ``_copy_rows`` in PostgreSQL). What is read is a field path or one of the two
# names computed in the query (the author as the consent rule shows them, the reviewer's name).
NUMBER, MOMENT, DAY, TEXT, LABEL, YES = "number", "moment", "day", "text", "label", "yes"
AUTHOR, REVIEWER = "author_shown", "reviewer_name"
COLUMNS = (
    ("pk", NUMBER),
    ("submitted_at", MOMENT),
    ("unit__name", TEXT),
    (AUTHOR, TEXT),
    ("kind", LABEL),
    ("status", LABEL),
    ("topic__name", TEXT),
    ("focus_policy__name", TEXT),
    ("title", TEXT),
    ("content", TEXT),
    ("direction", LABEL),
    ("breadth", LABEL),
    ("concern", LABEL),
    ("spread", LABEL),
    ("source", LABEL),
    ("group_concerned", TEXT),
    ("place", TEXT),
    ("observed_on", DAY),
    ("people_involved", NUMBER),
    ("urgent", YES),
    ("alert_level", LABEL),
    ("verification", LABEL),
    ("rumour__title", TEXT),
    (REVIEWER, TEXT),
)


def _read(name):
    """What column ``name`` reads, as a query expression."""
    if name == AUTHOR:
        return selectors.author_shown_expression()
    if name == REVIEWER:
        return User.full_name_expression("assignee__")
    return F(name)


def export_rows(reports, *, chunk_size: int | None = None) -> Iterator[list]:
    """The export's rows of ``reports`` (any scoped, filtered, ordered queryset of reports) as lists of
    values (dates as dates, labels in the active language): one query reading only the columns shown,
    the names joined in it, no model instances; read in chunks (a server-side cursor on PostgreSQL) if
    asked. A plain iterator of rows, for any writer (the CSV, the XLSX job)."""
    labels = choice_labels()
    yes = _("Yes")

    def text(value):
        return "" if value is None else value

    def label(name):
        shown = labels[name]
        return lambda value: shown.get(value, value)

    def shown(name, kind):
        if kind == TEXT:
            return text
        if kind == LABEL:
            return label(name)
        if kind == YES:
            return lambda value: yes if value else ""
        return None

    converters = [shown(name, kind) for name, kind in COLUMNS]
    values = reports.values_list(*(_read(name) for name, _kind in COLUMNS))
    for row in values.iterator(chunk_size=chunk_size) if chunk_size else values:
        yield [value if convert is None else convert(value) for convert, value in zip(converters, row, strict=True)]


def _copy_rows(reports):
    """``export_rows`` written as CSV lines by PostgreSQL: every cell made the text ``stream_csv`` would
    write (labels from the same dicts, the local time and date in the same format, text neutralised by the
    same rule, empty cells NULL so that COPY leaves them unquoted as Python's csv module does)."""
    labels = choice_labels()
    zone = timezone.get_current_timezone_name()

    def cell(name, kind):
        read = _read(name)
        if kind == MOMENT:
            local = Func(read, Value(zone), template="(%(expressions)s)", arg_joiner=" AT TIME ZONE ")
            return Func(local, Value("DD/MM/YYYY HH24:MI"), function="to_char", output_field=TextField())
        if kind == DAY:
            return Func(read, Value("DD/MM/YYYY"), function="to_char", output_field=TextField())
        if kind == TEXT:
            return csv_text_cell(read)
        if kind == YES:
            return csv_label_cell(name, {True: _("Yes")}, others=False)
        if kind == LABEL:
            return csv_label_cell(name, labels[name])
        return read

    return reports.values_list(*(cell(name, kind) for name, kind in COLUMNS))


def reports_export_stream(*, actor: User, reports, parameters: dict) -> Iterator[bytes]:
    """The (already scoped and filtered) reports as CSV bytes, produced while they are read.

    The export is recorded (who, when, filters) before anything is sent; its row count is written when
    the last row has gone, or when the download stops early (the rows sent so far). On PostgreSQL the
    rows are written by the database (``COPY``, ``_copy_rows``), elsewhere in Python (``export_rows``):
    the same bytes.
    """
    headers = export_headers()  # in the request's language, before the response is streamed
    record = ExportRecord.objects.create(
        user=actor, kind="reports", file_format="csv", row_count=0, parameters=parameters
    )
    return _stream(
        record, headers, reports, translation.get_language(), timezone.get_current_timezone_name(), copy=None
    )


def _stream(record, headers, reports, language, zone, *, copy: bool | None) -> Iterator[bytes]:
    """The CSV's bytes; ``copy``: written by PostgreSQL's COPY (None: on PostgreSQL)."""
    sent = 0

    def rows():
        nonlocal sent
        for row in export_rows(reports, chunk_size=CHUNK):
            sent += 1
            yield row

    try:
        # The rows are written after the view has returned, so in its language and time zone. Inside a
        # transaction the server-side cursor is read as it goes: in autocommit PostgreSQL would build the
        # whole result first (a cursor WITH HOLD is materialised when its transaction ends), minutes at
        # 1,000,000 rows; COPY runs in the same transaction.
        with translation.override(language), timezone.override(zone), transaction.atomic():
            if copy is None:
                copy = connection.vendor == "postgresql"
            if not copy:
                yield from stream_csv(headers, rows(), batch=BATCH)
                return
            yield csv_header(headers)
            for chunk, count in copy_csv(_copy_rows(reports)):
                sent += count
                yield chunk
    finally:
        ExportRecord.objects.filter(pk=record.pk).update(row_count=sent)


# --- XLSX built in the background ---------------------------------------------------------------
# The review queue's XLSX is an export job of the reports kind (``collaborators.services.exports``: one
# mechanism, one task, one page for every large export). This app supplies its rows: the CSV's rows and
# neutralisation, the queue rebuilt from the filters in the asker's scope when the file is built.


def export_queue(user: User, parameters: dict):
    """The reports the queue shows ``user`` for these filters: scoped to the user's scope now."""
    from django.http import QueryDict

    from reports.filters import ReportFilter

    data = QueryDict(mutable=True)
    for key, value in parameters.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return ReportFilter(data, queryset=selectors.review_queue(user), user=user).qs


def export_job_source(*, job) -> ExportSource:
    """The reports kind of export job: the queue as ``job``'s asker sees it now with its filters, the CSV's
    headers and rows, read in chunks (the build reads them inside a transaction, see ``_stream``)."""
    reports = export_queue(job.requested_by, job.parameters)
    return ExportSource(
        headers=export_headers(),
        rows=export_rows(reports, chunk_size=CHUNK),
        total=reports.count(),
        title=str(_("Reports")),
    )
