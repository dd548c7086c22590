"""Training pages: parse the input, call one service or selector, render."""

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from collaborators.access import STAFF_ROLES, get_visible_or_404, is_admin, role_required
from collaborators.models import Role
from core.downloads import file_download_response
from core.history import history_entries
from core.text import fold
from privacy.models import ReadKind
from privacy.services import read_record
from trainings import selectors, services
from trainings.calendar import calendar_bytes
from trainings.forms import (
    ATTENDANCE_FILTERS,
    AddPersonForm,
    CancelSessionForm,
    CheckinForm,
    FeedbackForm,
    MaterialForm,
    SessionForm,
)
from trainings.models import (
    CalendarFeedToken,
    Material,
    Registration,
    RegistrationStatus,
    SessionStatus,
    TrainingSession,
)


def _error(request, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)


def _form_error(form, exc: ValidationError):
    for message in exc.messages:
        form.add_error(None, message)


def _visible(request, pk) -> TrainingSession:
    return get_visible_or_404(TrainingSession, request.user, pk=pk)


def _managed(request, pk) -> TrainingSession:
    """A session the admin manages: out of sight is 404, in sight but not theirs is 403."""
    session = _visible(request, pk)
    if not selectors.can_manage(request.user, session):
        raise Http404
    return session


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- lists -------------------------------------------------------------------------------------


@role_required(Role.COLLABORATOR, *STAFF_ROLES)  # staff without a unit have no scope: 404
def session_list(request):
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    page = Paginator(selectors.sessions_list(request.user, when=when), 25).get_page(request.GET.get("page"))
    labels = dict(RegistrationStatus.choices)
    for session in page.object_list:
        session.my_status_label = labels.get(session.my_status, "")
    return render(
        request,
        "trainings/session_list.html",
        {
            "page": page,
            "when": when,
            "query_string": "when=past" if when == "past" else "",
            "can_create": is_admin(request.user),
        },
    )


