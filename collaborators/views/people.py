"""The roster's people pages: list, person, create/edit, status, decisions, invitations, personal data."""

import json

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from collaborators import selectors
from collaborators.access import STAFF_ROLES, get_visible_or_404, is_admin, is_staff_or_admin, role_required
from collaborators.filters import PeopleFilter
from collaborators.forms import (
    ActivationCodeForm,
    ActivationForm,
    AnonymiseForm,
    DecisionForm,
    InvitationForm,
    PersonForm,
    StatusChangeForm,
)
from collaborators.models import InvitationChannel, RecognitionDecision, Role, User
from collaborators.services import people as services
from core import fragments
from core.links import pk_url
from core.pagination import CountedPaginator
from privacy.models import ReadKind
from privacy.services import read_record


def _form_error(form, exc: ValidationError):
    for message in exc.messages:
        form.add_error(None, message)


@role_required(*STAFF_ROLES)
def person_list(request):
    people = PeopleFilter(request.GET or None, queryset=selectors.people_visible_to(request.user), user=request.user)
    page = CountedPaginator(people.qs, 50).get_page(request.GET.get("page"))  # counts at most 1,001
    query = request.GET.copy()
    query.pop("page", None)
    user = request.user

    def render_rows():
        detail_url = pk_url("roster:person_detail")
        for person in page:
            person.detail_url = detail_url(person.pk)
        return render_to_string("collaborators/_partials/person_rows.html", {"page": page})

    # The rows kept as HTML until the next write of a person, a unit or a report (their last report), or
    # the next day (the "reported this period" filter).
    rows = fragments.rows_html(
        name="roster-rows",
        scope=(user.pk,),
        data=query,
        page=page.number,
        moment=timezone.localdate().isoformat(),
        render=render_rows,
    )
    # The fields (the unit picker, the choice lists) kept as HTML until a unit is written: most of the
    # list's rendering otherwise.
    filter_fields = fragments.filter_fields_html(
        name="roster-filters",
        scope=(user.role, user.unit_id, user.is_superuser),
        data=request.GET,  # the page number too: a bound form and an unbound one are kept apart
        render=lambda: render_to_string("collaborators/_partials/person_filter_fields.html", {"filter": people}),
    )
    return render(
        request,
        "collaborators/person_list.html",
        {
            "filter": people,
            "filter_fields": mark_safe(filter_fields),  # noqa: S308 - the form's own rendered (escaped) fields
            "page": page,
            "rows_html": mark_safe(rows),  # noqa: S308 - the rows' own rendered (escaped) HTML
            "query_string": query.urlencode(),
            "can_manage": is_admin(user),
        },
    )


@login_required
def person_detail(request, pk):
    person = get_visible_or_404(selectors.people_visible_to(request.user), request.user, pk=pk)
    read_record(request=request, kind=ReadKind.PERSON, obj=person, subject=person.pk, label=person.full_name)
    context = selectors.person_page(person=person, viewer=request.user)
    context["status_form"] = (
        StatusChangeForm(current_status=context["profile"].status) if context["can_manage"] else None
    )
    return render(request, "collaborators/person_detail.html", context)


@role_required(Role.ADMIN)
def person_create(request):
    form = PersonForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=request.user, **form.account_data(), profile=form.profile_data())
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("%(name)s has been added to the roster.") % {"name": person.full_name})
            return redirect("roster:person_detail", pk=person.pk)
    return render(request, "collaborators/person_form.html", {"form": form, "person": None})


@role_required(Role.ADMIN)
def person_edit(request, pk):
    person = get_visible_or_404(User.objects.select_related("unit", "profile"), request.user, pk=pk)
    form = PersonForm(request.POST or None, actor=request.user, person=person, initial=PersonForm.initial_for(person))
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                actor=request.user, user=person, fields=form.account_data(), profile_fields=form.profile_data()
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("roster:person_detail", pk=person.pk)
    return render(request, "collaborators/person_form.html", {"form": form, "person": person})


