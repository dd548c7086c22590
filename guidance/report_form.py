"""The guidance side of the report form (settings.REPORT_FORM_EXTENSIONS): a collaborator answering a
request for opinion opens ``/reports/new/?request=<id>``; the form shows the question, is pre-filled with
its topic and focus policy, and the report is linked to the request in the form's transaction.

``reports`` never imports this module: it calls it through the setting (the layers go one way)."""

from guidance.models import PulseRecipient
from guidance.services.pulse import pulse_answer_record, recipient_for
from reports.models import ReportKind


class PulseAnswerExtension:
    template = "guidance/_partials/report_form_request.html"

    def _linked(self, *, user, report):
        if report is None or not report.pk:
            return None
        return (
            PulseRecipient.objects.select_related("request", "request__topic", "request__focus_policy", "report")
            .filter(report=report, person=user)
            .first()
        )

    def prepare(self, *, user, params, report):
        recipient = self._linked(user=user, report=report)
        if recipient is None:
            request_id = params.get("request")
            if not request_id:
                return None
            recipient = recipient_for(request_id=request_id, person=user)  # 404 unless asked
        request = recipient.request
        accepts = request.accepts_answers()
        initial = {}
        if accepts and report is None:
            initial = {
                "kind": ReportKind.OPINION,
                "topic": request.topic,
                "focus_policy": request.focus_policy,
                "title": request.question[:200],
            }
        other_report = (
            recipient.report if recipient.report_id and recipient.report_id != getattr(report, "pk", None) else None
        )
        return {
            "initial": initial,
            "template": self.template,
            "context": {"pulse": request, "accepts": accepts, "other_report": other_report},
        }

    def record(self, *, user, params, report):
        linked = self._linked(user=user, report=report)
        request_id = linked.request_id if linked else params.get("request")
        if request_id:
            pulse_answer_record(report=report, person=user, request_id=request_id)


pulse_answer = PulseAnswerExtension()
