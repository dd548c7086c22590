"""core.files: rows first, their files (and the folders those leave empty) after the commit."""

import pytest
from django.db import transaction

from core.files import files_delete
from notifications.models import NotificationAttachment
from notifications.services import notify_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _sent(email="so@example.vn", files=("tong-hop.docx",)):
    message = notify_address(
        email=email, kind="summary_issued", subject="Tổng hợp", attachments=[(name, b"noi dung", "x") for name in files]
    )
    return message, list(message.attachments.values_list("file", flat=True))


def test_the_rows_go_at_once_and_the_files_and_their_emptied_folder_after_the_commit(
    media, django_capture_on_commit_callbacks
):
    message, names = _sent()
    folder = (media / names[0]).parent
    assert folder.is_dir() and folder.name == str(message.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert files_delete(NotificationAttachment.objects.filter(notification=message)) == 1
    assert not NotificationAttachment.objects.filter(notification=message).exists()
    assert (media / names[0]).exists()  # not yet: the transaction may still roll back
    for callback in callbacks:
        callback()
    assert not (media / names[0]).exists()
    assert not folder.exists()  # outbox/<id>/ left empty goes too
    assert media.is_dir() and (media / "outbox").is_dir()  # MEDIA_ROOT and the shared folder stay


def test_a_folder_still_holding_another_file_stays(media, django_capture_on_commit_callbacks):
    message, names = _sent(files=("tong-hop.docx", "tong-hop.xlsx"))
    first = NotificationAttachment.objects.filter(notification=message, file=names[0])
    with django_capture_on_commit_callbacks(execute=True):
        files_delete(first)
    assert not (media / names[0]).exists()
    assert (media / names[1]).exists() and (media / names[1]).parent.is_dir()


def test_a_rolled_back_deletion_keeps_the_rows_and_the_files(media, django_capture_on_commit_callbacks):
    message, names = _sent()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        files_delete(NotificationAttachment.objects.filter(notification=message))
        raise RuntimeError
    assert not callbacks
    assert NotificationAttachment.objects.filter(notification=message).count() == 1
    assert (media / names[0]).exists()


def test_keeping_the_rows_blanks_their_file_and_deletes_it(media, django_capture_on_commit_callbacks):
    message, names = _sent()
    with django_capture_on_commit_callbacks(execute=True):
        assert files_delete(NotificationAttachment.objects.filter(notification=message), keep_rows=True) == 1
    assert list(NotificationAttachment.objects.filter(notification=message).values_list("file", flat=True)) == [""]
    assert not (media / names[0]).exists()


def test_a_file_stored_at_the_root_never_removes_the_root(media, django_capture_on_commit_callbacks):
    message, names = _sent()
    attachment = NotificationAttachment.objects.get(notification=message)
    (media / "o-goc.docx").write_bytes(b"x")
    NotificationAttachment.objects.filter(pk=attachment.pk).update(file="o-goc.docx")
    with django_capture_on_commit_callbacks(execute=True):
        files_delete(NotificationAttachment.objects.filter(pk=attachment.pk))
    assert not (media / "o-goc.docx").exists()
    assert media.is_dir()
