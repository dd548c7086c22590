"""The staff's action forms on a report and a rumour. Rules that involve rows or permissions
(a reason required, a reviewer in scope, a resolution note) live in the services: the forms
only parse, and narrow their choices to the viewer's scope."""

from django import forms
from django.utils.translation import gettext_lazy as _

from collaborators.access import STAFF_ROLES
from collaborators.models import User
from reports.models import AlertLevel, Rumour, Verification


def _text(label, *, required=False, rows=2, help_text=""):
    # Not required in the form: the service decides, so its message is the one shown.
    return forms.CharField(
        label=label, required=required, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows})
    )


class AcceptForm(forms.Form):
    note = _text(_("Note (optional)"))


class ReturnForm(forms.Form):
    reason = _text(_("What is missing"), help_text=_("Required. The collaborator reads it and fixes the report."))


class RejectForm(forms.Form):
    reason = _text(_("Why it is not accepted"), help_text=_("Required. The collaborator reads it."))


class AlertForm(forms.Form):
    level = forms.ChoiceField(label=_("Alert level"), choices=AlertLevel.choices)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Reviewer"), queryset=User.objects.none(), required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            User.objects.visible_to(actor).filter(is_active=True, role__in=STAFF_ROLES).order_by("full_name")
        )
        self.fields["assignee"].label_from_instance = lambda user: user.get_full_name()


class EscalateForm(forms.Form):
    note = _text(_("Why escalate"), help_text=_("Required. The staff of the unit above are notified."))


class CommentForm(forms.Form):
    text = _text(_("Comment"), rows=3)
    internal = forms.BooleanField(
        label=_("Internal (staff only; the collaborator does not see it)"), required=False, initial=True
    )


class RumourLinkForm(forms.Form):
    """Pick a tracked rumour (suggestions shown first) or start tracking a new one."""

    rumour = forms.ModelChoiceField(
        label=_("Similar tracked rumours"),
        queryset=Rumour.objects.none(),
        required=False,
        widget=forms.RadioSelect,
    )
    new_title = forms.CharField(label=_("Or track a new rumour, titled"), required=False, max_length=200)

    def __init__(self, *args, actor, suggestions=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["rumour"]
        field.queryset = Rumour.objects.visible_to(actor)
        # Shown: the suggestions only; accepted: any rumour the viewer can see.
        field.choices = [(rumour.pk, rumour.title) for rumour in suggestions]

    def clean(self):
        data = super().clean()
        if bool(data.get("rumour")) == bool((data.get("new_title") or "").strip()):
            raise forms.ValidationError(_("Pick one tracked rumour, or give a title to track a new one."))
        return data


class RumourVerifyForm(forms.Form):
    verification = forms.ChoiceField(label=_("Verification"), choices=Verification.choices)
    note = _text(_("Resolution note"), rows=3, help_text=_("Required: what was checked and what the truth is."))
