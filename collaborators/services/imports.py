"""Roster import (preview, then confirm: all rows or none) and roster export.

The file format is the federation's: Vietnamese column headers and
Vietnamese labels for positions and genders, fixed here rather than taken
from the translation catalogue, so a file keeps working whatever the page
language or a later wording change. English headers, English labels and the
codes are accepted as well.
"""

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from itertools import zip_longest

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower, Upper
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collaborators.filters import PeopleFilter
from collaborators.models import (
    CollaboratorProfile,
    CollaboratorStatus,
    ExportRecord,
    Gender,
    Position,
    Role,
    Unit,
    User,
)
from collaborators.models.imports import ImportBatch, ImportStatus
from collaborators.selectors import people_visible_to
from collaborators.services.exports import ExportSource
from collaborators.services.people import user_create, username_new
from core import uploads
from core.spreadsheets import copy_csv, csv_header, parse_date, read_table, stream_csv, write_csv, write_xlsx
from core.text import clean_name, fold, normalise_phone

# -- the file format ----------------------------------------------------------------------------

# field, Vietnamese header (the template's), label shown in messages, other accepted headers (folded)
COLUMNS = [
    ("full_name", "Họ và tên", gettext_lazy("Full name"), ("ho ten", "name")),
    ("phone", "Số điện thoại", gettext_lazy("Phone"), ("dien thoai", "so dt", "sdt", "phone number")),
    ("email", "Email", gettext_lazy("E-mail"), ("e-mail", "thu dien tu")),
    ("unit_code", "Mã đơn vị", gettext_lazy("Unit code"), ()),
    ("position", "Chức danh", gettext_lazy("Position"), ("chuc vu",)),
    ("workplace", "Nơi làm việc", gettext_lazy("Workplace"), ("noi cong tac",)),
    ("gender", "Giới tính", gettext_lazy("Gender"), ()),
    ("birth_year", "Năm sinh", gettext_lazy("Birth year"), ("ngay sinh", "ngay thang nam sinh", "date of birth")),
    ("topics_covered", "Lĩnh vực phụ trách", gettext_lazy("Topics covered"), ("linh vuc", "topics")),
]
FIELDS = [field for field, *_rest in COLUMNS]
TEMPLATE_HEADERS = [header for _field, header, *_rest in COLUMNS]
COLUMN_LABELS = {field: label for field, _header, label, _aliases in COLUMNS}
EXPORT_HEADERS = [*TEMPLATE_HEADERS, "Trạng thái", "Tên đơn vị"]

POSITION_VI = {
    Position.UNION_CHAIR: "Chủ tịch công đoàn",
    Position.PROPAGANDA_OFFICER: "Cán bộ tuyên giáo",
    Position.BRIEFER: "Báo cáo viên",
    Position.ORAL_PROPAGANDIST: "Tuyên truyền viên miệng",
    Position.OPINION_TEAM: "Thành viên đội ngũ nắm bắt dư luận cơ sở",
    Position.OTHER: "Khác",
}
GENDER_VI = {Gender.FEMALE: "Nữ", Gender.MALE: "Nam", Gender.OTHER: "Khác"}
STATUS_VI = {
    CollaboratorStatus.PROPOSED: "Đề xuất",
    CollaboratorStatus.ACTIVE: "Đang hoạt động",
    CollaboratorStatus.SUSPENDED: "Tạm dừng",
    CollaboratorStatus.TERM_ENDED: "Hết nhiệm kỳ",
    CollaboratorStatus.LEFT: "Thôi làm CTV",
    CollaboratorStatus.DISMISSED: "Miễn nhiệm",
}
# Words officers commonly type instead of the labels above (folded).
POSITION_ALIASES = {
    "chu tich": Position.UNION_CHAIR,
    "chu tich cong doan co so": Position.UNION_CHAIR,
    "tuyen giao": Position.PROPAGANDA_OFFICER,
    "tuyen truyen vien": Position.ORAL_PROPAGANDIST,
    "doi ngu nam bat du luan co so": Position.OPINION_TEAM,
    "thanh vien doi ngu nam bat du luan": Position.OPINION_TEAM,
    "ctv": Position.OPINION_TEAM,
    "cong tac vien": Position.OPINION_TEAM,
}
GENDER_ALIASES = {"f": Gender.FEMALE, "m": Gender.MALE}

