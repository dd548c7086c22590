"""The guidance note form: it parses and narrows its choices to the author's scope; the service refuses
targets outside the author's subtree. The body is Markdown, made safe whenever shown (core.markup)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collaborators.filters import ShortUnitMultipleChoiceField, units_for
from core import uploads as files
from core.forms import ModelMultipleIdsField
from guidance.models import PulseMode
from guidance.services import MAX_FILES_PER_NOTE
from reports.models import FocusPolicy, Report, ReportKind, ReportStatus, Rumour, Topic

OUT_OF_SCOPE = _("You can only send guidance to units in your own scope.")


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; it sends ISO values whatever the display format."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


DATETIME_INPUTS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


class GuidanceNoteForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "A blank line between paragraphs; a line starting with “- ” or “1. ” is a list item; **bold**, "
            "*italics*; web addresses become links, [words](address) links words."
        ),
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One web address per line (official documents, press articles)."),
    )
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.filter(is_active=True), required=False)
    focus_policy = forms.ModelChoiceField(
        label=_("Focus policy"), queryset=FocusPolicy.objects.filter(is_active=True), required=False
    )
    target_units = ShortUnitMultipleChoiceField(
        label=_("Send to"),
        purpose="manage-open",
        help_text=_("Each unit with every unit under it."),
        error_messages={"invalid_choice": OUT_OF_SCOPE, "invalid_pk_value": OUT_OF_SCOPE},
    )
    rumours = ModelMultipleIdsField(label=_("Rumours it answers"), queryset=Rumour.objects.none(), required=False)
    questions = ModelMultipleIdsField(label=_("Questions it answers"), queryset=Report.objects.none(), required=False)
    attachments = files.MultipleFileField(label=_("Files"), use=files.GUIDANCE_FILE)
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=DateTimeInput(),
        input_formats=DATETIME_INPUTS,
        help_text=_("Optional: the note is published and sent at this time. Leave empty to publish by hand."),
    )

    def __init__(self, *args, author, existing_files: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_files = existing_files
        self.fields["attachments"].help_text = _(
            "Official documents, leaflets, slides: %(kinds)s; at most %(size)s MB each and %(count)s per note."
        ) % {"kinds": files.GUIDANCE_FILE.describe(), "size": files.GUIDANCE_FILE.max_mb, "count": MAX_FILES_PER_NOTE}
        # Only units the author covers: the choice list is narrowed as the service checks.
        self.fields["target_units"].queryset = units_for(author, "manage-open")
        self.fields["rumours"].queryset = Rumour.objects.visible_to(author).order_by("-last_seen_at", "-pk")
        self.fields["questions"].queryset = (
            Report.objects.visible_to(author)
            .filter(kind=ReportKind.QUESTION)
            .exclude(status__in=[ReportStatus.DRAFT, ReportStatus.REJECTED])
            .order_by("-submitted_at")
        )

    def clean_attachments(self):
        # Each file was checked by the field (core.uploads); here only how many the note may hold.
        uploads = self.cleaned_data.get("attachments") or []
        if self.existing_files + len(uploads) > MAX_FILES_PER_NOTE:
            raise ValidationError(
                _("A note can have at most %(max)s files; remove one first.") % {"max": MAX_FILES_PER_NOTE}
            )
        return uploads

    def clean_publish_at(self):
        publish_at = self.cleaned_data.get("publish_at")
        if publish_at and publish_at <= timezone.now():
            raise ValidationError(_("The publish time must be in the future; leave it empty to publish by hand."))
        return publish_at

    @classmethod
    def initial_from(cls, note):
        return {
            "title": note.title,
            "body": note.body,
            "links": note.links,
            "topic": note.topic,
            "focus_policy": note.focus_policy,
            "target_units": list(note.target_units.all()),
            "rumours": list(note.rumours.all()),
            "questions": list(note.questions.all()),
            "publish_at": timezone.localtime(note.publish_at) if note.publish_at else None,
        }


OUT_OF_SCOPE_PULSE = _("You can only ask the collaborators of units in your own scope.")


class PulseRequestForm(forms.Form):
    """A request for opinion. The service refuses units outside the author's scope and a past deadline."""

    question = forms.CharField(label=_("Question"), max_length=300)
    details = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the federation wants to know, and why (optional)."),
    )
    focus_policy = forms.ModelChoiceField(
        label=_("Focus policy"), queryset=FocusPolicy.objects.filter(is_active=True), required=False
    )
    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.filter(is_active=True),
        required=False,
        help_text=_("Choose a focus policy, a topic, or both."),
    )
    target_units = ShortUnitMultipleChoiceField(
        label=_("Ask the collaborators of"),
        purpose="manage-open",
        help_text=_("Each unit with every unit under it."),
        error_messages={"invalid_choice": OUT_OF_SCOPE_PULSE, "invalid_pk_value": OUT_OF_SCOPE_PULSE},
    )
    mode = forms.ChoiceField(label=_("Who is asked"), choices=PulseMode.choices, widget=forms.RadioSelect)
    per_unit = forms.IntegerField(
        label=_("Collaborators per unit (sample)"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("For a sample: this many collaborators drawn in each unit, fixed when the request opens."),
    )
    deadline = forms.DateTimeField(label=_("Deadline"), widget=DateTimeInput(), input_formats=DATETIME_INPUTS)

    def __init__(self, *args, author, **kwargs):
        super().__init__(*args, **kwargs)
        # Only units the author covers: the choice list is narrowed as the service checks.
        self.fields["target_units"].queryset = units_for(author, "manage-open")
        self.initial.setdefault("mode", PulseMode.ALL)

    def clean_question(self):
        return self.cleaned_data["question"].strip()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("topic") and not cleaned.get("focus_policy"):
            self.add_error("focus_policy", _("Choose the focus policy or the topic the question is about."))
        if cleaned.get("mode") == PulseMode.SAMPLE and not cleaned.get("per_unit"):
            self.add_error("per_unit", _("For a sample, say how many collaborators to ask in each unit."))
        deadline = cleaned.get("deadline")
        if deadline and deadline <= timezone.now():
            self.add_error("deadline", _("The deadline must be in the future."))
        return cleaned
