"""What the API shows of each object and what it accepts.

Output serializers read only what the list's queryset already selected (``select_related`` /
annotations of the apps' selectors), so a page costs the same number of queries whatever its length.
Input is checked by the apps' own forms where they exist (the report form), so no rule is written twice:
the serializers below only describe the fields for the schema and parse their types.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from collaborators.models import Unit, User
from core.ids import MAX_ID
from guidance.models import GuidanceNote, PulseRequest, Receipt
from reports import selectors as author_selectors
from reports.models import (
    Breadth,
    Concern,
    Direction,
    Report,
    ReportEvent,
    ReportKind,
    Rumour,
    Source,
    Spread,
)
from summaries.models import Summary
from trainings.models import Registration, TrainingSession


def _id(help_text, **kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=help_text, **kwargs)


def _choice(choices, help_text):
    return serializers.ChoiceField(choices=choices, required=False, allow_blank=True, help_text=help_text)


# --- reports -------------------------------------------------------------------------------------------


class ReportInputSerializer(serializers.Serializer):
    """A report as a collaborator writes it; the report form (``reports.forms.ReportForm``) checks it."""

    kind = _choice(ReportKind.choices, _("What was heard."))
    topic = _id(_("Topic id."), required=False, allow_null=True)
    focus_policy = _id(_("Focus policy id."), required=False, allow_null=True)
    rumour = _id(_("A tracked rumour heard again (rumour reports only)."), required=False, allow_null=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text=_("Title."))
    content = serializers.CharField(required=False, allow_blank=True, max_length=20000, help_text=_("Content."))
    direction = _choice(Direction.choices, _("Direction of the opinion."))
    breadth = _choice(Breadth.choices, _("How widely it is shared."))
    concern = _choice(Concern.choices, _("How concerned people are."))
    spread = _choice(Spread.choices, _("How far it spread."))
    source = _choice(Source.choices, _("Where it was heard."))
    group_concerned = serializers.CharField(max_length=255, required=False, allow_blank=True)
    place = serializers.CharField(max_length=255, required=False, allow_blank=True)
    observed_on = serializers.DateField(required=False, allow_null=True, help_text=_("Date observed."))
    people_involved = serializers.IntegerField(min_value=0, max_value=2147483647, required=False, allow_null=True)
    urgent = serializers.BooleanField(required=False, default=False, help_text=_("Rapid report (urgent)."))
    send = serializers.BooleanField(
        required=False, default=True, help_text=_("Send the report (true, the default) or keep it as a draft.")
    )


class ReportEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = ReportEvent
        fields = ["kind", "note", "internal", "created_at", "actor_name"]

    def get_actor_name(self, event) -> str:
        # The report's author is named only as the consent rule allows (reports.selectors.author_states).
        report = self.context.get("report")
        if report is not None:
            return author_selectors.actor_label(event.actor, report, self.context["author_state"])
        return event.actor.get_full_name() if event.actor else ""


class _ReportListSerializer(serializers.ListSerializer):
    """Works out, once for the page, how each report's author may be named to the reader."""

    def to_representation(self, data):
        reports = list(data.all() if hasattr(data, "all") else data)
        request = self.context.get("request")
        self._context["author_states"] = author_selectors.author_states(reports, getattr(request, "user", None))
        return super().to_representation(reports)


class ReportSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    author = serializers.SerializerMethodField(
        help_text=_("The author's id; empty when the author withdrew consent (or the report was anonymised).")
    )
    author_name = serializers.SerializerMethodField()
    topic_name = serializers.SerializerMethodField()

    class Meta:
        model = Report
        list_serializer_class = _ReportListSerializer
        # What the author wrote (``Report.AUTHOR_FIELDS``, the report form's fields) and where the
        # workflow has taken it.
        fields = [
            "id",
            "status",
            "nothing_new",
            "alert_level",
            "verification",
            "topic_name",
            "unit",
            "unit_name",
            "author",
            "author_name",
            *Report.AUTHOR_FIELDS,
            "created_at",
            "submitted_at",
            "first_submitted_at",
            "reviewed_at",
        ]

    def _author_state(self, report) -> str:
        states = self.context.get("author_states")
        if states is None or report.pk not in states:
            request = self.context.get("request")
            return author_selectors.author_consent_state(report, getattr(request, "user", None))
        return states[report.pk]

    def get_author(self, report) -> int | None:
        return (
            report.author_id
            if self._author_state(report) in (author_selectors.NAMED, author_selectors.REVIEWER)
            else None
        )

    def get_author_name(self, report) -> str:
        return author_selectors.author_label(report, self._author_state(report))

    def get_topic_name(self, report) -> str:
        return report.topic.name if report.topic else ""