MIN_BIRTH_YEAR = 1940
MIN_AGE = 15
MAX_LENGTHS = {"full_name": 150, "email": 254, "workplace": 255, "topics_covered": 255}

ERROR_MESSAGES = {
    "formula": gettext_lazy("%(column)s: formulas are not allowed. Type the value itself."),
    "required": gettext_lazy("%(column)s is missing."),
    "too_long": gettext_lazy("%(column)s is too long (at most %(max)s characters)."),
    "phone_invalid": gettext_lazy(
        "Phone number “%(value)s” is not valid: a Vietnamese number has 10 digits and starts with 0."
    ),
    "email_invalid": gettext_lazy("E-mail address “%(value)s” is not valid."),
    # A unit outside the importer's area and a code that names no unit read the same, so that a
    # file cannot be used to learn which codes exist elsewhere in the federation.
    "unit_unknown": gettext_lazy(
        "There is no unit with code “%(value)s” in your area. See the “Allowed values” sheet."
    ),
    "unit_closed": gettext_lazy("Unit “%(value)s” no longer exists (it was dissolved or merged)."),
    "phone_exists": gettext_lazy("Phone number %(value)s already belongs to someone in the roster."),
    "email_exists": gettext_lazy("E-mail address %(value)s already belongs to someone in the roster."),
    # Taken by someone outside the importer's area: said without confirming that the person exists.
    "phone_unusable": gettext_lazy(
        "Phone number %(value)s cannot be used. If it is correct, ask the federation's administrator."
    ),
    "email_unusable": gettext_lazy(
        "E-mail address %(value)s cannot be used. If it is correct, ask the federation's administrator."
    ),
    "rejected": gettext_lazy("%(column)s: %(detail)s"),
    "row_rejected": gettext_lazy("This row cannot be added. Ask the federation's administrator."),
    "phone_repeated": gettext_lazy("Phone number %(value)s is also on row %(lines)s of this file."),
    "email_repeated": gettext_lazy("E-mail address %(value)s is also on row %(lines)s of this file."),
    "birth_year_invalid": gettext_lazy("Birth year “%(value)s” is not a year (e.g. 1985) or a date (dd/mm/yyyy)."),
    "birth_year_range": gettext_lazy("Birth year %(value)s must be between %(min)s and %(max)s."),
    "position_unknown": gettext_lazy("Unknown position “%(value)s”. See the “Allowed values” sheet."),
    "gender_unknown": gettext_lazy("Unknown gender “%(value)s”: write Nam, Nữ or Khác."),
}
# Batches previewed before the two unit messages became one still carry the old code.
ERROR_MESSAGES["unit_outside"] = ERROR_MESSAGES["unit_unknown"]


def _header_key(header: str) -> str:
    return " ".join(fold(header).replace("_", " ").replace("*", " ").replace(":", " ").split())


def _header_lookup() -> dict[str, str]:
    lookup = {}
    for field, header, label, aliases in COLUMNS:
        with translation.override("en"):
            english = str(label)
        for name in (field, header, english, *aliases):
            lookup[_header_key(name)] = field
    return lookup


