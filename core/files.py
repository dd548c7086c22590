"""Stored files that go with their rows: the rows first, the files once that is committed.

Deleting a row leaves its file on disk, and deleting the file inside the transaction would lose it for
good if the transaction then rolls back while the row stays. So a row is deleted (or its file field
blanked, when the row itself is kept as a record) in the caller's transaction, and its file is deleted
from the storage only after the commit: a rolled-back run keeps both, a committed one neither.

The folder a file leaves behind empty (``outbox/<id>/``, ``attachments/<report id>/``) goes too; never the
storage's root (``MEDIA_ROOT``) and never anything outside it.
"""

import contextlib
import logging
import os

from django.db import transaction

logger = logging.getLogger(__name__)

BATCH = 500  # rows deleted per statement


def files_delete(rows, *, field: str = "file", keep_rows: bool = False) -> int:
    """Delete the rows of the queryset ``rows`` (with ``keep_rows``: blank their ``field`` instead), then,
    after the transaction commits, their stored files and the folders those leave empty.

    Returns how many rows were deleted (or blanked). Call it inside the caller's transaction; outside one
    the files go at once, after the rows.
    """
    model = rows.model
    storage = model._meta.get_field(field).storage
    found = list(rows.values_list("pk", field))
    with transaction.atomic():
        for start in range(0, len(found), BATCH):
            batch = model._base_manager.filter(pk__in=[pk for pk, _name in found[start : start + BATCH]])
            if keep_rows:
                batch.update(**{field: ""})
            else:
                batch.delete()
        names = [name for _pk, name in found if name]
        if names:
            transaction.on_commit(lambda: stored_files_delete(storage, names))
    return len(found)


def stored_files_delete(storage, names) -> None:
    """Delete ``names`` from ``storage`` now, with each folder they leave empty (see the module)."""
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("A stored file could not be deleted: %s", name)
            continue
        _empty_folder_remove(storage, name)


def _empty_folder_remove(storage, name: str) -> None:
    location = getattr(storage, "location", None)
    if not location:  # not stored on this machine's disk: the storage has no folders to leave behind
        return
    root = os.path.realpath(location)
    try:
        folder = os.path.realpath(os.path.dirname(storage.path(name)))
    except (NotImplementedError, ValueError, OSError):
        return
    if folder == root or os.path.commonpath([root, folder]) != root:
        return
    with contextlib.suppress(OSError):  # only an empty folder goes: one still holding a file stays
        os.rmdir(folder)
