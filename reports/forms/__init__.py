"""The collaborator's report form: kind first, drafts may be incomplete, files checked from their bytes."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import uploads as files
from core.forms import DateInput, KnownModelChoiceField
from reports import selectors
from reports.models import FocusPolicy, Report, ReportKind, Rumour, Topic

# The fields a collaborator rarely needs: under "More details" in the template.
MORE_DETAILS = ["breadth", "concern", "spread", "source", "group_concerned", "place", "people_involved"]


class ReportForm(forms.ModelForm):
    token = forms.UUIDField(widget=forms.HiddenInput)
    attachments = files.MultipleFileField(label=_("Attachments"), use=files.REPORT_ATTACHMENT)

    class Meta:
        model = Report
        fields = Report.AUTHOR_FIELDS
        field_classes = {"topic": KnownModelChoiceField}
        widgets = {
            "kind": forms.RadioSelect,
            "direction": forms.RadioSelect,
            "observed_on": DateInput(),
            "content": forms.Textarea(attrs={"rows": 6}),
        }
        labels = {"rumour": _("I heard this too")}

    def __init__(self, *args, user, existing_attachments: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.existing_attachments = existing_attachments
        instance = self.instance
        # A draft may be saved incomplete; sending checks what a report needs (services._require_submittable).
        for field in self.fields.values():
            field.required = False
        self.fields["token"].required = True
        kind = self.fields["kind"]
        kind.choices = [c for c in kind.choices if c[0]]  # no "---------" among the radio buttons
        direction = self.fields["direction"]
        direction.choices = [c for c in direction.choices if c[0]]
        self.fields["topic"].queryset = Topic.objects.filter(Q(is_active=True) | Q(pk=instance.topic_id))
        if self.is_bound and self.data.get(self.add_prefix("topic")):
            # The active topics kept in the cache (every one of them in the queryset): a posted form whose
            # topic is one of them reads no topic; any other is checked by the queryset.
            self.fields["topic"].known = selectors.active_topics()
        self.fields["focus_policy"].queryset = FocusPolicy.objects.filter(
            Q(is_active=True) | Q(pk=instance.focus_policy_id)
        )
        # A posted form without a rumour never reads the list (nor the person's unit it is built from);
        # shown again (with errors), the form gets the list back (``show_choices``).
        self.rumours_skipped = self.is_bound and not self.data.get(self.add_prefix("rumour"))
        self.fields["rumour"].queryset = Rumour.objects.none() if self.rumours_skipped else self._rumours()
        self.fields["rumour"].help_text = _(
            "For a rumour only: pick it if it is one your union already follows. Leave empty otherwise."
        )
        self.fields["title"].widget.attrs.update({"maxlength": 200, "autocomplete": "off"})
        self.fields["content"].help_text = _(
            "What do workers think or say, and why? Describe the opinion, not the people: do not write the "
            "names of the workers who spoke."
        )
        self.fields["urgent"].help_text = _(
            "A hot spot or something that cannot wait: your union's and the federation's staff are told at once."
        )
        self.fields["observed_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["people_involved"].widget.attrs.update({"min": 0, "inputmode": "numeric"})
        self.fields["attachments"].help_text = _(
            "Photos (JPEG, PNG, WebP), PDF or Word (.docx); at most %(size)s MB each and %(count)s per report."
        ) % {"size": files.REPORT_ATTACHMENT.max_mb, "count": files.MAX_PER_REPORT}
        if not self.is_bound and "token" not in self.initial:
            self.initial["token"] = instance.client_token if instance.pk else uuid.uuid4()

    def _rumours(self):
        return selectors.rumours_listed_for(self.user)

    def show_choices(self) -> None:
        """Before the form is shown: every choice list complete (a posted form may have skipped one)."""
        if self.rumours_skipped:
            self.fields["rumour"].queryset = self._rumours()
            self.rumours_skipped = False

    def _get_validation_exclusions(self):
        # The choice fields checked their values against their own querysets (narrower than the model's):
        # the model's own check that the chosen rows exist would read each of them a second time.
        return super()._get_validation_exclusions() | {"topic", "focus_policy", "rumour"}

    def clean_observed_on(self):
        observed_on = self.cleaned_data.get("observed_on")
        if observed_on and observed_on > timezone.localdate():
            raise ValidationError(_("The date observed cannot be in the future."))
        return observed_on

    def clean_title(self):
        return (self.cleaned_data.get("title") or "").strip()

    def clean_attachments(self):
        # Each file was checked by the field (core.uploads); here only how many the report may hold.
        uploads = self.cleaned_data.get("attachments") or []
        files.check_count(existing=self.existing_attachments, adding=len(uploads))
        return uploads

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("rumour") and cleaned.get("kind") != ReportKind.RUMOUR:
            self.add_error("rumour", _("Only a rumour can be one you heard too: choose the kind “Rumour” first."))
        return cleaned

    def report_data(self) -> dict:
        """The cleaned values services.report_save takes."""
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        for name in ("kind", "title", "content", "direction", "breadth", "concern", "spread", "source"):
            data[name] = data[name] or ""
        for name in ("group_concerned", "place"):
            data[name] = (data[name] or "").strip()
        data["urgent"] = bool(data["urgent"])
        return data