def map_headers(headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """Which column holds which field, and the headers that were ignored.

    Raises ValidationError naming the missing columns, or a column given twice.
    """
    lookup = _header_lookup()
    mapping: dict[str, int] = {}
    ignored = []
    for index, header in enumerate(headers):
        field = lookup.get(_header_key(header))
        if field is None:
            if header:
                ignored.append(header)
            continue
        if field in mapping:
            raise ValidationError(
                _("The column “%(column)s” appears twice. Keep only one.") % {"column": header}, code="columns"
            )
        mapping[field] = index
    missing = [header for field, header, *_rest in COLUMNS if field not in mapping]
    if missing:
        raise ValidationError(
            _(
                "The file does not have the columns of the template. Missing: %(missing)s. "
                "Download the template and copy your data into it."
            )
            % {"missing": ", ".join(missing)},
            code="columns",
        )
    return mapping, ignored


def _choice_lookup(choices, vietnamese: dict, aliases: dict) -> dict[str, str]:
    lookup = {fold(alias): value for alias, value in aliases.items()}
    for value, label in choices.choices:
        names = [value, label, vietnamese[value]]
        with translation.override("vi"):
            names.append(str(choices(value).label))
        with translation.override("en"):
            names.append(str(choices(value).label))
        for name in names:
            lookup[fold(name).replace("_", " ")] = value
    return lookup


def error_text(error: dict) -> str:
    """An error stored on a row, in the current language."""
    params = dict(error.get("params") or {})
    if error.get("field"):
        params["column"] = COLUMN_LABELS[error["field"]]
    return ERROR_MESSAGES[error["code"]] % params


# -- checking rows ------------------------------------------------------------------------------


def _phone(raw: str) -> str:
    compact = re.sub(r"[\s.\-()]", "", raw)
    if not re.fullmatch(r"\+?\d+", compact):
        return ""
    if re.fullmatch(r"[1-9]\d{8}", compact):
        # Excel stores 0912345678 typed in a number cell as 912345678.
        compact = "0" + compact
    return normalise_phone(compact)


def _birth_year(raw: str) -> int | None:
    if re.fullmatch(r"\d{4}", raw):
        return int(raw)
    parsed = parse_date(raw)
    return parsed.year if parsed else None


def _error(code: str, field: str | None = None, **params) -> dict:
    return {"code": code, "field": field, "params": params}


def _check_row(raw: dict, *, units: dict, in_scope: set, positions: dict, genders: dict) -> tuple[dict, list]:
    """One row's values to create and its errors (no database access)."""
    errors: list[dict] = []
    data: dict = {}
    # A field with a formula or too long is reported once and checked no further.
    skip = set()
    for field in FIELDS:
        stored = clean_name(raw[field]) if field == "full_name" else raw[field]
        if raw[field].startswith("="):
            errors.append(_error("formula", field))
            skip.add(field)
        elif field in MAX_LENGTHS and len(stored) > MAX_LENGTHS[field]:
            errors.append(_error("too_long", field, max=MAX_LENGTHS[field]))
            skip.add(field)
    present = {field for field in FIELDS if raw[field] and field not in skip}

    data["full_name"] = clean_name(raw["full_name"]) if "full_name" in present else ""
    if not raw["full_name"]:
        errors.append(_error("required", "full_name"))

    data["phone"] = _phone(raw["phone"]) if "phone" in present else ""
    if "phone" in present and not data["phone"]:
        errors.append(_error("phone_invalid", "phone", value=raw["phone"]))

    data["email"] = ""
    if "email" in present:
        try:
            validate_email(raw["email"])
        except ValidationError:
            errors.append(_error("email_invalid", "email", value=raw["email"]))
        else:
            data["email"] = raw["email"].lower()

    data.update(unit_id=None, unit_code=raw["unit_code"], unit_name="")
    unit = units.get(raw["unit_code"].upper())
    if not raw["unit_code"]:
        errors.append(_error("required", "unit_code"))
    elif "unit_code" not in present:
        pass
    elif unit is None or unit.pk not in in_scope:
        errors.append(_error("unit_unknown", "unit_code", value=raw["unit_code"]))
    elif not unit.is_current:
        errors.append(_error("unit_closed", "unit_code", value=raw["unit_code"]))
    else:
        data.update(unit_id=unit.pk, unit_code=unit.code, unit_name=unit.name)

    data["position"] = Position.OPINION_TEAM
    if "position" in present:
        data["position"] = positions.get(fold(raw["position"]).replace("_", " "), "")
        if not data["position"]:
            errors.append(_error("position_unknown", "position", value=raw["position"]))

    data["gender"] = ""
    if "gender" in present:
        data["gender"] = genders.get(fold(raw["gender"]).replace("_", " "), "")
        if not data["gender"]:
            errors.append(_error("gender_unknown", "gender", value=raw["gender"]))

    data["birth_year"] = None
    if "birth_year" in present:
        year = _birth_year(raw["birth_year"])
        max_year = timezone.localdate().year - MIN_AGE
        if year is None:
            errors.append(_error("birth_year_invalid", "birth_year", value=raw["birth_year"]))
        elif not MIN_BIRTH_YEAR <= year <= max_year:
            errors.append(_error("birth_year_range", "birth_year", value=year, min=MIN_BIRTH_YEAR, max=max_year))
        else:
            data["birth_year"] = year

    for field in ("workplace", "topics_covered"):
        data[field] = " ".join(raw[field].split()) if field in present else ""
    return data, errors


def _check_rows(*, actor: User, rows: list[dict]) -> list[dict]:
    """Each row's values to create and its errors; reads the database in a fixed number of queries.

    ``rows`` holds ``{"line", "raw"}``; the result adds ``data`` and ``errors``.
    """
    positions = _choice_lookup(Position, POSITION_VI, POSITION_ALIASES)
    genders = _choice_lookup(Gender, GENDER_VI, GENDER_ALIASES)

    codes = {row["raw"].get("unit_code", "").upper() for row in rows} - {""}
    units = {u.code_upper: u for u in Unit.objects.annotate(code_upper=Upper("code")).filter(code_upper__in=codes)}
    in_scope = set(
        Unit.objects.visible_to(actor).filter(pk__in=[u.pk for u in units.values()]).values_list("pk", flat=True)
    )

    checked = []
    for row in rows:
        raw = {field: str(row["raw"].get(field, "") or "").strip() for field in FIELDS}
        data, errors = _check_row(raw, units=units, in_scope=in_scope, positions=positions, genders=genders)
        checked.append({"line": row["line"], "raw": raw, "data": data, "errors": errors})

    _check_duplicates(actor, checked)
    return checked


def _taken(people, field: str, values: list[str]) -> set[str]:
    if field == "phone":
        return set(people.filter(phone__in=values).values_list("phone", flat=True))
    return set(
        people.annotate(email_lower=Lower("email")).filter(email_lower__in=values).values_list("email_lower", flat=True)
    )


def _check_duplicates(actor: User, rows: list[dict]) -> None:
    """Flag phones and e-mails already in the roster, and those repeated in the file (every copy).

    "Already belongs to someone" only when that someone is within the actor's scope; a value taken
    outside it gets a message that does not confirm anybody has it.
    """
    for field in ("phone", "email"):
        lines_of = defaultdict(list)
        for row in rows:
            if row["data"][field]:
                lines_of[row["data"][field]].append(row["line"])
        existing = _taken(User.objects.all(), field, list(lines_of))
        visible = _taken(User.objects.visible_to(actor), field, list(existing)) if existing else set()
        for row in rows:
            value = row["data"][field]
            if not value:
                continue
            if value in visible:
                row["errors"].append(_error(f"{field}_exists", field, value=value))
            elif value in existing:
                row["errors"].append(_error(f"{field}_unusable", field, value=value))
            others = [line for line in lines_of[value] if line != row["line"]]
            if others:
                lines = ", ".join(map(str, others))
                row["errors"].append(_error(f"{field}_repeated", field, value=value, lines=lines))


def _error_count(rows: list[dict]) -> int:
    return sum(1 for row in rows if row["errors"])


# -- services ------------------------------------------------------------------------------------


def _validated(*, actor: User, rows: list[dict]) -> list[dict]:
    """Every check of an import, in the order confirm runs them, with nothing kept.

    The row checks, then the very creation confirm performs (``_create_people``) of the rows that
    passed them, inside a savepoint that is always rolled back: whatever the database would refuse at confirm
    (a constraint, a model validator) is found now and marked on its row, so a row shown
    valid imports unless the roster changes in between.
    """
    checked = _check_rows(actor=actor, rows=rows)
    passed = [row for row in checked if not row["errors"]]  # so that every error shows at once
    if passed:
        with transaction.atomic():
            _create_people(actor=actor, rows=passed)
            transaction.set_rollback(True)
    return checked


def import_preview(*, actor: User, uploaded_file) -> ImportBatch:
    """Read an uploaded roster file and store every row with its errors, for the admin to check.

    Writes only the ImportBatch; the roster is untouched (the trial creation is rolled back).
    Raises ValidationError (nothing stored) when the file itself is unusable: not a
    spreadsheet, too big, empty, too many rows, unknown encoding, wrong
    columns. The batch carries ``ignored_columns`` (not stored) for the page.
    """
    uploads.check_upload(uploaded_file, uploads.ROSTER_IMPORT)  # the one upload rule, before any parsing
    headers, table = read_table(uploaded_file)
    mapping, ignored = map_headers(headers)
    rows = [
        {"line": row.line, "raw": {field: row.cells[i] if i < len(row.cells) else "" for field, i in mapping.items()}}
        for row in table
    ]
    checked = _validated(actor=actor, rows=rows)
    batch = ImportBatch.objects.create(
        created_by=actor,
        unit=actor.unit,
        filename=uploads.safe_name(getattr(uploaded_file, "name", "")),
        rows=checked,
        error_count=_error_count(checked),
    )
    batch.ignored_columns = ignored
    return batch


class _RowsRefused(Exception):
    """Raised inside the confirm's transaction to undo it when a row is refused."""


def import_confirm(*, actor: User, batch: ImportBatch) -> int:
    """Create every person of a checked batch, or nobody; returns how many were created.

    Preconditions: the batch is visible to the actor. The rows go through the preview's
    checks again (someone with the same phone may have been added since the preview);
    new errors are stored on the batch and the import is refused. Each person is an
    inactive account without a password (role collaborator) with a profile. A batch is
    imported once: a second confirmation (a double click) returns 0.
    """
    batch.refresh_from_db()
    if batch.status == ImportStatus.APPLIED:
        return 0
    if batch.status == ImportStatus.DISCARDED:
        raise ValidationError(_("This import was discarded. Upload the file again."))
    if batch.error_count:
        raise ValidationError(
            _("Nothing was imported: some rows have errors. Correct them in your file and upload it again.")
        )
    if not batch.rows:
        raise ValidationError(_("There is nobody to import in this file."))
    rows = _check_rows(actor=actor, rows=[{"line": r["line"], "raw": r["raw"]} for r in batch.rows])
    try:
        if not _error_count(rows):
            return _import_apply(actor=actor, batch=batch, rows=rows)
    except _RowsRefused:
        pass  # the rows now carry their errors; the transaction was undone
    except IntegrityError as exc:  # a person with the same phone added at this very moment
        raise ValidationError(_("Nothing was imported: the roster changed meanwhile. Try again.")) from exc
    finally:
        batch.refresh_from_db()
    ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(
        rows=rows, error_count=_error_count(rows)
    )
    batch.refresh_from_db()
    raise ValidationError(
        _(
            "Nothing was imported: since the preview, some rows have become invalid "
            "(for example, a person with the same phone number was added). See the rows marked below."
        )
    )


@transaction.atomic
def _import_apply(*, actor: User, batch: ImportBatch, rows: list[dict]) -> int:
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED, error_count=0).update(
        status=ImportStatus.APPLIED, applied_at=timezone.now()
    )
    if not claimed:
        return 0
    created = _create_people(actor=actor, rows=rows)
    if _error_count(rows):
        raise _RowsRefused
    # The people now live in the roster, where they can be corrected or anonymised; the batch
    # keeps only which row became whom, not a second copy of their personal data.
    ImportBatch.objects.filter(pk=batch.pk).update(rows=created)
    return len(created)