@role_required(Role.ADMIN)
@require_POST
def person_status(request, pk):
    person = get_visible_or_404(User.objects.select_related("profile"), request.user, pk=pk)
    profile = services.profile_of(person)
    form = StatusChangeForm(request.POST, current_status=profile.status)
    if form.is_valid():
        try:
            services.person_change_status(
                actor=request.user,
                user=person,
                to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"],
                effective_date=form.cleaned_data["effective_date"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The status has been changed."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("roster:person_detail", pk=person.pk)


@role_required(Role.ADMIN)
@never_cache
def person_invite(request, pk):
    person = get_visible_or_404(User.objects.select_related("unit"), request.user, pk=pk)
    form = InvitationForm(
        request.POST or None,
        initial={"channel": InvitationChannel.EMAIL if person.email else InvitationChannel.CODE},
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation, secret = services.invitation_create(
                actor=request.user, user=person, channel=form.cleaned_data["channel"]
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            if invitation.channel == InvitationChannel.CODE:
                # Shown once, never stored in clear: print it now.
                return render(
                    request,
                    "collaborators/invitation_code.html",
                    {"person": person, "invitation": invitation, "code": secret},
                )
            messages.success(request, _("An activation link has been sent to %(email)s.") % {"email": person.email})
            return redirect("roster:person_detail", pk=person.pk)
    return render(request, "collaborators/person_invite.html", {"form": form, "person": person})


@role_required(Role.ADMIN)
def person_anonymise(request, pk):
    person = get_visible_or_404(User.objects.select_related("profile", "unit"), request.user, pk=pk)
    form = AnonymiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_anonymise(actor=request.user, user=person)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The person's personal data has been erased."))
            return redirect("roster:person_detail", pk=person.pk)
    return render(request, "collaborators/person_anonymise.html", {"form": form, "person": person})


@role_required(Role.ADMIN)
def person_history(request, pk):
    person = get_visible_or_404(User.objects.all(), request.user, pk=pk)
    return render(
        request,
        "collaborators/person_history.html",
        {"person": person, "entries": selectors.person_history(person=person)},
    )


@login_required
def my_data(request):
    """Everything the roster holds about the person asking, as a JSON download."""
    data = selectors.personal_data_export(user=request.user)
    read_record(request=request, kind=ReadKind.OWN_DATA, subject=request.user.pk, label="data.json")
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="du-lieu-ca-nhan-{timezone.localdate():%Y%m%d}.json"'
    return response


@login_required
def my_data_page(request):
    """The same data as the download, as a page that prints well."""
    read_record(request=request, kind=ReadKind.OWN_DATA, subject=request.user.pk, label=_("page"))
    return render(request, "collaborators/my_data.html", selectors.personal_data_page(user=request.user))


@login_required
@require_POST
def consent_withdraw(request):
    services.consent_withdraw(user=request.user)
    messages.info(request, _("You have withdrawn your consent. Your union's staff have been informed on the roster."))
    return redirect("roster:person_detail", pk=request.user.pk)


@role_required(*STAFF_ROLES)
def decision_list(request):
    decisions = (
        RecognitionDecision.objects.visible_to(request.user)
        .select_related("unit")
        .prefetch_related("people")
        .order_by("-issued_on", "-pk")
    )
    page = Paginator(decisions, 30).get_page(request.GET.get("page"))
    return render(request, "collaborators/decision_list.html", {"page": page, "can_manage": is_admin(request.user)})


@role_required(Role.ADMIN)
def decision_create(request):
    form = DecisionForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The decision has been recorded. Apply it to update the people's status."))
            return redirect("roster:decision_detail", pk=decision.pk)
    return render(request, "collaborators/decision_form.html", {"form": form})


@login_required
def decision_detail(request, pk):
    decision = get_visible_or_404(RecognitionDecision.objects.select_related("unit", "created_by"), request.user, pk=pk)
    if not is_staff_or_admin(request.user):
        raise Http404
    people = decision.people.select_related("unit", "profile").order_by("full_name")
    return render(
        request,
        "collaborators/decision_detail.html",
        {"decision": decision, "people": people, "can_manage": is_admin(request.user)},
    )


@role_required(Role.ADMIN)
@require_POST
def decision_apply(request, pk):
    decision = get_visible_or_404(RecognitionDecision.objects.all(), request.user, pk=pk)
    changed = services.decision_apply(actor=request.user, decision=decision)
    messages.success(request, _("Decision applied: %(count)d people changed status.") % {"count": changed})
    return redirect("roster:decision_detail", pk=decision.pk)


def _activate(request, invitation, template, extra=None):
    form = ActivationForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                password=form.cleaned_data["new_password1"],
                consent_version=settings.PERSONAL_DATA_CONSENT_VERSION,
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is active. Welcome to the network!"))
            return redirect("home")
    context = {"form": form, "person": invitation.user, "consent_version": settings.PERSONAL_DATA_CONSENT_VERSION}
    return render(request, template, {**context, **(extra or {})})


@never_cache
def activate_link(request, token):
    invitation = services.invitation_from_token(token)
    if invitation is None:
        return render(request, "registration/activation_invalid.html", status=400)
    return _activate(request, invitation, "registration/activation.html")


@never_cache
def activate_code(request):
    """Activation with the printed code: first the code, then the password (the code travels in the session)."""
    invitation_id = request.session.get("activation_invitation")
    if invitation_id:
        invitation = selectors.open_invitation(pk=invitation_id)
        if invitation is not None:
            return _activate(request, invitation, "registration/activation.html", {"by_code": True})
        request.session.pop("activation_invitation", None)
    form = ActivationCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_from_code(
                username=form.cleaned_data["username"],
                code=form.cleaned_data["code"],
                address=get_client_ip_address(request),
            )
        except services.ActivationLimited as exc:
            _form_error(form, exc)
            status = 429
        else:
            if invitation is None:
                form.add_error(None, _("The username or the code is wrong, or the code has expired."))
            else:
                request.session["activation_invitation"] = invitation.pk
                return redirect(reverse("activate_code"))
    return render(request, "registration/activation_code.html", {"form": form}, status=status)
