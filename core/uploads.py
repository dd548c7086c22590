"""Attachment checks: the type is decided from the bytes, never from the name or the browser.

Accepted: JPEG, PNG, WebP images, PDF and DOCX (Word without macros), at most
MAX_BYTES each and MAX_PER_REPORT per report. Files that are two things at
once (a PDF that is also a zip archive, a "document" that starts like a web
page) are refused: a reviewer's browser or office suite must never be tricked
into running what a collaborator's phone sent.
"""

import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_REPORT = 5
# A DOCX whose content unpacks to more than this is refused (zip bomb).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

ALLOWED_TYPES = {JPEG, PNG, WEBP, PDF, DOCX}
ACCEPT_ATTRIBUTE = ".jpg,.jpeg,.png,.webp,.pdf,.docx,image/jpeg,image/png,image/webp,application/pdf," + DOCX

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_LOCAL_HEADER = b"PK\x03\x04"
# Markup that a browser would run if it ever sniffed the file as a page.
MARKUP_MARKERS = (b"<script", b"<html", b"<svg", b"<!doctype html", b"<iframe", b"<body", b"<?xml-stylesheet")


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    name: str


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


def _read_all(uploaded) -> bytes:
    uploaded.seek(0)
    data = uploaded.read(MAX_BYTES + 1)
    uploaded.seek(0)
    return data


def _is_zip(data: bytes) -> bool:
    return zipfile.is_zipfile(io.BytesIO(data))


def _sniff(data: bytes) -> str | None:
    """The type the bytes declare by their structure, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR":
        return PNG
    if len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:16] in (b"VP8 ", b"VP8L", b"VP8X"):
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF if b"%%EOF" in data[-1024:] else None
    if data.startswith(ZIP_LOCAL_HEADER):
        return DOCX  # confirmed by _check_docx
    return None


def _check_docx(data: bytes, label: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):
        raise ValidationError(_("“%(name)s” is not a valid Word document.") % {"name": label}) from None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise ValidationError(
            _("“%(name)s” is not a Word (.docx) document. Send images, PDF or Word files.") % {"name": label}
        )
    if any(name.lower().rsplit("/", 1)[-1] == "vbaproject.bin" for name in names):
        raise ValidationError(
            _("“%(name)s” contains macros, which are not accepted. Save it as a plain Word document (.docx).")
            % {"name": label}
        )
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise ValidationError(_("“%(name)s” is not a valid Word document.") % {"name": label})


def check_upload(uploaded) -> CheckedFile:
    """Decide an uploaded file's type from its content; raise ValidationError naming the file if refused."""
    label = safe_name(getattr(uploaded, "name", ""))
    size = uploaded.size
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": label})
    if size > MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(max)s MB. Send a smaller file or a photo of the page.")
            % {"name": label, "max": MAX_BYTES // (1024 * 1024)}
        )
    data = _read_all(uploaded)
    if len(data) > MAX_BYTES:  # a size attribute that lied
        raise ValidationError(
            _("“%(name)s” is larger than %(max)s MB. Send a smaller file or a photo of the page.")
            % {"name": label, "max": MAX_BYTES // (1024 * 1024)}
        )
    refused = _("“%(name)s” is not an accepted file. Send images (JPEG, PNG, WebP), PDF or Word (.docx) files.") % {
        "name": label
    }
    if any(marker in data[:512].lower() for marker in MARKUP_MARKERS):
        raise ValidationError(refused)
    content_type = _sniff(data)
    if content_type is None:
        raise ValidationError(refused)
    if content_type == DOCX:
        _check_docx(data, label)
    elif _is_zip(data):
        # An image or PDF whose bytes are also a zip archive: one file, two meanings.
        raise ValidationError(
            _("“%(name)s” is two kinds of file at once and is refused. Save it again as a plain image or PDF.")
            % {"name": label}
        )
    return CheckedFile(content_type=content_type, size=len(data), name=label)


def check_count(*, existing: int, adding: int) -> None:
    if existing + adding > MAX_PER_REPORT:
        raise ValidationError(
            _("A report can have at most %(max)s attachments; it has %(existing)s and you added %(adding)s.")
            % {"max": MAX_PER_REPORT, "existing": existing, "adding": adding}
        )