def _create_people(*, actor: User, rows: list[dict]) -> list[dict]:
    """Create the person of each row, each in its own savepoint; a row the database or the model
    refuses gets the error on it and the others go on, so every refused row is reported at once.
    Returns ``{"line", "user_id"}`` for the rows created. The preview runs it and rolls back;
    confirm runs it and keeps the result only when no row was refused."""
    units = Unit.objects.in_bulk({row["data"]["unit_id"] for row in rows})
    today = timezone.localdate()
    created = []
    for row in rows:
        data = row["data"]
        try:
            with transaction.atomic():
                person = user_create(
                    username=username_new(),
                    full_name=data["full_name"],
                    unit=units[data["unit_id"]],
                    role=Role.COLLABORATOR,
                    phone=data["phone"],
                    email=data["email"],
                    is_active=False,
                )
                profile = CollaboratorProfile(
                    user=person,
                    position=data["position"],
                    workplace=data["workplace"],
                    gender=data["gender"],
                    birth_year=data["birth_year"],
                    topics_covered=data["topics_covered"],
                    status_since=today,
                )
                profile._history_user = actor
                profile.full_clean(exclude=["user"])
                profile.save()
        except ValidationError as exc:
            row["errors"].extend(_refusals(exc, data))
        except IntegrityError:
            row["errors"].append(_error("row_rejected"))
        else:
            created.append({"line": row["line"], "user_id": person.pk})
    return created


