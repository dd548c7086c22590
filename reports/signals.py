"""Signals through which higher apps act on the reports app's events without this app importing them.
Receivers are connected in the higher app's ``receivers.py``, from its ``AppConfig.ready``.

``report_form_preparing(user, params, report)``: the report form is being shown or re-shown, with the
query string (GET) or the posted data (POST) and the report being edited (None for a new one). A receiver
returns None when it has nothing to add, or ``{"initial": {...}, "template": "...", "context": {...}}``:
initial values for a new report, and a template included inside the form (it may carry hidden inputs)
with its context. It may raise Http404 (e.g. a link to something the person may not open).

``report_form_saved(user, params, report)``: the report form was saved (or sent), inside the form's
transaction. A receiver may raise ValidationError: its message is shown on the form and everything the
form wrote is rolled back.
"""

from django.dispatch import Signal

report_form_preparing = Signal()
report_form_saved = Signal()
