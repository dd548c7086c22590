"""The one upload rule (type from the bytes, allowed kinds per use, size limit, names as data) and the one way
files are sent back (always a download, sandboxed, never sniffed)."""

import pytest
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.test import RequestFactory

from core import downloads, uploads
from tests.upload_samples import ACCEPTABLE, DANGEROUS, oversized, pdf_bytes, upload

pytestmark = pytest.mark.usefixtures("english")

USES = list(uploads.USES.values())


def expected_refusal(sample_id: str, message: str, use: uploads.Use) -> str:
    # A PNG named .pdf is refused for its name only where PNG images are accepted at all.
    if sample_id == "png-as-pdf" and "png" not in use.kinds:
        return "is not an accepted file"
    return message


@pytest.mark.parametrize("use", USES, ids=lambda use: use.code)
@pytest.mark.parametrize(("sample", "name", "data", "kind"), ACCEPTABLE, ids=[s[0] for s in ACCEPTABLE])
def test_each_use_takes_exactly_its_kinds_decided_from_the_bytes(use, sample, name, data, kind):
    if kind in use.kinds:
        checked = uploads.check_upload(upload(name, data, content_type="text/html"), use)
        assert (checked.kind.code, checked.size, checked.name) == (kind, len(data), name)
    else:
        with pytest.raises(ValidationError) as caught:
            uploads.check_upload(upload(name, data), use)
        text = " ".join(caught.value.messages)
        assert f"“{name}” is not an accepted file. Accepted: {use.describe()}." == text


@pytest.mark.parametrize("use", USES, ids=lambda use: use.code)
@pytest.mark.parametrize(("sample", "name", "data", "message"), DANGEROUS, ids=[s[0] for s in DANGEROUS])
def test_no_use_takes_pages_scripts_programs_macros_or_disguises(use, sample, name, data, message):
    with pytest.raises(ValidationError) as caught:
        uploads.check_upload(upload(name, data, content_type="application/pdf"), use)
    text = " ".join(caught.value.messages)
    assert expected_refusal(sample, message, use) in text
    assert f"“{name}”" in text


@pytest.mark.parametrize("use", USES, ids=lambda use: use.code)
def test_each_use_has_its_own_size_limit_from_the_settings(use, settings):
    setattr(settings, use.limit_setting, 1)
    name, data = oversized(use)
    assert len(data) == 1024 * 1024 + 1
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        uploads.check_upload(upload(name, data), use)
    setattr(settings, use.limit_setting, 2)
    if "pdf" in use.kinds:
        assert uploads.check_upload(upload(name, data), use).size == len(data)


def test_the_roster_import_takes_csv_text_but_not_text_under_another_name():
    csv = "Họ và tên,Đơn vị\nNguyễn Văn A,WARD-A-01\n".encode("utf-8-sig")
    assert uploads.check_upload(upload("ds.csv", csv), uploads.ROSTER_IMPORT).kind.code == "csv"
    for name in ("ds.js", "ds.html", "ds.svg", "ds.txt"):
        with pytest.raises(ValidationError, match="is not an accepted file"):
            uploads.check_upload(upload(name, csv), uploads.ROSTER_IMPORT)
    with pytest.raises(ValidationError, match="is not an accepted file"):
        uploads.check_upload(upload("ds.csv", b"Ho ten\n<script>alert(1)</script>\n"), uploads.ROSTER_IMPORT)
    # CSV is never an attachment kind: text is not accepted where documents are.
    with pytest.raises(ValidationError, match="is not an accepted file"):
        uploads.check_upload(upload("ds.csv", csv), uploads.GUIDANCE_FILE)


def test_an_old_office_file_is_refused_with_advice_to_save_it_in_the_new_format():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    with pytest.raises(ValidationError, match=r"old Office format .* save it as .docx, .xlsx or .pptx"):
        uploads.check_upload(upload("cong-van.doc", ole), uploads.GUIDANCE_FILE)


def test_a_name_without_extension_gets_the_extension_of_its_kind():
    assert uploads.check_upload(upload("IMG_0001", pdf_bytes()), uploads.REPORT_ATTACHMENT).name == "IMG_0001.pdf"


def test_the_model_validator_checks_new_uploads_only():
    validator = uploads.UploadValidator(uploads.GUIDANCE_FILE.code)

    class Stored:
        _committed = True

    validator(Stored())  # a file already stored is not read again
    fresh = upload("trang.html", b"<html><script>alert(1)</script>")
    fresh._committed = False
    with pytest.raises(ValidationError, match="is not an accepted file"):
        validator(fresh)
    assert validator == uploads.UploadValidator("guidance_file")
    assert validator.deconstruct() == ("core.uploads.UploadValidator", ("guidance_file",), {})


# --- downloads ----------------------------------------------------------------------------------


def test_a_vietnamese_name_is_sent_in_rfc_5987_form_with_an_ascii_fallback():
    header = downloads.content_disposition('Biên bản "họp"\r\n.pdf')
    assert header == (
        "attachment; filename=\"bien ban _hop_.pdf\"; filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20%22h%E1%BB%8Dp%22.pdf"
    )
    assert downloads.content_disposition("../../etc/passwd").endswith("filename*=UTF-8''passwd")


@pytest.mark.parametrize(
    ("declared", "sent"),
    [
        (uploads.PDF, uploads.PDF),
        (uploads.DOCX, uploads.DOCX),
        (uploads.CSV, uploads.CSV),
        ("text/html", "application/octet-stream"),
        ("application/javascript", "application/octet-stream"),
        ("image/svg+xml", "application/octet-stream"),
        ("", "application/octet-stream"),
    ],
)
def test_only_checked_kinds_are_sent_with_their_type_anything_else_as_bytes(declared, sent):
    response = downloads.bytes_download_response(b"x", "a.bin", declared)
    assert response["Content-Type"] == sent


def test_every_download_is_an_attachment_sandboxed_and_never_sniffed(tmp_path, settings, client):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("x/stored", ContentFile(pdf_bytes()))

    class Field:
        def __bool__(self):
            return True

        def open(self, mode):
            return default_storage.open(name, mode)

    response = downloads.file_download_response(Field(), "Công văn.pdf", uploads.PDF)
    assert isinstance(response, FileResponse)
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == uploads.PDF
    assert response["Content-Disposition"].startswith('attachment; filename="cong van.pdf"; ')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private, no-store"


def test_the_site_policy_middleware_keeps_the_sandbox_of_a_download():
    from csp.middleware import CSPMiddleware

    response = downloads.bytes_download_response(b"x", "a.pdf", uploads.PDF)
    request = RequestFactory().get("/reports/1/attachments/1/")
    CSPMiddleware(lambda r: response).process_response(request, response)
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


@pytest.mark.django_db
def test_media_files_are_not_served_from_media_url(client, settings, tmp_path, federation_admin):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "guidance").mkdir()
    (tmp_path / "guidance" / "abc").write_bytes(b"<script>alert(1)</script>")
    client.force_login(federation_admin)
    assert client.get(settings.MEDIA_URL + "guidance/abc").status_code == 404