def _refusals(exc: ValidationError, data: dict) -> list[dict]:
    """A model's refusal as row errors. Phone and e-mail say only "cannot be used" (the refusal may
    be a uniqueness rule, which would tell the importer that someone has them); messages about
    other fields name the column; anything else is one neutral line."""
    errors = []
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {}
    for field, messages in by_field.items():
        if field in ("phone", "email"):
            errors.append(_error(f"{field}_unusable", field, value=data.get(field, "")))
        elif field in FIELDS:
            errors.append(_error("rejected", field, detail=" ".join(messages)))
    return errors or [_error("row_rejected")]


def import_discard(*, actor: User, batch: ImportBatch) -> bool:
    """Drop a batch that was not imported; its rows (personal data) are erased. False if too late."""
    done = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.DISCARDED, rows=[]
    )
    batch.refresh_from_db()
    return bool(done)


def import_rows_for_display(batch: ImportBatch, *, viewer: User, only_errors: bool = False) -> list[dict]:
    """The batch's rows as the preview page shows them: each cell as understood (or as typed,
    when it could not be understood), flagged when it has an error; errors in the current language.

    Once imported, each row is the person it created (``person``: None when out of the viewer's scope).
    """
    if batch.status == ImportStatus.APPLIED:
        ids = [row["user_id"] for row in batch.rows]
        people = User.objects.visible_to(viewer).select_related("unit").in_bulk(ids)
        return [{"line": row["line"], "person": people.get(row["user_id"])} for row in batch.rows]
    shown = []
    for row in batch.rows:
        if only_errors and not row["errors"]:
            continue
        data, raw = row["data"], row["raw"]
        understood = {
            **{field: data.get(field) for field in FIELDS},
            "position": Position(data["position"]).label if data.get("position") else "",
            "gender": Gender(data["gender"]).label if data.get("gender") else "",
        }
        error_fields = {error["field"] for error in row["errors"]}
        cells = []
        for field in FIELDS:
            value = raw[field] if field in error_fields else understood[field]
            cells.append({"field": field, "value": "" if value is None else value, "error": field in error_fields})
        shown.append(
            {
                "line": row["line"],
                "cells": cells,
                "unit_name": data.get("unit_name", ""),
                "errors": [error_text(error) for error in row["errors"]],
            }
        )
    return shown


