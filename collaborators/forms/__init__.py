from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collaborators.filters import ShortUnitChoiceField, units_for
from collaborators.models import (
    STATUS_TRANSITIONS,
    CollaboratorStatus,
    DecisionKind,
    Gender,
    InvitationChannel,
    Position,
    Role,
    User,
)
from core.forms import DateInput, ModelMultipleIdsField, PhoneField
from core.text import clean_name, fold


class LoginForm(AuthenticationForm):
    """Django's login form, with labels and autocomplete hints for phones."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password. Note that the password is case-sensitive."),
        "inactive": _("This account has not been activated yet. Ask your union's staff for an invitation."),
    }

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


FULL_NAME_MAX = User._meta.get_field("full_name").max_length


class PersonForm(forms.Form):
    """A person's account and profile, as admins edit them in the roster."""

    # The limit applies to the name as stored (composed, single-spaced): a name typed with
    # decomposed accents or extra spaces is longer on the wire than in the roster.
    full_name = forms.CharField(label=_("Full name"), max_length=4 * FULL_NAME_MAX)
    unit = ShortUnitChoiceField(label=_("Unit"), purpose="in-force")
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.COLLABORATOR)
    phone = PhoneField(label=_("Phone"), required=False, max_length=20)
    email = forms.EmailField(label=_("E-mail"), required=False)
    position = forms.ChoiceField(label=_("Position"), choices=Position.choices, initial=Position.OPINION_TEAM)
    workplace = forms.CharField(label=_("Workplace"), max_length=255, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "---------"), *Gender.choices], required=False)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1940, max_value=2012)
    topics_covered = forms.CharField(label=_("Topics covered"), max_length=255, required=False)
    term_end = forms.DateField(label=_("Term ends"), required=False, widget=DateInput())

    ACCOUNT_FIELDS = ["full_name", "unit", "role", "phone", "email"]
    PROFILE_FIELDS = ["position", "workplace", "gender", "birth_year", "topics_covered", "term_end"]

    def __init__(self, *args, actor, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.actor = actor
        self.fields["unit"].queryset = units_for(actor, "in-force")
        self.fields["birth_year"].max_value = timezone.localdate().year - 15

    def clean_full_name(self):
        # Any real name: one word, apostrophes, brackets, hyphens; only composed and single-spaced.
        name = clean_name(self.cleaned_data["full_name"])
        if not name:
            raise forms.ValidationError(_("Enter the person's full name."))
        if len(name) > FULL_NAME_MAX:
            raise forms.ValidationError(
                _("The full name can have at most %(max)s characters (this one has %(length)s).")
                % {"max": FULL_NAME_MAX, "length": len(name)}
            )
        return name

    def _others(self, **lookup):
        """Other people holding this value: (any at all, any within the actor's scope)."""
        others = User.objects.filter(**lookup)
        if self.person is not None:
            others = others.exclude(pk=self.person.pk)
        if not others.exists():
            return False, False
        return True, others.filter(pk__in=User.objects.visible_to(self.actor).values("pk")).exists()

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if phone:
            taken, in_scope = self._others(phone=phone)
            if in_scope:
                raise forms.ValidationError(_("Another person in the roster already has this phone number."))
            if taken:
                # Held by someone the actor cannot see: refused without saying that anybody has it.
                raise forms.ValidationError(
                    _("This phone number cannot be used. If it is correct, ask the federation's administrator.")
                )
        return phone

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if email:
            taken, in_scope = self._others(email__iexact=email)
            if in_scope:
                raise forms.ValidationError(_("Another person in the roster already has this e-mail address."))
            if taken:
                raise forms.ValidationError(
                    _("This e-mail address cannot be used. If it is correct, ask the federation's administrator.")
                )
        return email

    def account_data(self):
        return {name: self.cleaned_data[name] for name in self.ACCOUNT_FIELDS}

    def profile_data(self):
        return {name: self.cleaned_data[name] for name in self.PROFILE_FIELDS}

    @classmethod
    def initial_for(cls, person):
        profile = getattr(person, "profile", None)
        data = {name: getattr(person, name) for name in cls.ACCOUNT_FIELDS}
        if profile is not None:
            data.update({name: getattr(profile, name) for name in cls.PROFILE_FIELDS})
        return data


class StatusChangeForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=CollaboratorStatus.choices)
    effective_date = forms.DateField(label=_("Effective date"), initial=timezone.localdate, widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, current_status, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = STATUS_TRANSITIONS.get(current_status, set())
        self.fields["to_status"].choices = [(v, label) for v, label in CollaboratorStatus.choices if v in allowed]


class DecisionForm(forms.Form):
    unit = ShortUnitChoiceField(label=_("Issuing unit"), purpose="in-force")
    number = forms.CharField(label=_("Number"), max_length=64, help_text=_("e.g. 125/QĐ-LĐLĐ"))
    issued_on = forms.DateField(label=_("Date"), widget=DateInput())
    signer = forms.CharField(label=_("Signed by"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=DecisionKind.choices)
    term_end = forms.DateField(label=_("Term ends"), required=False, widget=DateInput())
    people = ModelMultipleIdsField(
        label=_("People covered"), queryset=User.objects.none(), widget=forms.SelectMultiple(attrs={"size": 12})
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(actor, "in-force")
        self.fields["people"].queryset = (
            User.objects.visible_to(actor).filter(role=Role.COLLABORATOR).select_related("unit").order_by("full_name")
        )
        self.fields["people"].label_from_instance = lambda u: f"{u.full_name} — {u.unit.name if u.unit else ''}"

    def clean(self):
        data = super().clean()
        if data.get("term_end") and data.get("issued_on") and data["term_end"] <= data["issued_on"]:
            self.add_error("term_end", _("The term must end after the decision's date."))
        return data


class InvitationForm(forms.Form):
    channel = forms.ChoiceField(label=_("How to send it"), choices=InvitationChannel.choices, widget=forms.RadioSelect)


class ActivationForm(SetPasswordForm):
    """Choose a password and accept the personal-data notice."""

    consent = forms.BooleanField(
        label=_("I have read the notice above and agree to the processing of my personal data for the network's work."),
        required=True,
    )


class ActivationCodeForm(forms.Form):
    username = forms.CharField(
        label=_("Username or phone number"), max_length=150, widget=forms.TextInput(attrs={"autocapitalize": "none"})
    )
    code = forms.CharField(
        label=_("Activation code"), max_length=12, widget=forms.TextInput(attrs={"autocapitalize": "characters"})
    )


class AnonymiseForm(forms.Form):
    understood = forms.BooleanField(
        label=_("I understand that the person's name, phone, e-mail and other personal data will be erased for good."),
        required=True,
    )
    confirm_text = forms.CharField(label=_("Type the word XOA to confirm"), max_length=10)

    def clean_confirm_text(self):
        value = self.cleaned_data["confirm_text"].strip().upper()
        if fold(value) != "xoa":
            raise forms.ValidationError(_("Type XOA (or XÓA) exactly to confirm."))
        return value
