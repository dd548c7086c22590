"""Keep the monthly tallies current as reports change (reports and collaborators cannot import this app).

Each receiver only calls the tally service, inside the transaction of the service that sent the signal:
the tallies commit or roll back with the change. Every write that changes what a report counts for goes
through one of these signals (``reports.signals``): the first sending and each later one, the author's
changes to a returned report, staff's reviews (accept, return, reject, alert level), a link to a tracked
rumour; drafts count nowhere, so their saves (the form's autosave) send nothing. A moved branch changes
its reports' ancestors (``collaborators.signals.units_moved``). Writes that bypass the services are
caught by the periodic catch-up (``tallies_catch_up``).
"""

from django.dispatch import receiver

from collaborators.signals import units_moved
from reports.signals import report_edited, report_linked_to_rumour, report_reviewed, report_sent, reports_moved
from summaries.services.tallies import reports_tally, units_retally


@receiver(report_sent, dispatch_uid="summaries.tally_sent_report")
@receiver(report_edited, dispatch_uid="summaries.tally_edited_report")
@receiver(report_reviewed, dispatch_uid="summaries.tally_reviewed_report")
@receiver(report_linked_to_rumour, dispatch_uid="summaries.tally_linked_report")
def tally_report(sender, report, **kwargs):
    reports_tally(report_ids=[report.pk])


@receiver(units_moved, dispatch_uid="summaries.retally_moved_units")
def retally_moved_units(sender, units, **kwargs):
    units_retally(units=units)


@receiver(reports_moved, dispatch_uid="summaries.retally_moved_reports")
def retally_moved_reports(sender, report_ids, **kwargs):
    reports_tally(report_ids=report_ids)