def import_template(*, actor: User, file_format: str) -> bytes:
    """The file to fill in: the headers, an example row, and (XLSX) a sheet of allowed values."""
    units = list(Unit.objects.visible_to(actor).current())
    example_unit = actor.unit if actor.unit and any(u.pk == actor.unit_id for u in units) else None
    example_unit = example_unit or (units[0] if units else None)
    example = [
        "Nguyễn Văn An",
        "0912 345 678",
        "nguyenvanan@example.com",
        example_unit.code if example_unit else "",
        POSITION_VI[Position.OPINION_TEAM],
        "Công ty TNHH May Thăng Long",
        GENDER_VI[Gender.MALE],
        1985,
        "Tiền lương, việc làm",
    ]
    if file_format == "csv":
        return write_csv(TEMPLATE_HEADERS, [example])
    max_year = timezone.localdate().year - MIN_AGE
    allowed = zip_longest(
        [u.code for u in units],
        [u.name for u in units],
        POSITION_VI.values(),
        GENDER_VI.values(),
        [f"{MIN_BIRTH_YEAR}–{max_year}"],
        fillvalue="",
    )
    return write_xlsx(
        TEMPLATE_HEADERS,
        [example],
        title="Danh sách CTV",
        extra_sheets=[("Giá trị hợp lệ", ["Mã đơn vị", "Tên đơn vị", "Chức danh", "Giới tính", "Năm sinh"], allowed)],
    )


