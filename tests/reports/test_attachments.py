"""Attachments: the type decided from the bytes, limits, polyglots refused, downloads scoped."""

import html
import io
import struct
import uuid
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import uploads as files
from reports import services
from reports.models import Attachment, Report, ReportStatus, Topic
from reports.services.attachments import attachment_add
from tests.upload_samples import (
    ACCEPTABLE,
    DANGEROUS,
    RANDOM_STORED_NAME,
    assert_download_headers,
    oversized,
    stored_files,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --- files made in the test --------------------------------------------------------


def png_bytes(width=2, height=2) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        files.PNG_SIGNATURE
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def webp_bytes() -> bytes:
    body = b"WEBPVP8 " + struct.pack("<I", 10) + b"\x00" * 10
    return b"RIFF" + struct.pack("<I", len(body)) + body


def pdf_bytes(extra=b"") -> bytes:
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + extra + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes(*, macros=False) -> bytes:
    members = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document/>',
    }
    if macros:
        members["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0macro"
    return zip_bytes(members)


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def topic(db):
    # Seeded by a data migration, but a transactional test's flush may have removed it.
    return Topic.objects.filter(is_active=True).order_by("order", "pk").first() or Topic.objects.create(
        code="TEST", name="Việc làm, thu nhập"
    )


def _draft(author, **data):
    report, _changed = services.report_save(
        author=author, token=uuid.uuid4(), data={"title": "Bản nháp", **data}, submit=False
    )
    return report


def _sent(author, topic):
    report, _changed = services.report_save(
        author=author,
        token=uuid.uuid4(),
        data={"kind": "opinion", "topic": topic, "title": "Ý kiến về tăng ca", "content": "Công nhân lo lắng."},
        submit=True,
    )
    return report


# --- type from content ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("anh.jpg", jpeg_bytes(), files.JPEG),
        ("photo.PNG", png_bytes(), files.PNG),
        ("x.webp", webp_bytes(), files.WEBP),
        ("van-ban.pdf", pdf_bytes(), files.PDF),
        ("bien-ban.docx", docx_bytes(), files.DOCX),
        # The name does not matter, only the bytes.
        ("no-extension", png_bytes(), files.PNG),
    ],
)
def test_accepted_types_are_recognised_from_their_bytes(name, data, expected):
    checked = files.check_upload(upload(name, data, content_type="text/html"))
    assert checked.content_type == expected
    assert checked.size == len(data)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("hop-dong.pdf", b"MZ\x90\x00\x03\x00\x00\x00 this is a program", "is not an accepted file"),
        ("ghi-chu.pdf", "Chỉ là văn bản".encode(), "is not an accepted file"),
        ("anh.png", b"<html><script>alert(1)</script></html>", "is not an accepted file"),
        ("anh.jpg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "is not an accepted file"),
        ("anh.png", files.PNG_SIGNATURE + b"\x00\x00\x00\rIHDR<script>alert(1)</script>", "is not an accepted file"),
        ("cat.pdf", b"%PDF-1.4 no end marker", "is not an accepted file"),
        ("polyglot.pdf", pdf_bytes() + zip_bytes({"evil.js": b"alert(1)"}), "two kinds of file at once"),
        ("polyglot.png", png_bytes() + zip_bytes({"a.txt": b"x"}), "two kinds of file at once"),
        ("macro.docx", docx_bytes(macros=True), "contains macros"),
        ("archive.docx", zip_bytes({"readme.txt": b"hello"}), "is not an accepted file"),
        ("prefixed.docx", b"GIF89a" + docx_bytes(), "is not an accepted file"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_refused_files_name_the_file_and_say_why(name, data, message):
    with pytest.raises(ValidationError) as caught:
        files.check_upload(upload(name, data, content_type="application/pdf"))
    text = " ".join(caught.value.messages)
    assert message in text
    assert name in text


def test_a_file_over_ten_megabytes_is_refused():
    big = upload("to.pdf", b"%PDF-1.4\n" + b"0" * files.REPORT_ATTACHMENT.max_bytes + b"\n%%EOF\n")
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        files.check_upload(big)


def test_uploaded_names_are_kept_as_data_only():
    assert files.safe_name("../../etc/passwd") == "passwd"
    assert files.safe_name("C:\\Users\\lan\\Ảnh 1.jpg") == "Ảnh 1.jpg"
    assert files.safe_name("a\x00b\nc.pdf") == "abc.pdf"
    assert files.safe_name("") == "file"
    long = files.safe_name("x" * 400 + ".docx")
    assert len(long) == 255 and long.endswith(".docx")


# --- the service -----------------------------------------------------------------------


def test_attachment_is_stored_under_a_random_name_with_its_sanitised_name(collaborator, settings):
    report = _draft(collaborator)
    attachment = attachment_add(
        report=report, uploaded_file=upload("../../Ảnh hiện trường.png", png_bytes()), actor=collaborator
    )
    assert attachment.original_name == "Ảnh hiện trường.png"
    assert attachment.content_type == files.PNG
    assert attachment.size == len(png_bytes())
    assert attachment.file.name.startswith(f"attachments/{report.pk}/")
    stored = attachment.file.name.rsplit("/", 1)[-1]
    assert len(stored) == 32 and "." not in stored
    assert (settings.MEDIA_ROOT / attachment.file.name).read_bytes() == png_bytes()
    assert not str(settings.MEDIA_ROOT).startswith(str(settings.STATIC_ROOT))


def test_a_sixth_file_is_refused_and_nothing_changes(collaborator):
    report = _draft(collaborator)
    for i in range(5):
        attachment_add(report=report, uploaded_file=upload(f"{i}.png", png_bytes(2, i + 1)), actor=collaborator)
    with pytest.raises(ValidationError, match="at most 5 attachments"):
        attachment_add(report=report, uploaded_file=upload("6.pdf", pdf_bytes()), actor=collaborator)
    assert report.attachments.count() == 5


def test_the_same_file_sent_twice_is_stored_once(collaborator):
    report = _draft(collaborator)
    first = attachment_add(report=report, uploaded_file=upload("a.png", png_bytes()), actor=collaborator)
    again = attachment_add(report=report, uploaded_file=upload("a.png", png_bytes()), actor=collaborator)
    assert first.pk == again.pk
    assert report.attachments.count() == 1


def test_only_the_author_of_an_editable_report_adds_files(collaborator, other_collaborator, topic):
    from django.core.exceptions import PermissionDenied

    draft = _draft(collaborator)
    with pytest.raises(PermissionDenied):
        attachment_add(report=draft, uploaded_file=upload("a.png", png_bytes()), actor=other_collaborator)
    sent = _sent(collaborator, topic)
    with pytest.raises(PermissionDenied):
        attachment_add(report=sent, uploaded_file=upload("a.png", png_bytes()), actor=collaborator)
    assert not Attachment.objects.exists()


# --- through the form -----------------------------------------------------------------


def _post(client, files_, **data):
    payload = {"token": str(uuid.uuid4()), "title": "Tin đồn về cắt giảm", "action": "draft", **data}
    payload["attachments"] = files_
    return client.post(reverse("reports:new"), payload)


@pytest.mark.parametrize(
    ("files_", "message"),
    [
        ([("big.pdf", b"%PDF-1.4\n" + b"0" * files.REPORT_ATTACHMENT.max_bytes + b"\n%%EOF\n")], "larger than 10 MB"),
        ([(f"{i}.png", png_bytes(2, i + 1)) for i in range(6)], "at most 5 attachments"),
        ([("hop-dong.pdf", b"PK-but-not-really, just text")], "is not an accepted file"),
        ([("polyglot.pdf", pdf_bytes() + zip_bytes({"x.js": b"alert(1)"}))], "two kinds of file at once"),
        ([("anh.png", b"<!DOCTYPE html><html><script>alert(1)</script>")], "is not an accepted file"),
        ([("macro.docx", docx_bytes(macros=True))], "contains macros"),
    ],
    ids=["oversized", "sixth-file", "renamed-pdf", "polyglot", "html-as-png", "docx-macros"],
)
def test_a_refused_file_changes_nothing_and_shows_the_message(client, collaborator, files_, message):
    client.force_login(collaborator)
    response = _post(client, [upload(name, data) for name, data in files_])
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page.replace("&quot;", '"').replace("&#x27;", "'")
    if message != "at most 5 attachments":
        assert files_[0][0] in page
    assert "Tin đồn về cắt giảm" in page  # what was typed is kept in the form
    assert not Report.objects.exists()
    assert not Attachment.objects.exists()


def test_a_sixth_file_on_an_existing_draft_is_refused(client, collaborator):
    report = _draft(collaborator)
    for i in range(5):
        attachment_add(report=report, uploaded_file=upload(f"{i}.png", png_bytes(2, i + 1)), actor=collaborator)
    client.force_login(collaborator)
    response = client.post(
        reverse("reports:edit", args=[report.pk]),
        {
            "token": str(report.client_token),
            "title": "Đã đổi",
            "action": "draft",
            "attachments": [upload("x.pdf", pdf_bytes())],
        },
    )
    assert response.status_code == 400
    assert "at most 5 attachments" in response.content.decode()
    report.refresh_from_db()
    assert report.title == "Bản nháp" and report.attachments.count() == 5


def test_several_files_in_one_input_are_all_attached(client, collaborator):
    client.force_login(collaborator)
    response = _post(
        client, [upload("a.png", png_bytes()), upload("b.pdf", pdf_bytes()), upload("c.docx", docx_bytes())]
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert sorted(report.attachments.values_list("content_type", flat=True)) == sorted(
        [files.PNG, files.PDF, files.DOCX]
    )


# --- downloads ------------------------------------------------------------------------


@pytest.fixture
def sent_with_file(collaborator, topic):
    report = _draft(collaborator)
    attachment = attachment_add(
        report=report, uploaded_file=upload("Biên bản họp.pdf", pdf_bytes()), actor=collaborator
    )
    report, _ = services.report_save(
        author=collaborator,
        token=report.client_token,
        data={"kind": "opinion", "topic": topic, "title": "Ý kiến", "content": "Nội dung"},
        submit=True,
    )
    assert report.status == ReportStatus.SUBMITTED
    return report, attachment


def _download(client, report, attachment):
    return client.get(reverse("reports:attachment", args=[report.pk, attachment.pk]))


def test_the_author_downloads_the_file_as_an_attachment_with_its_name(client, collaborator, sent_with_file):
    report, attachment = sent_with_file
    client.force_login(collaborator)
    response = _download(client, report, attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == files.PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20h%E1%BB%8Dp.pdf" in disposition


def test_staff_of_the_subtree_download_files_of_a_submitted_report(
    client, unit_staff, federation_admin, sent_with_file
):
    report, attachment = sent_with_file
    for person in (unit_staff, federation_admin):
        client.force_login(person)
        assert _download(client, report, attachment).status_code == 200


def test_staff_do_not_download_files_of_a_draft(client, collaborator, unit_staff):
    report = _draft(collaborator)
    attachment = attachment_add(report=report, uploaded_file=upload("a.png", png_bytes()), actor=collaborator)
    client.force_login(unit_staff)
    assert _download(client, report, attachment).status_code == 404


def test_outsiders_get_404_for_a_file(client, other_staff, other_collaborator, sent_with_file):
    report, attachment = sent_with_file
    for person in (other_staff, other_collaborator):
        client.force_login(person)
        assert _download(client, report, attachment).status_code == 404


def test_an_attachment_of_another_report_is_404_even_with_a_visible_report(client, collaborator, sent_with_file):
    report, attachment = sent_with_file
    mine = _draft(collaborator)
    client.force_login(collaborator)
    response = client.get(reverse("reports:attachment", args=[mine.pk, attachment.pk]))
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, sent_with_file):
    report, attachment = sent_with_file
    response = _download(client, report, attachment)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_files_are_not_served_from_media_url(client, collaborator, sent_with_file, settings):
    report, attachment = sent_with_file
    client.force_login(collaborator)
    assert client.get(settings.MEDIA_URL + attachment.file.name).status_code == 404


# --- every sample through the report form ----------------------------------------------------------

REPORT_ACCEPTS = [sample for sample in ACCEPTABLE if sample[3] in files.REPORT_ATTACHMENT.kinds]
REPORT_REFUSES = [
    (s, name, data, "is not an accepted file")
    for s, name, data, kind in ACCEPTABLE
    if kind not in files.REPORT_ATTACHMENT.kinds
]
REPORT_REFUSES += DANGEROUS


@pytest.mark.parametrize(("sample", "name", "data", "kind"), REPORT_ACCEPTS, ids=[s[0] for s in REPORT_ACCEPTS])
def test_each_accepted_kind_is_stored_under_a_random_name_and_downloaded_safely(
    client, collaborator, settings, sample, name, data, kind
):
    client.force_login(collaborator)
    response = _post(client, [upload(name, data, content_type="text/html")])
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.original_name, attachment.content_type) == (name, files.KINDS[kind].content_type)
    assert RANDOM_STORED_NAME.match(attachment.file.name.rsplit("/", 1)[-1])
    assert [path.name for path in stored_files(settings.MEDIA_ROOT)] == [attachment.file.name.rsplit("/", 1)[-1]]
    download = _download(client, attachment.report, attachment)
    assert_download_headers(download, content_type=files.KINDS[kind].content_type)
    assert b"".join(download.streaming_content) == data


@pytest.mark.parametrize(("sample", "name", "data", "message"), REPORT_REFUSES, ids=[s[0] for s in REPORT_REFUSES])
def test_each_refused_sample_leaves_no_report_no_row_and_no_file(
    client, collaborator, settings, sample, name, data, message
):
    client.force_login(collaborator)
    response = _post(client, [upload(name, data, content_type="image/png")])
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page and name in page
    assert not Report.objects.exists() and not Attachment.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_file_over_the_report_limit_is_refused_through_the_form(client, collaborator, settings):
    settings.UPLOAD_MAX_MB_REPORT = 1
    name, data = oversized(files.REPORT_ATTACHMENT)
    client.force_login(collaborator)
    response = _post(client, [upload(name, data)])
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
    assert not Attachment.objects.exists() and stored_files(settings.MEDIA_ROOT) == []
