"""One rule for every uploaded file: the type is decided from the bytes, never from the name or the browser.

Each place that takes files names its *use* (a report's attachments, a guidance note's files, a training's
materials, a roster import): the kinds of file it accepts and its size limit (a setting). A file is accepted
only when its bytes are one of those kinds, its name (if it has an extension) agrees with them, and it is
one thing only: a PDF that is also a zip archive, a "photo" that starts like a web page, an Office file with
macros are refused. Web pages, SVG, scripts and programs are never a kind, so no use can accept them.

An accepted file is stored under a random name (each model's ``upload_to``); the uploaded name is kept only
as data, cleaned by ``safe_name``, and the file is served only by ``core.downloads`` as a download.
"""

import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MB = 1024 * 1024
# Office files whose content unpacks to more than this are refused (zip bombs).
MAX_UNPACKED_BYTES = 200 * MB
MAX_PER_REPORT = 5

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
CSV = "text/csv; charset=utf-8"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_LOCAL_HEADER = b"PK\x03\x04"
# Markup that a browser would run if it ever sniffed the file as a page: refused at the start of any
# file, and anywhere in a text file.
MARKUP_MARKERS = (b"<script", b"<html", b"<svg", b"<!doctype html", b"<iframe", b"<body", b"<?xml-stylesheet")
TEXT_MARKUP_MARKERS = (*MARKUP_MARKERS, b"<!doctype", b"<?xml", b"<object", b"<embed", b"<meta", b"<head")
# Programs: Windows (MZ), Linux (ELF), macOS (Mach-O), Java classes, scripts with an interpreter line.
PROGRAM_SIGNATURES = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OOXML_MAIN_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}


@dataclass(frozen=True)
class Kind:
    """A kind of file an upload may be: its content type and the extensions its name may carry."""

    code: str
    content_type: str
    extensions: tuple[str, ...]
    label: str

    @property
    def extension(self) -> str:
        return self.extensions[0]


KINDS = {
    kind.code: kind
    for kind in (
        Kind("jpeg", JPEG, (".jpg", ".jpeg", ".jfif"), gettext_lazy("JPEG image")),
        Kind("png", PNG, (".png",), gettext_lazy("PNG image")),
        Kind("webp", WEBP, (".webp",), gettext_lazy("WebP image")),
        Kind("pdf", PDF, (".pdf",), "PDF"),
        Kind("docx", DOCX, (".docx",), gettext_lazy("Word (.docx)")),
        Kind("xlsx", XLSX, (".xlsx",), gettext_lazy("Excel (.xlsx)")),
        Kind("pptx", PPTX, (".pptx",), gettext_lazy("PowerPoint (.pptx)")),
        Kind("csv", CSV, (".csv",), "CSV"),
    )
}
TEXT_KINDS = ("csv",)
# The content types a stored file may be served with; anything else is served as plain bytes.
SERVABLE_TYPES = {kind.content_type for kind in KINDS.values()}


@dataclass(frozen=True)
class Use:
    """A place that takes files: the kinds it accepts and the setting that holds its size limit (in MB)."""

    code: str
    kinds: tuple[str, ...]
    limit_setting: str
    default_mb: int

    @property
    def max_bytes(self) -> int:
        return getattr(settings, self.limit_setting, self.default_mb) * MB

    @property
    def max_mb(self) -> int:
        return self.max_bytes // MB

    def describe(self) -> str:
        """The accepted kinds, for messages and help texts: "JPEG image, PNG image, PDF, Word (.docx)"."""
        return ", ".join(str(KINDS[code].label) for code in self.kinds)

    @property
    def accept(self) -> str:
        """The file input's ``accept`` attribute: the browser's picker shows these first."""
        extensions = [ext for code in self.kinds for ext in KINDS[code].extensions]
        types = [KINDS[code].content_type.split(";")[0] for code in self.kinds]
        return ",".join(extensions + types)

    def help_text(self) -> str:
        return _("Accepted: %(kinds)s; at most %(size)s MB each.") % {"kinds": self.describe(), "size": self.max_mb}


REPORT_ATTACHMENT = Use("report_attachment", ("jpeg", "png", "webp", "pdf", "docx"), "UPLOAD_MAX_MB_REPORT", 10)
GUIDANCE_FILE = Use(
    "guidance_file", ("pdf", "docx", "xlsx", "pptx", "jpeg", "png", "webp"), "UPLOAD_MAX_MB_GUIDANCE", 20
)
TRAINING_MATERIAL = Use(
    "training_material", ("pdf", "docx", "xlsx", "pptx", "jpeg", "png", "webp"), "UPLOAD_MAX_MB_TRAINING", 30
)
ROSTER_IMPORT = Use("roster_import", ("xlsx", "csv"), "UPLOAD_MAX_MB_ROSTER_IMPORT", 5)
USES = {use.code: use for use in (REPORT_ATTACHMENT, GUIDANCE_FILE, TRAINING_MATERIAL, ROSTER_IMPORT)}


