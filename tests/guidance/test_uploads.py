"""Every sample file through the guidance note form and the admin: the one upload rule (GUIDANCE_FILE),
random stored names, and downloads that are only ever attachments."""

import html

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from core import uploads
from guidance.models import GuidanceNote, NoteAttachment
from tests.guidance.conftest import make_note
from tests.upload_samples import (
    ACCEPTABLE,
    DANGEROUS,
    RANDOM_STORED_NAME,
    assert_download_headers,
    oversized,
    stored_files,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

USE = uploads.GUIDANCE_FILE
ACCEPTS = [sample for sample in ACCEPTABLE if sample[3] in USE.kinds]
REFUSES = [(s, name, data, "is not an accepted file") for s, name, data, kind in ACCEPTABLE if kind not in USE.kinds]
REFUSES += DANGEROUS


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _post_note(client, union, uploaded):
    return client.post(
        reverse("guidance:new"),
        {"title": "Định hướng", "body": "<p>Nội dung</p>", "target_units": [union.pk], "attachments": [uploaded]},
    )


@pytest.mark.parametrize(("sample", "name", "data", "kind"), ACCEPTS, ids=[s[0] for s in ACCEPTS])
def test_each_accepted_kind_is_stored_under_a_random_name_and_downloaded_safely(
    client, unit_staff, union, settings, sample, name, data, kind
):
    client.force_login(unit_staff)
    assert _post_note(client, union, upload(name, data, content_type="text/html")).status_code == 302
    attachment = NoteAttachment.objects.get()
    content_type = uploads.KINDS[kind].content_type
    assert (attachment.original_name, attachment.content_type, attachment.size) == (name, content_type, len(data))
    stored = attachment.file.name.rsplit("/", 1)[-1]
    assert RANDOM_STORED_NAME.match(stored)
    assert [path.name for path in stored_files(settings.MEDIA_ROOT)] == [stored]
    response = client.get(reverse("guidance:file", args=[attachment.note_id, attachment.pk]))
    assert_download_headers(response, content_type=content_type)
    assert b"".join(response.streaming_content) == data


@pytest.mark.parametrize(("sample", "name", "data", "message"), REFUSES, ids=[s[0] for s in REFUSES])
def test_each_refused_sample_leaves_no_note_no_row_and_no_file(
    client, unit_staff, union, settings, sample, name, data, message
):
    client.force_login(unit_staff)
    response = _post_note(client, union, upload(name, data, content_type="application/pdf"))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert message in page and name in page
    assert not GuidanceNote.objects.exists() and not NoteAttachment.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_file_over_the_guidance_limit_is_refused_through_the_form(client, unit_staff, union, settings):
    settings.UPLOAD_MAX_MB_GUIDANCE = 1
    name, data = oversized(USE)
    client.force_login(unit_staff)
    response = _post_note(client, union, upload(name, data))
    assert "larger than 1 MB" in response.content.decode()
    assert not NoteAttachment.objects.exists() and stored_files(settings.MEDIA_ROOT) == []


# --- the admin is no way around the rule ------------------------------------------------------------


def _admin_add(admin_client, note, uploaded):
    admin_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client.post(
        reverse("admin:guidance_noteattachment_add"),
        {"note": note.pk, "uploaded_by": note.author_id, "file": uploaded},
    )


@pytest.mark.parametrize(("sample", "name", "data", "message"), REFUSES, ids=[s[0] for s in REFUSES])
def test_the_admin_refuses_what_the_app_refuses(admin_client, unit_staff, union, settings, sample, name, data, message):
    note = make_note(unit_staff, targets=[union], publish=False)
    response = _admin_add(admin_client, note, upload(name, data))
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not NoteAttachment.objects.exists() and stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(("sample", "name", "data", "kind"), ACCEPTS, ids=[s[0] for s in ACCEPTS])
def test_the_admin_stores_an_accepted_file_with_the_kind_found_in_its_bytes(
    admin_client, unit_staff, union, sample, name, data, kind
):
    note = make_note(unit_staff, targets=[union], publish=False)
    assert _admin_add(admin_client, note, upload(name, data, content_type="text/html")).status_code == 302
    attachment = NoteAttachment.objects.get()
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        name,
        uploads.KINDS[kind].content_type,
        len(data),
    )
    assert RANDOM_STORED_NAME.match(attachment.file.name.rsplit("/", 1)[-1])
