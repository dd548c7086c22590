"""The reports app's part in lower apps' events (they cannot import this app; they send signals).

Connected from ``ReportsConfig.ready``.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from collaborators.models.exports import ExportJobKind
from collaborators.signals import (
    export_job_source,
    person_page_sections,
    personal_data_sections,
    unit_ended,
    unit_figures,
)
from core import fragments
from privacy.signals import retention_due
from reports import selectors
from reports.models import Rumour
from reports.services import reports_follow_people
from reports.services.exports import export_job_source as reports_export_source
from reports.services.retention import reports_retention


@receiver(person_page_sections, dispatch_uid="reports.person_page_reports")
def person_reports_section(sender, *, person, viewer, **kwargs):
    """The person's report counts, of the reports the viewer may see."""
    return selectors.person_section(person, viewer)


@receiver(personal_data_sections, dispatch_uid="reports.personal_data_reports")
def person_reports_data(sender, *, person, **kwargs):
    """Every report the person wrote (drafts too), with its files' names, for their own-data download."""
    return {"key": "reports", "title": _("Reports"), "rows": selectors.personal_data(person)}


@receiver(unit_figures, dispatch_uid="reports.unit_figures_reports")
def reports_per_unit(sender, *, units, viewer, **kwargs):
    """The units pages show how many reports each subtree has sent (drafts are private)."""
    return {_("Reports"): selectors.sent_reports_per_subtree(units=units, viewer=viewer)}


@receiver(unit_ended, dispatch_uid="reports.follow_people_of_ended_unit")
def open_reports_follow_their_authors(sender, *, unit, placements, **kwargs):
    """Open reports filed at an ended unit itself go with their authors to its successors (reports filed
    in its sub-units moved with those sub-units already)."""
    reports_follow_people(unit=unit, placements=placements)


@receiver(retention_due, dispatch_uid="reports.retention")
def reports_past_retention(sender, *, cutoffs, apply, **kwargs):
    """Reports past their retention are anonymised, attachments past theirs deleted."""
    return reports_retention(cutoffs=cutoffs, apply=apply)


# The rows of this app the review queue's filter form lists as choices (its HTML is kept under
# ``fragments.CHOICES``): a topic or focus policy edited (in the admin too). Units are the collaborators
# app's (its receivers move the same version).
CHOICE_MODELS = {"reports.topic", "reports.focuspolicy"}


@receiver(post_save, dispatch_uid="reports.filter_choices_saved")
@receiver(post_delete, dispatch_uid="reports.filter_choices_deleted")
def filter_choices_changed(sender, **kwargs):
    if sender._meta.label_lower in CHOICE_MODELS:
        fragments.bump(fragments.CHOICES)


@receiver(post_save, dispatch_uid="reports.listed_rumours_saved")
@receiver(post_delete, dispatch_uid="reports.listed_rumours_deleted")
@receiver(m2m_changed, dispatch_uid="reports.listed_rumours_listed")
def listed_rumours_changed(sender, **kwargs):
    """A rumour written, or the units it is listed for: the report form's "heard this too" lists
    (``fragments.RUMOURS``)."""
    if sender in (Rumour, Rumour.listed_units.through):
        fragments.bump(fragments.RUMOURS)


@receiver(export_job_source, dispatch_uid="reports.export_source")
def reports_for_an_export_job(sender, *, job, **kwargs):
    """The review queue's rows for an export job of the reports kind."""
    if job.kind != ExportJobKind.REPORTS:
        return None
    return reports_export_source(job=job)