@dataclass(frozen=True)
class CheckedFile:
    kind: Kind
    size: int
    name: str

    @property
    def content_type(self) -> str:
        return self.kind.content_type


def safe_name(name: str) -> str:
    """The uploaded name as data: its last path component, printable, at most 255 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        name = "file"
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        ext = ext[:16]
        name = stem[: 255 - len(ext)] + ext
    return name


def kind_of_content_type(content_type: str) -> Kind | None:
    for kind in KINDS.values():
        if kind.content_type == content_type:
            return kind
    return None


# --- reading the bytes -----------------------------------------------------------------------------


def _read(uploaded, limit: int) -> bytes:
    uploaded.seek(0)
    data = uploaded.read(limit + 1)
    uploaded.seek(0)
    return data


def _not_accepted(label: str, use: Use) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is not an accepted file. Accepted: %(kinds)s.") % {"name": label, "kinds": use.describe()},
        code="not_accepted",
    )


def _sniff_binary(data: bytes) -> str | None:
    """The kind the bytes declare by their structure ("ooxml" for an Office archive, decided later), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR":
        return "png"
    if len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:16] in (b"VP8 ", b"VP8L", b"VP8X"):
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf" if b"%%EOF" in data[-1024:] else None
    if data.startswith(ZIP_LOCAL_HEADER):
        return "ooxml"
    return None


def _ooxml_kind(data: bytes, label: str, use: Use) -> str:
    """docx, xlsx or pptx for an Office Open XML archive without macros; ValidationError otherwise."""
    damaged = ValidationError(
        _("“%(name)s” is damaged or is not an Office document. Open it, save it again and retry.") % {"name": label},
        code="damaged",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            content_types = b""
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as member:
                    # A few kilobytes in any real document: never unpack more than a megabyte of it.
                    content_types = member.read(MB + 1)
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, KeyError, EOFError):
        raise damaged from None
    if len(content_types) > MB:
        raise damaged
    found = [kind for part, kind in OOXML_MAIN_PARTS.items() if part in names]
    if not content_types or len(found) != 1:
        raise _not_accepted(label, use)  # a plain zip archive, or something pretending to be two documents
    lowered = {name.lower() for name in names}
    if (
        any(name.rsplit("/", 1)[-1].startswith("vbaproject") for name in lowered)
        or any(name.startswith(("word/activex/", "xl/activex/", "ppt/activex/")) for name in lowered)
        or b"macroenabled" in content_types.lower()
    ):
        raise ValidationError(
            _("“%(name)s” contains macros, which are not accepted. Save it as a document without macros (%(ext)s).")
            % {"name": label, "ext": KINDS[found[0]].extension},
            code="macros",
        )
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise damaged
    return found[0]


