"""Signals through which higher apps act on the reports app's events without this app importing them.
Receivers are connected in the higher app's ``receivers.py``, from its ``AppConfig.ready``.

``report_form_preparing(user, params, report)``: the report form is being shown or re-shown, with the
query string (GET) or the posted data (POST) and the report being edited (None for a new one). A receiver
returns None when it has nothing to add, or ``{"initial": {...}, "template": "...", "context": {...}}``:
initial values for a new report, and a template included inside the form (it may carry hidden inputs)
with its context. It may raise Http404 (e.g. a link to something the person may not open).

``report_form_saved(user, params, report, new)``: the report form was saved (or sent), inside the form's
transaction. ``new`` is True when no report had the form's token before this request (the report was
just written, so nothing links to it yet); senders that do not know leave it out (False). A receiver
may raise ValidationError: its message is shown on the form and everything the form wrote is rolled back.

Domain events, sent by ``reports.services`` inside the transaction that made the change, after the
change is saved (a receiver's writes commit or roll back with it; an exception in a receiver undoes
the change). The sender is the model class; every argument is keyword-only:

``report_sent(report, resubmission, writes)``: the author sent ``report`` for review. ``resubmission`` is
False the first time (the report's reporting period is then fixed, and the author's reporting fact written)
and True when a returned report is sent again. ``writes``: a list of (sql, params) statements the sender
runs right after the signal, in the same transaction and in one round trip with its own writes (the
report's events and reporting fact); a receiver may add its writes there instead of running them.

``report_edited(report)``: the author changed a report that was returned to them, without sending it
again yet (it still counts, as returned, where it was first sent).

``report_reviewed(report, event)``: staff acted on a sent report; ``event`` is the ``ReportEvent``
recorded (its ``kind``: accepted, returned, rejected, escalated, or alert, for a new alert level).

``report_linked_to_rumour(report, rumour, previous)``: a rumour report was counted as a sighting of
``rumour``; ``previous`` is the rumour it counted for before, or None.

``reports_moved(report_ids)``: open reports were moved to another unit (their unit ended and they
follow their authors to its successors); what they count for changed.

``rumours_merged(rumour, into, actor)``: ``rumour``, a second copy of ``into``, was merged into it: its
sightings are ``into``'s now (guidance answering ``rumour`` answers ``into`` as well).

``rumour_verified(rumour, actor)``: ``actor`` set the rumour's verification and resolution note; its
sightings (the linked reports) took the same verification.
"""

from django.dispatch import Signal

report_form_preparing = Signal()
report_form_saved = Signal()

report_sent = Signal()
report_edited = Signal()
report_reviewed = Signal()
report_linked_to_rumour = Signal()
rumour_verified = Signal()
reports_moved = Signal()
rumours_merged = Signal()
