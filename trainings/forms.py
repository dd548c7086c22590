"""Forms for trainings. clean() checks fields against each other; rules involving other rows live in services."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collaborators.filters import ShortUnitChoiceField, ShortUnitMultipleChoiceField, units_for
from collaborators.models import Position, Role, User
from core import uploads
from core.text import normalise_phone
from trainings.models import RegistrationStatus, TrainingSession


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; it sends ISO values whatever the display format."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


DATETIME_INPUTS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    unit = ShortUnitChoiceField(label=_("Organising unit"), purpose="manage")
    programme = forms.CharField(label=_("Programme"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    speakers = forms.CharField(label=_("Speakers"), max_length=500, required=False)
    venue = forms.CharField(label=_("Venue"), max_length=255, required=False)
    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput(), input_formats=DATETIME_INPUTS)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput(), input_formats=DATETIME_INPUTS)
    capacity = forms.IntegerField(label=_("Capacity"), initial=100, help_text=_("Number of seats; 0 means no limit."))
    registration_deadline = forms.DateTimeField(
        label=_("Registration deadline"),
        widget=DateTimeInput(),
        input_formats=DATETIME_INPUTS,
        required=False,
        help_text=_("Empty: registration stays open until the session starts."),
    )
    target_units = ShortUnitMultipleChoiceField(
        label=_("Target units"),
        purpose="manage",
        help_text=_("Collaborators of these units and of the units under them are invited."),
    )
    target_positions = forms.MultipleChoiceField(
        label=_("For the positions"),
        choices=Position.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every position."),
    )
    target_roles = forms.MultipleChoiceField(
        label=_("For the roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: collaborators."),
    )

    def __init__(self, *args, actor, instance: TrainingSession | None = None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": instance.title,
                "unit": instance.unit_id,
                "programme": instance.programme,
                "speakers": instance.speakers,
                "venue": instance.venue,
                "online_link": instance.online_link,
                "starts_at": timezone.localtime(instance.starts_at),
                "ends_at": timezone.localtime(instance.ends_at),
                "capacity": instance.capacity,
                "registration_deadline": instance.registration_deadline
                and timezone.localtime(instance.registration_deadline),
                "target_units": list(instance.target_units.values_list("pk", flat=True)),
                "target_positions": instance.target_positions,
                "target_roles": instance.target_roles,
            }
        super().__init__(*args, **kwargs)
        units = units_for(actor, "manage")  # units in force the organiser covers
        self.fields["unit"].queryset = units
        self.fields["target_units"].queryset = units
        if instance is None and actor.unit_id and "unit" not in self.initial:
            self.initial["unit"] = actor.unit_id
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "title",
            "unit",
            "programme",
            "speakers",
            Div(Div("venue", css_class="col-md-6"), Div("online_link", css_class="col-md-6"), css_class="row"),
            Div(
                Div("starts_at", css_class="col-md-4"),
                Div("ends_at", css_class="col-md-4"),
                Div("registration_deadline", css_class="col-md-4"),
                css_class="row",
            ),  # fmt: skip
            Field("capacity", min=0),
            "target_units",
            Div(
                Div("target_positions", css_class="col-md-6"),
                Div("target_roles", css_class="col-md-6"),
                css_class="row",
            ),
            Submit("save", _("Save")),
        )

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if capacity < 0:
            raise forms.ValidationError(_("The capacity cannot be negative."))
        if self.instance is not None and capacity:
            taken = self.instance.registrations.holding_seat().count()
            if capacity < taken:
                raise forms.ValidationError(
                    _("The capacity cannot be lower than the %(count)d people already registered.") % {"count": taken}
                )
        return capacity

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The session must end after it starts."))
        deadline = data.get("registration_deadline")
        if deadline and ends_at and deadline > ends_at:
            self.add_error("registration_deadline", _("The registration deadline must be before the session ends."))
        if not data.get("venue") and not data.get("online_link"):
            self.add_error("venue", _("Give a venue or an online link."))
        return data

    def session_fields(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "title",
                "programme",
                "speakers",
                "venue",
                "online_link",
                "starts_at",
                "ends_at",
                "capacity",
                "registration_deadline",
                "target_positions",
                "target_roles",
            )
        }


class CancelSessionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class AddPersonForm(forms.Form):
    person = forms.CharField(
        label=_("Username or phone"), max_length=150, help_text=_("Username or phone number of someone in your units.")
    )

    def __init__(self, *args, actor, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)

    def clean_person(self):
        value = self.cleaned_data["person"].strip()
        people = User.objects.visible_to(self.actor).filter(is_active=True)
        phone = normalise_phone(value)
        person = people.filter(username=value).first() or (phone and people.filter(phone=phone).first())
        if not person:
            raise forms.ValidationError(_("No active person with this username or phone in your units."))
        return person


class CheckinForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "inputmode": "text",
                "class": "text-uppercase",
            }
        ),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper().replace(" ", "")


RATING_CHOICES = [(i, str(i)) for i in range(1, 6)]


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was the session? (1 = not useful, 5 = very useful)"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    file = uploads.UploadField(label=_("File"), required=False, use=uploads.TRAINING_MATERIAL)
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = uploads.TRAINING_MATERIAL.help_text()

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("url"):
            raise forms.ValidationError(_("Attach a file or give a link."))
        if data.get("file") and data.get("url"):
            raise forms.ValidationError(_("Give either a file or a link, not both."))
        return data


ATTENDANCE_FILTERS = [
    ("", _("Everyone on the list")),
    (RegistrationStatus.REGISTERED, _("Not yet ticked")),
    (RegistrationStatus.ATTENDED, _("Attended")),
    (RegistrationStatus.WAITLISTED, _("On the waitlist")),
    (RegistrationStatus.ABSENT, _("Absent")),
]