@role_required(Role.COLLABORATOR, *STAFF_ROLES)  # staff without a unit have no scope: 404
def session_month(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        month = int(request.GET.get("month", today.month))
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise ValueError
    except ValueError:
        year, month = today.year, today.month
    context = selectors.month_grid(request.user, year=year, month=month)
    context["can_create"] = is_admin(request.user)
    context["weekdays"] = [WEEKDAYS_ABBR[i] for i in range(7)]
    return render(request, "trainings/session_month.html", context)


# --- sessions ----------------------------------------------------------------------------------


@role_required(Role.ADMIN)
def session_create(request):
    form = SessionForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(
                actor=request.user,
                unit=form.cleaned_data["unit"],
                target_units=form.cleaned_data["target_units"],
                **form.session_fields(),
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The session has been saved as a draft. Publish it to invite people."))
            return redirect("trainings:detail", pk=session.pk)
    return render(request, "trainings/session_form.html", {"form": form, "session": None})


@role_required(Role.ADMIN)
def session_edit(request, pk):
    session = _managed(request, pk)
    form = SessionForm(request.POST or None, actor=request.user, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(
                actor=request.user,
                session=session,
                target_units=form.cleaned_data["target_units"],
                **form.session_fields(),
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The session has been updated."))
            return redirect("trainings:detail", pk=session.pk)
    return render(request, "trainings/session_form.html", {"form": form, "session": session})


@login_required
def session_detail(request, pk):
    session = _visible(request, pk)
    context = selectors.session_page(session=session, viewer=request.user)
    context["feedback_form"] = FeedbackForm() if context["can_give_feedback"] else None
    context["cancel_form"] = CancelSessionForm() if context["can_manage"] else None
    context["material_form"] = MaterialForm() if context["can_manage"] else None
    context["reason"] = (
        services.ineligibility_reason(session, request.user)
        if context["can_register"] and not is_admin(request.user)
        else None
    )
    return render(request, "trainings/session_detail.html", context)


@require_POST
@role_required(Role.ADMIN)
def session_publish(request, pk):
    session = _managed(request, pk)
    try:
        invited = services.session_publish(actor=request.user, session=session)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(
            request, _("The session is published; %(count)d people have been invited.") % {"count": invited}
        )
    return redirect("trainings:detail", pk=session.pk)


@require_POST
@role_required(Role.ADMIN)
def session_cancel(request, pk):
    session = _managed(request, pk)
    form = CancelSessionForm(request.POST)
    form.is_valid()
    try:
        told = services.session_cancel(actor=request.user, session=session, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The session is cancelled; %(count)d people have been told.") % {"count": told})
    return redirect("trainings:detail", pk=session.pk)


# --- registration ------------------------------------------------------------------------------


@require_POST
@login_required
def register(request, pk):
    session = _visible(request, pk)
    try:
        registration = services.registration_register(session=session, person=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        if registration.status == RegistrationStatus.WAITLISTED:
            messages.warning(
                request, _("The session is full: you are on the waitlist and will be told if a seat frees up.")
            )
        else:
            messages.success(request, _("You are registered. See you there!"))
    return redirect("trainings:detail", pk=session.pk)


@require_POST
@login_required
def unregister(request, pk):
    session = _visible(request, pk)
    registration = get_object_or_404(Registration, session=session, person=request.user)
    try:
        services.registration_cancel(registration=registration, actor=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Your registration has been cancelled."))
    return redirect("trainings:detail", pk=session.pk)


# --- attendance --------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def attendance(request, pk):
    session = _visible(request, pk)
    manage = selectors.can_manage(request.user, session)
    form = AddPersonForm(request.POST or None, actor=request.user) if manage else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                registration = services.registration_register(
                    session=session, person=form.cleaned_data["person"], actor=request.user
                )
            except ValidationError as exc:
                _form_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s has been added (%(status)s).")
                    % {"name": registration.person.get_full_name(), "status": registration.get_status_display()},
                )
                return redirect("trainings:attendance", pk=session.pk)
    rows = selectors.attendance_rows(session=session, viewer=request.user)
    status = request.GET.get("status", "")
    if status in dict(ATTENDANCE_FILTERS) and status:
        rows = rows.filter(status=status)
    return render(
        request,
        "trainings/attendance.html",
        {
            "session": session,
            "rows": rows,
            "form": form,
            "can_manage": manage,
            "filters": ATTENDANCE_FILTERS,
            "status": status,
            "can_mark": session.status in (SessionStatus.PUBLISHED, SessionStatus.COMPLETED)
            and services.attendance_open(session),
            "attendance_opens": timezone.localdate(session.starts_at),
        },
    )


@require_POST
@role_required(*STAFF_ROLES)
def attendance_mark(request, pk, registration_id):
    session = _visible(request, pk)
    registration = get_object_or_404(
        selectors.attendance_rows(session=session, viewer=request.user), pk=registration_id
    )
    attended = request.POST.get("attended") == "1"
    error = None
    try:
        registration = services.attendance_mark(registration=registration, attended=attended, actor=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if _is_htmx(request):
        registration = selectors.attendance_rows(session=session, viewer=request.user).get(pk=registration.pk)
        return render(
            request,
            "trainings/_partials/attendance_row.html",
            {
                "row": registration,
                "session": session,
                "error": error,
                "can_manage": selectors.can_manage(request.user, session),
                "can_mark": True,
            },
        )
    if error:
        messages.error(request, error)
    return redirect("trainings:attendance", pk=session.pk)


@require_POST
@role_required(Role.ADMIN)
def registration_remove(request, pk, registration_id):
    session = _managed(request, pk)
    registration = get_object_or_404(
        selectors.attendance_rows(session=session, viewer=request.user), pk=registration_id
    )
    try:
        services.registration_cancel(registration=registration, actor=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(
            request, _("%(name)s has been taken off the list.") % {"name": registration.person.get_full_name()}
        )
    return redirect("trainings:attendance", pk=session.pk)


@role_required(*STAFF_ROLES)
def attendance_sheet(request, pk):
    session = _visible(request, pk)
    rows = selectors.attendance_rows(session=session, viewer=request.user).exclude(status=RegistrationStatus.WAITLISTED)
    # A printable list of people with their phones: recorded like an export.
    label = _("%(title)s: attendance sheet") % {"title": session.title}
    read_record(request=request, kind=ReadKind.EXPORT, obj=session, label=label)
    return render(request, "trainings/attendance_sheet.html", {"session": session, "rows": rows})


# --- check-in ----------------------------------------------------------------------------------


@never_cache
@login_required
def checkin(request, pk):
    session = _visible(request, pk)
    form = CheckinForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.checkin_with_code(session=session, person=request.user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("You are checked in. Welcome!"))
            return redirect("trainings:detail", pk=session.pk)
    return render(request, "trainings/checkin.html", {"session": session, "form": form})


def _checkin_url(request, session) -> str:
    return request.build_absolute_uri(reverse("trainings:checkin", args=[session.pk])) + f"?code={session.checkin_code}"


@never_cache
@role_required(*STAFF_ROLES)
def checkin_display(request, pk):
    session = _visible(request, pk)
    if request.method == "POST":
        if not selectors.can_manage(request.user, session):
            raise Http404
        services.session_new_checkin_code(actor=request.user, session=session)
        messages.success(request, _("A new check-in code has been made; the old one no longer works."))
        return redirect("trainings:checkin_display", pk=session.pk)
    return render(
        request,
        "trainings/checkin_display.html",
        {
            "session": session,
            "checkin_url": _checkin_url(request, session),
            "can_manage": selectors.can_manage(request.user, session),
        },
    )


@never_cache
@role_required(*STAFF_ROLES)
def checkin_qr(request, pk):
    session = _visible(request, pk)
    buffer = io.BytesIO()
    segno.make(_checkin_url(request, session), error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=True)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


# --- materials and feedback --------------------------------------------------------------------


@require_POST
@role_required(Role.ADMIN)
def material_add(request, pk):
    session = _managed(request, pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.material_add(actor=request.user, session=session, **form.cleaned_data)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The material has been added."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(reverse("trainings:detail", args=[session.pk]) + "#materials")


@require_POST
@role_required(Role.ADMIN)
def material_delete(request, pk, material_id):
    session = _managed(request, pk)
    material = get_object_or_404(Material, session=session, pk=material_id)
    services.material_delete(actor=request.user, material=material)
    messages.success(request, _("The material has been removed."))
    return redirect(reverse("trainings:detail", args=[session.pk]) + "#materials")


@login_required
def material_download(request, pk, material_id):
    session = _visible(request, pk)
    if not selectors.session_page(session=session, viewer=request.user)["show_materials"]:
        raise Http404
    material = get_object_or_404(Material, session=session, pk=material_id)
    if material.url and not material.file:
        return HttpResponseRedirect(material.url)
    read_record(request=request, kind=ReadKind.EXPORT, obj=material, label=material.title)
    # Materials stored before names were kept as data have none: the title stands in.
    return file_download_response(material.file, material.original_name or material.title, material.content_type)


@require_POST
@login_required
def feedback(request, pk):
    session = _visible(request, pk)
    registration = get_object_or_404(Registration, session=session, person=request.user)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("trainings:detail", pk=session.pk)
    try:
        services.feedback_submit(registration=registration, **form.cleaned_data)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Thank you for your feedback."))
    return redirect("trainings:detail", pk=session.pk)


@role_required(*STAFF_ROLES)
def results(request, pk):
    session = _visible(request, pk)
    return render(
        request,
        "trainings/results.html",
        {"session": session, **selectors.feedback_summary(session=session, viewer=request.user)},
    )


# --- calendars ---------------------------------------------------------------------------------


def _ics_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def session_ics(request, pk):
    session = _visible(request, pk)
    name = session.title
    filename = f"{slugify(fold(session.title))[:60] or 'training'}-{session.pk}.ics"
    return _ics_response(calendar_bytes([session], name=name, site_url=request.build_absolute_uri("/")), filename)


def feed(request, token):
    """A person's own sessions; the secret token in the URL stands in for a login (calendar apps)."""
    feed_token = CalendarFeedToken.objects.select_related("user").filter(token=token).first()
    if feed_token is None or not feed_token.user.is_active:
        raise Http404
    sessions = selectors.feed_sessions(feed_token.user)
    data = calendar_bytes(sessions, name=_("My trainings"), site_url=request.build_absolute_uri("/"))
    return _ics_response(data, "trainings.ics")


@never_cache
@login_required
def feed_page(request):
    if request.method == "POST":
        token = services.feed_token_reset(user=request.user)
        messages.success(request, _("A new link has been made; the old one no longer works."))
        return redirect("trainings:feed_page")
    token = services.feed_token_for(user=request.user)
    url = request.build_absolute_uri(reverse("trainings:feed", args=[token.token]))
    return render(request, "trainings/feed.html", {"feed_url": url})


# --- certificate -------------------------------------------------------------------------------


@login_required
def certificate(request, pk, person_id=None):
    session = _visible(request, pk)
    registrations = Registration.objects.visible_to(request.user).select_related("person", "person__unit")
    registration = get_object_or_404(
        registrations, session=session, person_id=person_id or request.user.pk, status=RegistrationStatus.ATTENDED
    )
    read_record(
        request=request, kind=ReadKind.EXPORT, obj=registration, subject=registration.person_id,
        label=f"{session.title}: {registration.person.full_name}",
    )  # fmt: skip
    return render(request, "trainings/certificate.html", {"session": session, "registration": registration})


def _registration_label(record) -> str:
    if not hasattr(record, "person_id"):
        return ""  # a record of the session itself
    try:
        return record.person.get_full_name()
    except ObjectDoesNotExist:
        return ""


@role_required(Role.ADMIN)
def session_history(request, pk):
    """Every change to a session and to its registrations and attendance, for the admins who manage it."""
    session = _managed(request, pk)
    registrations = Registration.history.filter(session_id=session.pk).select_related("person")
    return render(
        request,
        "history.html",
        {
            "title": session.title,
            "back_url": reverse("trainings:detail", args=[session.pk]),
            "back_label": session.title,
            "entries": history_entries(
                session.history.all(),
                registrations,
                label=_registration_label,
            ),
        },
    )
