"""Keep the monthly tallies current as reports change (reports and collaborators cannot import this app).

Each receiver only calls the tally service, inside the transaction of the service that sent the signal:
the tallies commit or roll back with the change. Every write that changes what a report counts for goes
through one of these signals (``reports.signals``): the first sending and each later one, the author's
changes to a returned report, staff's reviews (accept, return, reject, alert level), a link to a tracked
rumour; drafts count nowhere, so their saves (the form's autosave) send nothing. A moved branch changes
its reports' ancestors (``collaborators.signals.units_moved``). Writes that bypass the services are
caught by the periodic catch-up (``tallies_catch_up``).
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from collaborators.signals import units_moved
from core import fragments
from reports.models import ReportStatus
from reports.signals import report_edited, report_linked_to_rumour, report_reviewed, report_sent, reports_moved
from summaries.services.tallies import DASHBOARD_FRAGMENTS, reports_tally, units_retally


@receiver(report_sent, dispatch_uid="summaries.tally_sent_report")
@receiver(report_edited, dispatch_uid="summaries.tally_edited_report")
@receiver(report_reviewed, dispatch_uid="summaries.tally_reviewed_report")
@receiver(report_linked_to_rumour, dispatch_uid="summaries.tally_linked_report")
def tally_report(sender, report, writes=None, **kwargs):
    reports_tally(report_ids=[report.pk], writes=writes)  # ``writes``: the sender runs them (report_sent)


@receiver(units_moved, dispatch_uid="summaries.retally_moved_units")
def retally_moved_units(sender, units, **kwargs):
    units_retally(units=units)


@receiver(reports_moved, dispatch_uid="summaries.retally_moved_reports")
def retally_moved_reports(sender, report_ids, **kwargs):
    reports_tally(report_ids=report_ids)


# --- the cached figures: the dashboard's blocks, the units page (core/fragments.py) ----------------

# Models whose rows the dashboard's figures read (directly or through the tallies). Drafts count nowhere.
DASHBOARD_MODELS = {
    "reports.report",
    "reports.rumour",
    "reports.topic",
    "reports.focuspolicy",
    "collaborators.user",
    "collaborators.unit",
    "collaborators.collaboratorprofile",
    "collaborators.reportingactivity",
    "collaborators.trainingattendance",
    "collaborators.unitmove",
    "collaborators.qualitytally",
    "trainings.trainingsession",
    "trainings.registration",
    "summaries.reportingperiod",
    "summaries.unitmonthtally",
    "summaries.rumourmonthtally",
}


@receiver(post_save, dispatch_uid="summaries.dashboard_saved")
@receiver(post_delete, dispatch_uid="summaries.dashboard_deleted")
def dashboard_figures_changed(sender, instance=None, **kwargs):
    if sender._meta.label_lower not in DASHBOARD_MODELS:
        return
    if sender._meta.label_lower == "reports.report" and instance.status == ReportStatus.DRAFT:
        return  # the form's autosave
    fragments.bump(DASHBOARD_FRAGMENTS)
