"""Guidance's part in the reports app's events (reports cannot import this app; it sends signals).

Connected from ``GuidanceConfig.ready``.

Answering a request for opinion through the report form: a collaborator asked opens
``/reports/new/?request=<id>``; the form shows the question and is pre-filled with its topic and focus
policy (``report_form_preparing``), and the report is linked to the request in the form's transaction
(``report_form_saved``), where a refusal rolls the report back.

Closing the loop on rumours: a report counted as a sighting of a rumour after guidance answering it
was published (``report_linked_to_rumour``) tells its author of that answer.
"""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from collaborators.signals import personal_data_sections
from guidance.models import PulseRecipient
from guidance.selectors import personal_data
from guidance.services import guidance_answer_late_sighting, guidance_follow_merged_rumour
from guidance.services.pulse import pulse_answer_record, recipient_for
from reports.models import ReportKind
from reports.signals import report_form_preparing, report_form_saved, report_linked_to_rumour, rumours_merged

REQUEST_PARTIAL = "guidance/_partials/report_form_request.html"


def _linked_recipient(*, user, report) -> PulseRecipient | None:
    """The person's row in the request that an existing report already answers, if any."""
    if report is None or not report.pk:
        return None
    return (
        PulseRecipient.objects.select_related("pulse", "pulse__topic", "pulse__focus_policy", "report")
        .filter(report=report, person=user)
        .first()
    )


@receiver(report_form_preparing, dispatch_uid="guidance.report_form_request")
def show_the_request_on_the_report_form(sender, *, user, params, report, **kwargs):
    """The question above the form, and a new answer pre-filled from the request; 404 unless the person was asked."""
    recipient = _linked_recipient(user=user, report=report)
    if recipient is None:
        pulse_id = params.get("request")
        if not pulse_id:
            return None
        recipient = recipient_for(pulse_id=pulse_id, person=user)
    pulse = recipient.pulse
    accepts = pulse.accepts_answers()
    initial = {}
    if accepts and report is None:
        initial = {
            "kind": ReportKind.OPINION,
            "topic": pulse.topic,
            "focus_policy": pulse.focus_policy,
            "title": pulse.question[:200],
        }
    answered_with_another = recipient.report_id and recipient.report_id != getattr(report, "pk", None)
    return {
        "initial": initial,
        "template": REQUEST_PARTIAL,
        "context": {
            "pulse": pulse,
            "accepts": accepts,
            "other_report": recipient.report if answered_with_another else None,
        },
    }


@receiver(report_form_saved, dispatch_uid="guidance.report_form_answer")
def link_the_report_to_the_request(sender, *, user, params, report, new=False, **kwargs):
    """The saved report becomes the person's answer (once sent); a refusal raises ValidationError."""
    linked = None if new else _linked_recipient(user=user, report=report)  # a new report answers nothing yet
    pulse_id = linked.pulse_id if linked else params.get("request")
    if pulse_id:
        pulse_answer_record(report=report, person=user, pulse_id=pulse_id)


@receiver(report_linked_to_rumour, dispatch_uid="guidance.late_sighting_answer")
def tell_a_late_sighting_its_answer(sender, *, report, rumour, previous, **kwargs):
    """A sighting linked after the rumour's answer was published: its author is told, as the others were."""
    if previous is not None and previous.pk == rumour.pk:
        return
    guidance_answer_late_sighting(report=report, rumour=rumour)


@receiver(rumours_merged, dispatch_uid="guidance.follow_merged_rumour")
def notes_answer_the_merged_rumour(sender, *, rumour, into, **kwargs):
    """Guidance answering a rumour merged into another answers that one too (the old links stay)."""
    guidance_follow_merged_rumour(rumour=rumour, into=into)


@receiver(personal_data_sections, dispatch_uid="guidance.personal_data_receipts")
def person_receipts_data(sender, *, person, **kwargs):
    """The guidance notes the person received, read and acknowledged, for their own-data download."""
    return {"key": "receipts", "title": _("Guidance received"), "rows": personal_data(person)}
