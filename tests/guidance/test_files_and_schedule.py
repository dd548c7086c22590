"""Files on guidance notes (checked from their bytes, downloaded only within the note's scope) and the
scheduled publish time (invisible until then, published and notified exactly once by the periodic job)."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from guidance.models import GuidanceNote, NoteAttachment, NoteStatus
from guidance.services import MAX_FILES_PER_NOTE, guidance_publish, guidance_publish_due, note_attachment_add
from guidance.tasks import publish_due_notes
from notifications.models import Notification
from tests.clock import frozen_clock
from tests.guidance.conftest import make_note
from tests.reports.test_attachments import pdf_bytes, png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name="van-ban.pdf", data=None, content_type="application/pdf"):
    return SimpleUploadedFile(name, pdf_bytes() if data is None else data, content_type=content_type)


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


# --- files ----------------------------------------------------------------------------------------------


def test_staff_attach_a_file_through_the_form_stored_under_a_random_name(client, unit_staff, union):
    client.force_login(unit_staff)
    response = client.post(
        reverse("guidance:new"),
        {"title": "Định hướng", "body": "<p>Nội dung</p>", "target_units": [union.pk], "attachments": [upload()]},
    )
    assert response.status_code == 302
    attachment = NoteAttachment.objects.get()
    assert attachment.original_name == "van-ban.pdf" and attachment.content_type == "application/pdf"
    assert "van-ban" not in attachment.file.name
    assert (django_settings.MEDIA_ROOT / attachment.file.name).read_bytes() == pdf_bytes()


def test_a_disguised_file_is_refused_with_a_message_and_nothing_saved(client, unit_staff, union, english):
    client.force_login(unit_staff)
    fake = upload("anh.png", b"<html><script>alert(1)</script></html>", "image/png")
    response = client.post(
        reverse("guidance:new"),
        {"title": "Định hướng", "body": "<p>Nội dung</p>", "target_units": [union.pk], "attachments": [fake]},
    )
    assert response.status_code == 200
    assert "is not an accepted file" in response.content.decode()
    assert not GuidanceNote.objects.exists() and not NoteAttachment.objects.exists()


def test_a_note_holds_at_most_the_limit_and_published_notes_take_no_files(unit_staff, union):
    note = make_note(unit_staff, targets=[union], publish=False)
    for i in range(MAX_FILES_PER_NOTE):
        note_attachment_add(note=note, uploaded_file=upload(f"{i}.pdf"), actor=unit_staff)
    with pytest.raises(ValidationError):
        note_attachment_add(note=note, uploaded_file=upload("extra.pdf"), actor=unit_staff)
    published = make_note(unit_staff, targets=[union])
    with pytest.raises(ValidationError):
        note_attachment_add(note=published, uploaded_file=upload(), actor=unit_staff)
    assert NoteAttachment.objects.count() == MAX_FILES_PER_NOTE


def test_downloads_for_the_targeted_collaborator_the_owning_staff_and_not_outsiders(
    client, unit_staff, union, collaborator, other_staff, other_collaborator
):
    draft = make_note(unit_staff, targets=[union], publish=False)
    attachment = note_attachment_add(
        note=draft, uploaded_file=upload("anh.png", png_bytes(), "image/png"), actor=unit_staff
    )
    client.force_login(collaborator)
    assert client.get(reverse("guidance:file", args=[draft.pk, attachment.pk])).status_code == 404  # a draft
    guidance_publish(actor=unit_staff, note=draft)
    url = reverse("guidance:file", args=[draft.pk, attachment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert 'data-testid="note-files"' in client.get(reverse("guidance:detail", args=[draft.pk])).content.decode()
    client.force_login(unit_staff)
    assert client.get(url).status_code == 200
    for outsider in (other_staff, other_collaborator):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    # A file id from another note is not served through this note.
    client.force_login(unit_staff)
    other = make_note(unit_staff, targets=[union])
    assert client.get(reverse("guidance:file", args=[other.pk, attachment.pk])).status_code == 404


def test_only_owning_staff_remove_a_file_from_a_draft(client, unit_staff, union, other_staff, collaborator):
    note = make_note(unit_staff, targets=[union], publish=False)
    attachment = note_attachment_add(note=note, uploaded_file=upload(), actor=unit_staff)
    url = reverse("guidance:file_remove", args=[note.pk, attachment.pk])
    client.force_login(collaborator)
    assert client.post(url).status_code == 404
    client.force_login(other_staff)
    assert client.post(url).status_code == 404
    assert NoteAttachment.objects.exists()
    client.force_login(unit_staff)
    assert client.post(url).status_code == 302
    assert not NoteAttachment.objects.exists()


# --- scheduled publication ------------------------------------------------------------------------------


def test_a_scheduled_note_is_invisible_until_the_job_publishes_it_once(
    client, unit_staff, union, collaborator, other_collaborator
):
    client.force_login(unit_staff)
    when = timezone.now() + timedelta(hours=2)
    response = client.post(
        reverse("guidance:new"),
        {"title": "Hẹn giờ công bố", "body": "<p>Nội dung</p>", "target_units": [union.pk], "publish_at": _local(when)},
    )
    assert response.status_code == 302
    note = GuidanceNote.objects.get()
    assert note.status == NoteStatus.DRAFT and note.publish_at is not None
    assert 'data-testid="note-scheduled"' in client.get(reverse("guidance:detail", args=[note.pk])).content.decode()

    client.force_login(collaborator)
    assert client.get(reverse("guidance:detail", args=[note.pk])).status_code == 404
    assert guidance_publish_due() == 0  # not yet
    assert not Notification.objects.filter(kind="guidance").exists()

    later = note.publish_at + timedelta(minutes=1)
    assert guidance_publish_due(now=later) == 1
    assert guidance_publish_due(now=later) == 0
    assert publish_due_notes.delay().get() == 0
    note.refresh_from_db()
    assert note.status == NoteStatus.PUBLISHED and note.published_at == later
    assert list(Notification.objects.filter(kind="guidance").values_list("recipient", flat=True)) == [collaborator.pk]
    assert client.get(reverse("guidance:detail", args=[note.pk])).status_code == 200
    client.force_login(other_collaborator)
    assert client.get(reverse("guidance:detail", args=[note.pk])).status_code == 404


def test_a_publish_time_in_the_past_is_refused_in_vietnamese(client, unit_staff, union):
    client.force_login(unit_staff)
    past = timezone.now() - timedelta(hours=1)
    response = client.post(
        reverse("guidance:new"),
        {"title": "Hẹn giờ", "body": "<p>Nội dung</p>", "target_units": [union.pk], "publish_at": _local(past)},
    )
    assert response.status_code == 200
    assert "Thời điểm công bố phải ở tương lai" in response.content.decode()
    assert not GuidanceNote.objects.exists()


def test_the_publish_job_is_registered():
    from guidance.schedules import SCHEDULES

    assert "guidance.tasks.publish_due_notes" in {spec["task"] for spec in SCHEDULES}