def _is_text(data: bytes) -> bool:
    """Plain text without control characters or markup. Any 8-bit encoding passes here (latin-1 reads every
    byte): the spreadsheet reader then names an encoding it cannot read and says how to save the file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return False
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    if any((ch < " " and ch not in "\t\r\n\f") or ch == "\x7f" for ch in text):
        return False
    lowered = text.lower().encode("utf-8")
    return not any(marker in lowered for marker in TEXT_MARKUP_MARKERS)


def check_upload(uploaded, use: Use = REPORT_ATTACHMENT) -> CheckedFile:
    """Decide an uploaded file's kind from its content and check it against ``use``.

    Returns the kind, the size and the cleaned name (with the kind's extension added when the name had
    none). Raises ValidationError naming the file and saying what is accepted.
    """
    label = safe_name(getattr(uploaded, "name", ""))
    limit = use.max_bytes
    too_big = ValidationError(
        _("“%(name)s” is larger than %(max)s MB, the limit for this file. Send a smaller file.")
        % {"name": label, "max": use.max_mb},
        code="too_big",
    )
    size = getattr(uploaded, "size", None)
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": label}, code="empty")
    if size is not None and size > limit:
        raise too_big
    data = _read(uploaded, limit)
    if len(data) > limit:  # a size attribute that lied
        raise too_big
    if not data.strip():
        raise ValidationError(_("“%(name)s” is empty.") % {"name": label}, code="empty")
    if data.startswith(PROGRAM_SIGNATURES):
        raise _not_accepted(label, use)
    if data.startswith(OLE2_SIGNATURE):
        # Word 97-2003, Excel 97-2003...: a container that may carry macros and cannot be checked inside.
        raise ValidationError(
            _(
                "“%(name)s” is in an old Office format (.doc, .xls, .ppt), which is not accepted. Open it and save "
                "it as .docx, .xlsx or .pptx. Accepted: %(kinds)s."
            )
            % {"name": label, "kinds": use.describe()},
            code="old_office",
        )
    code = None
    if not any(marker in data[:512].lower() for marker in MARKUP_MARKERS):
        code = _sniff_binary(data)
        if code == "ooxml":
            code = _ooxml_kind(data, label, use)
        elif code is not None and zipfile.is_zipfile(io.BytesIO(data)):
            # An image or PDF whose bytes are also a zip archive: one file, two meanings.
            raise ValidationError(
                _("“%(name)s” is two kinds of file at once and is refused. Save it again as a plain image or PDF.")
                % {"name": label},
                code="polyglot",
            )
        elif code is None and any(kind in use.kinds for kind in TEXT_KINDS) and _is_text(data):
            code = "csv"
    if code is None or code not in use.kinds:
        raise _not_accepted(label, use)
    kind = KINDS[code]
    extension = os.path.splitext(label)[1].lower()
    if not extension:
        label = safe_name(label + kind.extension)
    elif extension not in kind.extensions and code in TEXT_KINDS:
        raise _not_accepted(label, use)  # text with another name (.js, .html, .svg...) is not a spreadsheet
    elif extension not in kind.extensions:
        raise ValidationError(
            _(
                "“%(name)s” is a %(kind)s file but its name ends in “%(ext)s”. Send the original file, "
                "or rename it to end in “%(right)s”."
            )
            % {"name": label, "kind": kind.label, "ext": extension, "right": kind.extension},
            code="extension",
        )
    return CheckedFile(kind=kind, size=len(data), name=label)


def check_count(*, existing: int, adding: int) -> None:
    if existing + adding > MAX_PER_REPORT:
        raise ValidationError(
            _("A report can have at most %(max)s attachments; it has %(existing)s and you added %(adding)s.")
            % {"max": MAX_PER_REPORT, "existing": existing, "adding": adding}
        )


# --- form and model glue -------------------------------------------------------------------------


class UploadField(forms.FileField):
    """One file, checked for ``use`` when the form is cleaned; the help text says what is accepted."""

    def __init__(self, *args, use: Use, **kwargs):
        self.use = use
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": use.accept}))
        kwargs.setdefault("allow_empty_file", True)  # refused by check_upload, with the file's name
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded and uploaded is not initial:
            check_upload(uploaded, self.use)
        return uploaded


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the Django documentation's pattern), each checked for ``use``; every
    refused file is named in the errors."""

    def __init__(self, *args, use: Use, **kwargs):
        self.use = use
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": use.accept}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_empty_file", True)  # refused by check_upload, with the file's name
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        items = [item for item in data if item] if isinstance(data, (list, tuple)) else [data] if data else []
        uploads = [single(item, initial) for item in items]
        errors = []
        for uploaded in uploads:
            try:
                check_upload(uploaded, self.use)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return uploads


@deconstructible
class UploadValidator:
    """The model field's guard, so that any model form (the admin's too) applies the same rule.

    A file already stored was checked when it was uploaded; only a new upload is read.
    """

    def __init__(self, use_code: str):
        self.use_code = use_code

    def __call__(self, value):
        if getattr(value, "_committed", True):
            return
        check_upload(value, USES[self.use_code])

    def __eq__(self, other):
        return isinstance(other, UploadValidator) and other.use_code == self.use_code

    def __hash__(self):
        return hash(self.use_code)


class CheckedUploadModelForm(forms.ModelForm):
    """A model form (used by the admin) for a model with ``file``, ``original_name``, ``content_type`` and
    ``size``: the file is checked for ``upload_use`` and the three are filled from the check."""

    upload_use: Use = REPORT_ATTACHMENT

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        field.allow_empty_file = True  # refused by check_upload, with the file's name
        field.help_text = self.upload_use.help_text()
        field.widget.attrs["accept"] = self.upload_use.accept

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        self.checked = None
        if uploaded and "file" in self.changed_data:
            self.checked = check_upload(uploaded, self.upload_use)
        return uploaded

    def save(self, commit=True):
        checked = getattr(self, "checked", None)
        if checked is not None:
            self.instance.original_name = checked.name
            self.instance.content_type = checked.content_type
            self.instance.size = checked.size
        return super().save(commit=commit)
