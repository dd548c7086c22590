"""Signals through which higher layers act on events here without this app importing them.

``invitation_issued(invitation, token)``: an e-mail invitation was created in the
current transaction; the notifications app writes the outbox message for it.

``units_moved(units)``: units (with their branches) were moved under another parent in
the current transaction (a move, or a merger that moved children); anything that
counts per ancestor (the summaries' rollups) recounts those branches. Each move is also kept as a
``UnitMove`` fact, so a recount can put the days before the move under the old ancestors.

``unit_ended(unit, on, successors, placements)``: ``unit`` ended on ``on`` (dissolved with no
successor, merged into one, or split into several, in the current transaction); ``placements`` maps
the id of each person who moved out of it directly (not with a sub-unit) to the successor unit they
joined. Work filed at the ended unit itself follows its people (the reports app moves their open
reports).

``incident_recorded(incident)``: an administrator recorded a personal-data incident; the notifications
app tells every administrator. ``incident_reminder_due(incident)``: an incident's 72 hours for telling the
authority are running out and it has not been told; the administrators are reminded (once).

Signals through which higher apps add to this app's pages (each receiver returns its part):

``person_page_sections(person, viewer)``: a person's roster page is shown to ``viewer``, who may
see the person. A receiver returns None or ``{"template": "...", "data": {...}}``, a block of the
page (the person's reports, their trainings), holding only what the viewer's scope allows.

``personal_data_sections(person)``: the person's own-data download (JSON and the printable page) is
being made. A receiver returns ``{"key": "...", "title": "...", "rows": [{column: value}, ...]}``: every
row the app holds about the person (their reports, trainings, notifications, receipts), in plain values.

``person_anonymised(person)``: ``person`` is being anonymised (in the transaction that erases the roster's
data). A receiver erases or deletes what its app holds about the person that is not needed without them
(their preferences, phone numbers, subscriptions, what they follow).

``page_actions(obj, viewer)``: a page shows ``obj`` (a unit, a rumour, a topic, a focus policy) to
``viewer``, who may see it. A receiver returns None or ``{"template": "...", "data": {...}}``: a button the
page shows beside the object's name (follow it, stop following it).

``unit_figures(units, viewer)``: the units pages show ``units`` (all in the viewer's scope) to
``viewer``. A receiver returns ``{label: {unit path: n}}``, figures counted over each unit's whole
subtree, at a cost that does not grow with the number of units (grouped queries, none per unit).

Signals of the export jobs (``collaborators.models.ExportJob``), one mechanism for every kind of export:

``export_job_source(job)``: the worker is building ``job`` (claimed, its asker's language active). The app
that owns ``job.kind`` returns an ``collaborators.services.exports.ExportSource`` (headers, the rows in the
asker's scope as it is now, their count, the sheet's title); every other receiver returns None. The
reports app answers for the review queue, this app's own receiver for the roster.

``export_job_done(job)``: ``job``'s file was built and recorded (in that transaction); the notifications
app tells the asker, linking the job's page.
"""

from django.dispatch import Signal

invitation_issued = Signal()
units_moved = Signal()
incident_recorded = Signal()
incident_reminder_due = Signal()
unit_ended = Signal()
person_page_sections = Signal()
personal_data_sections = Signal()
person_anonymised = Signal()
page_actions = Signal()
unit_figures = Signal()
export_job_source = Signal()
export_job_done = Signal()
