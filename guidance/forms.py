"""The guidance note form: it parses and narrows its choices to the author's scope; the service
sanitises the body and refuses targets outside the author's subtree."""

from django import forms
from django.utils.translation import gettext_lazy as _

from collaborators.models import Unit
from reports.models import FocusPolicy, Report, ReportKind, ReportStatus, Rumour, Topic

OUT_OF_SCOPE = _("You can only send guidance to units in your own scope.")


class GuidanceNoteForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Paragraphs, bold, italics, lists and links are kept; anything else is removed."),
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
    target_units = forms.ModelMultipleChoiceField(
        label=_("Send to"),
        queryset=Unit.objects.none(),
        help_text=_("Each unit with every unit under it."),
        error_messages={"invalid_choice": OUT_OF_SCOPE, "invalid_pk_value": OUT_OF_SCOPE},
    )
    rumours = forms.ModelMultipleChoiceField(
        label=_("Rumours it answers"), queryset=Rumour.objects.none(), required=False
    )
    questions = forms.ModelMultipleChoiceField(
        label=_("Questions it answers"), queryset=Report.objects.none(), required=False
    )

    def __init__(self, *args, author, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_units"].queryset = Unit.objects.visible_to(author).filter(valid_to__isnull=True)
        self.fields["rumours"].queryset = Rumour.objects.visible_to(author).order_by("-last_seen_at", "-pk")
        self.fields["questions"].queryset = (
            Report.objects.visible_to(author)
            .filter(kind=ReportKind.QUESTION)
            .exclude(status__in=[ReportStatus.DRAFT, ReportStatus.REJECTED])
            .order_by("-submitted_at")
        )

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
        }
