"""Signals of the privacy app, heard by the apps above it."""

from django.dispatch import Signal

# Sent by ``privacy.services.retention_run`` to gather each app's part of the retention rules.
# Arguments: ``cutoffs`` ({kind: datetime}: rows of that kind older than it have expired; a kind left out
# is kept for ever) and ``apply`` (False: only count; True: anonymise or delete, in the caller's
# transaction). Each receiver returns ``{kind: count}`` for the kinds it owns.
retention_due = Signal()