# -- export --------------------------------------------------------------------------------------


def _profile_or_none(person: User):
    try:
        return person.profile
    except CollaboratorProfile.DoesNotExist:
        return None


def roster_rows(people):
    """Export rows in the template's columns plus status and unit name.

    ``people`` should select_related("unit", "profile") (selectors.people_visible_to does).
    """
    for person in people:
        profile = _profile_or_none(person)
        unit = person.unit
        yield [
            person.full_name,
            person.phone,
            person.email,
            unit.code if unit else "",
            POSITION_VI.get(profile.position, profile.position) if profile else "",
            profile.workplace if profile else "",
            GENDER_VI.get(profile.gender, profile.gender) if profile else "",
            profile.birth_year if profile and profile.birth_year else "",
            profile.topics_covered if profile else "",
            STATUS_VI.get(profile.status, profile.status) if profile else "",
            unit.name if unit else "",
        ]


def _roster_cells(people):
    """``roster_rows`` as cells PostgreSQL writes (``core.spreadsheets.copy_csv``): the same columns, the
    same labels, neutralised by the same rule; a person without a profile or unit gets empty cells."""
    from django.db.models import F, Value
    from django.db.models.functions import NullIf

    from core.spreadsheets import csv_label_cell, csv_text_cell

    return people.values_list(
        csv_text_cell(F("full_name")),
        csv_text_cell(F("phone")),
        csv_text_cell(F("email")),
        csv_text_cell(F("unit__code")),
        csv_label_cell("profile__position", POSITION_VI),
        csv_text_cell(F("profile__workplace")),
        csv_label_cell("profile__gender", GENDER_VI),
        NullIf(F("profile__birth_year"), Value(0)),
        csv_text_cell(F("profile__topics_covered")),
        csv_label_cell("profile__status", STATUS_VI),
        csv_text_cell(F("unit__name")),
    )


def roster_export_stream(*, actor: User, people, parameters: dict) -> Iterator[bytes]:
    """The (already scoped and filtered) people as CSV bytes, produced while they are read (as the reports'
    export): recorded before the first byte, its row count written when the stream ends or stops."""
    record = ExportRecord.objects.create(
        user=actor, kind="roster", file_format="csv", row_count=0, parameters=parameters
    )
    return _roster_stream(record, people, translation.get_language())


def _roster_stream(record, people, language, *, copy: bool | None = None) -> Iterator[bytes]:
    """The CSV's bytes; ``copy``: written by PostgreSQL's COPY (None: on PostgreSQL), as the reports'."""
    sent = 0

    def rows():
        nonlocal sent
        for row in roster_rows(people.iterator(chunk_size=2000)):
            sent += 1
            yield row

    try:
        # A transaction, so PostgreSQL's server-side cursor is read as it goes (see reports' export).
        with translation.override(language), transaction.atomic():
            if copy is None:
                copy = connection.vendor == "postgresql"
            if not copy:
                yield from stream_csv(EXPORT_HEADERS, rows(), batch=500)
                return
            yield csv_header(EXPORT_HEADERS)
            for chunk, count in copy_csv(_roster_cells(people)):
                sent += count
                yield chunk
    finally:
        ExportRecord.objects.filter(pk=record.pk).update(row_count=sent)


def roster_export_source(*, job):
    """The people kind of export job (``collaborators.services.exports``): the roster as the list shows it
    to the asker now (``people_visible_to`` and the list's filters as given), in the CSV's columns, read in
    chunks. Returns an ``ExportSource``."""
    actor = job.requested_by
    data = QueryDict(mutable=True)
    for key, value in job.parameters.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    people = PeopleFilter(data or None, queryset=people_visible_to(actor), user=actor).qs
    return ExportSource(
        headers=EXPORT_HEADERS,
        rows=roster_rows(people.iterator(chunk_size=2000)),
        total=people.count(),
        title="Danh sách CTV",
    )


def export_filename(stem: str, file_format: str, on: date | None = None) -> str:
    return f"{stem}-{(on or timezone.localdate()):%Y-%m-%d}.{file_format}"