class ReportDetailSerializer(ReportSerializer):
    events = serializers.SerializerMethodField()

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "events"]

    def get_events(self, report) -> list[dict]:
        context = {"report": report, "author_state": self._author_state(report)}
        return ReportEventSerializer(self.context["events"], many=True, context=context).data


class ReviewNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, help_text=_("Note (optional)"))


class ReviewReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text=_("Required. The collaborator reads it.")
    )


class RumourSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rumour
        fields = [
            "id",
            "title",
            "summary",
            "topic",
            "verification",
            "resolution_note",
            "verified_at",
            "first_seen_at",
            "last_seen_at",
            "sighting_count",
        ]


# --- guidance ------------------------------------------------------------------------------------------


class GuidanceNoteSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True, help_text=_("The caller has read it."))
    is_acknowledged = serializers.BooleanField(read_only=True, help_text=_("The caller has acknowledged it."))
    author_unit_name = serializers.CharField(source="author_unit.name", read_only=True)
    body_html = serializers.CharField(
        read_only=True,
        help_text=_(
            "The body as safe HTML (paragraphs, lists, links, emphasis), rendered as the page shows it; "
            "`body` is the source the author typed (Markdown)."
        ),
    )

    class Meta:
        model = GuidanceNote
        fields = [
            "id",
            "title",
            "body",
            "body_html",
            "links",
            "topic",
            "focus_policy",
            "status",
            "published_at",
            "author_unit",
            "author_unit_name",
            "is_read",
            "is_acknowledged",
        ]


class ReceiptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Receipt
        fields = ["note", "read_at", "acknowledged_at"]


class PulseRequestSerializer(serializers.ModelSerializer):
    asked = serializers.IntegerField(read_only=True, help_text=_("People asked."))
    answered = serializers.IntegerField(read_only=True, help_text=_("People who answered."))

    class Meta:
        model = PulseRequest
        fields = [
            "id",
            "question",
            "details",
            "topic",
            "focus_policy",
            "mode",
            "status",
            "deadline",
            "opened_at",
            "closed_at",
            "asked",
            "answered",
        ]


# --- trainings -----------------------------------------------------------------------------------------


class TrainingSessionSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    seats_taken = serializers.IntegerField(read_only=True)
    waitlisted = serializers.IntegerField(read_only=True)
    my_status = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("The caller's registration status, if any.")
    )

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "title",
            "programme",
            "speakers",
            "venue",
            "online_link",
            "starts_at",
            "ends_at",
            "capacity",
            "registration_deadline",
            "status",
            "unit",
            "unit_name",
            "seats_taken",
            "waitlisted",
            "my_status",
        ]


class RegistrationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Registration
        fields = ["id", "session", "status", "queued_at"]


# --- roster --------------------------------------------------------------------------------------------


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind", "depth", "valid_from", "valid_to"]


class PersonSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    unit_name = serializers.SerializerMethodField()
    last_reported_on = serializers.DateField(
        read_only=True, allow_null=True, help_text=_("First report of the latest period the person reported in.")
    )

    class Meta:
        model = User
        fields = ["id", "full_name", "role", "is_active", "unit", "unit_name", "last_reported_on"]

    def get_unit_name(self, person) -> str:
        return person.unit.name if person.unit else ""


# --- summaries and the dashboard -----------------------------------------------------------------------


class SummarySerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="scope.name", read_only=True)
    month = serializers.DateField(source="period.month", read_only=True)
    files = serializers.SerializerMethodField(help_text=_("The issued files that can be downloaded."))

    class Meta:
        model = Summary
        fields = ["id", "scope", "unit_name", "kind", "month", "version", "status", "number", "files"]

    def get_files(self, summary) -> list[str]:
        return [kind for kind in ("docx", "xlsx") if getattr(summary, kind)]


class DashboardQuerySerializer(serializers.Serializer):
    """Only for the schema: the dashboard's filters (``summaries.forms.DashboardFilterForm``)."""

    period = serializers.CharField(required=False, help_text=_("Month and year, e.g. 2025-10."))
    unit = _id(_("Unit id (with the units under it); the caller's own unit by default."), required=False)
    topic = _id(_("Topic id."), required=False)
    policy = _id(_("Focus policy id."), required=False)


class CountsField(serializers.DictField):
    child = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    month = serializers.DateField()
    totals = CountsField(help_text=_("The month's figures, from the monthly tallies."))
    previous_totals = CountsField(help_text=_("The previous month's figures."))
    over_time = serializers.ListField(
        child=serializers.DictField(), help_text=_("Twelve months of totals: the month and its figures.")
    )
    by_topic = serializers.ListField(child=serializers.DictField(), help_text=_("Reports per topic."))
    activity = serializers.DictField(help_text=_("Review activity in the month."))

    class Meta:
        fields = ["unit", "unit_name", "month", "totals", "previous_totals", "over_time", "by_topic", "activity"]
