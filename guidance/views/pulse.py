"""Requests for opinion: staff write, open and follow them (response rate and direction per unit, live);
the collaborators asked see them and answer through the report form. Out of scope is a 404."""

import re
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collaborators.access import (
    STAFF_ROLES,
    Role,
    covers,
    get_manageable_or_404,
    get_visible_or_404,
    is_staff_or_admin,
    role_required,
)
from collaborators.models import Unit
from core.history import history_entries
from core.ids import parse_id
from core.periods import period_month
from guidance.forms import PulseRequestForm
from guidance.models import PulseRecipient, PulseRequest, PulseStatus
from guidance.selectors import pulse as selectors_pulse
from guidance.services import pulse as services_pulse
from reports.models import Direction

# Pages for everyone with a role; a staff or admin account without a unit has no scope: 404.
EVERY_ROLE = (Role.COLLABORATOR, *STAFF_ROLES)
PAGE_SIZE = 30
MONTH = re.compile(r"(20[0-9]{2})-(0[1-9]|1[0-2])")


def _pulse_or_404(request, pk):
    return get_visible_or_404(
        PulseRequest.objects.select_related("author", "author_unit", "topic", "focus_policy"), request.user, pk=pk
    )


@role_required(*EVERY_ROLE)
@require_GET
def pulse_list(request):
    page = Paginator(selectors_pulse.pulse_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "guidance/pulse_list.html",
        {"page": page, "query_string": "", "is_staff": is_staff_or_admin(request.user)},
    )


@role_required(*STAFF_ROLES)
def pulse_new(request):
    form = PulseRequestForm(request.POST or None, author=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            pulse = services_pulse.pulse_create(author=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Request saved. Check who will be asked, then open it."))
            return redirect("guidance:pulse_detail", pk=pulse.pk)
    return render(request, "guidance/pulse_form.html", {"form": form}, status=400 if form.errors else 200)


@role_required(*EVERY_ROLE)
@require_GET
def pulse_detail(request, pk):
    pulse = _pulse_or_404(request, pk)
    manage = is_staff_or_admin(request.user)
    context = {
        "pulse": pulse,
        "manage": manage,
        "can_open": PulseRequest.objects.manageable_by(request.user).filter(pk=pulse.pk).exists(),
        "targets": pulse.target_units.all(),
    }
    if manage:
        if pulse.status == PulseStatus.DRAFT:
            context["preview_count"] = len(services_pulse.choose_recipients(pulse))
        else:
            context["stats"] = selectors_pulse.response_stats(pulse, viewer=request.user)
            context["not_answered"] = selectors_pulse.not_answered(pulse, viewer=request.user)
        context["part_only"] = selectors_pulse.sees_part_only(pulse, request.user)
        context["scope_unit"] = request.user.unit
    else:
        context["mine"] = PulseRecipient.objects.select_related("report").get(pulse=pulse, person=request.user)
    context["accepts"] = pulse.accepts_answers()
    return render(request, "guidance/pulse_detail.html", context)


@require_POST
@role_required(*STAFF_ROLES)
def pulse_open(request, pk):
    # Opening asks (and notifies) the people of every target unit: only for staff who cover them all.
    pulse = get_manageable_or_404(PulseRequest, request.user, pk=pk)
    try:
        pulse = services_pulse.pulse_open(actor=request.user, pulse=pulse)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The request is open: %(n)s collaborators were asked and notified.") % {"n": pulse.recipients.count()},
        )
    return redirect("guidance:pulse_detail", pk=pulse.pk)


@role_required(*STAFF_ROLES)
@require_GET
def pulse_stats(request, pk):
    """The response rate and directions per unit: the partial the detail page polls."""
    pulse = _pulse_or_404(request, pk)
    context = {
        "pulse": pulse,
        "stats": selectors_pulse.response_stats(pulse, viewer=request.user),
        "accepts": pulse.accepts_answers(),
    }
    return render(request, "guidance/_partials/pulse_stats.html", context)


def _month(value):
    """A "YYYY-MM" reporting period from the query string, or None."""
    match = MONTH.fullmatch(value or "")
    return date(int(match[1]), int(match[2]), 1) if match else None


def _answers_in_periods(request):
    """The answers across requests that the quality page's "requests answered" figure links to: of one
    person or unit, in a range of reporting periods, within the viewer's scope."""
    month, month_to = request.GET.get("month"), request.GET.get("month_to")
    first = _month(month) if month else period_month(timezone.localdate())
    last = _month(month_to) if month_to else first
    if first is None or last is None or last < first:
        raise Http404  # not a range of reporting periods: only the quality page's links come here
    exact = parse_id(request.GET.get("exact_unit"))
    unit_id = exact or parse_id(request.GET.get("unit"))
    unit = Unit.objects.filter(pk=unit_id).first() if unit_id else None
    if unit_id and unit is None:
        raise Http404
    person = parse_id(request.GET.get("person"))
    rows = selectors_pulse.answers_in_periods(
        request.user, first=first, last=last, person_id=person, unit=unit, exact=bool(exact)
    )
    return rows, {
        "first": first,
        "last": last,
        "unit_name": unit.name if unit and covers(request.user, [unit]) else "",
        "by_person": person is not None,
    }


@role_required(*STAFF_ROLES)
@require_GET
def pulse_answers(request, pk=None):
    """The answers (reports) of a request, optionally of one unit and one direction: where the numbers link.

    Without a request (``requests/answers/``): the answers across requests of one person or unit in a range
    of reporting periods (``person``, ``unit`` or ``exact_unit``, ``month``, ``month_to``), where the
    quality page's "requests answered" links."""
    direction = request.GET.get("direction", "")
    if pk is None:
        pulse = None
        rows, context = _answers_in_periods(request)
    else:
        pulse = _pulse_or_404(request, pk)
        unit = parse_id(request.GET.get("unit"))
        rows = selectors_pulse.answers(pulse, unit_id=unit, direction=direction, viewer=request.user)
        context = {}
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    if pulse is not None:
        context["unit_name"] = page.object_list[0].unit.name if request.GET.get("unit") and page.object_list else ""
    return render(
        request,
        "guidance/pulse_answers.html",
        {
            "pulse": pulse,
            "page": page,
            "query_string": params.urlencode(),
            "direction_label": dict(Direction.choices).get(direction, "") if pulse else "",
            **context,
        },
    )


@role_required(*STAFF_ROLES)
def pulse_edit(request, pk):
    """Change a draft request (the staff who may open it); an opened request can no longer change."""
    pulse = get_manageable_or_404(PulseRequest, request.user, pk=pk)
    if pulse.status != PulseStatus.DRAFT:
        messages.error(request, _("This request has been opened: it can no longer be changed."))
        return redirect("guidance:pulse_detail", pk=pulse.pk)
    initial = {
        "question": pulse.question,
        "details": pulse.details,
        "focus_policy": pulse.focus_policy,
        "topic": pulse.topic,
        "target_units": list(pulse.target_units.all()),
        "mode": pulse.mode,
        "per_unit": pulse.per_unit,
        "deadline": pulse.deadline,
    }
    form = PulseRequestForm(request.POST or None, author=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services_pulse.pulse_update(actor=request.user, pulse=pulse, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The draft has been saved."))
            return redirect("guidance:pulse_detail", pk=pulse.pk)
    return render(
        request, "guidance/pulse_form.html", {"form": form, "pulse": pulse}, status=400 if form.errors else 200
    )


@require_POST
@role_required(*STAFF_ROLES)
def pulse_cancel(request, pk):
    """Cancel a draft or an open request; the people already asked are told."""
    pulse = get_manageable_or_404(PulseRequest, request.user, pk=pk)
    try:
        services_pulse.pulse_cancel(actor=request.user, pulse=pulse, reason=request.POST.get("reason", "")[:500])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The request has been cancelled."))
    return redirect("guidance:pulse_detail", pk=pulse.pk)


@role_required(*STAFF_ROLES)
@require_GET
def pulse_history(request, pk):
    """Every change to a request for opinion (draft edits, opening, closing, cancelling)."""
    pulse = get_manageable_or_404(PulseRequest, request.user, pk=pk)
    return render(
        request,
        "history.html",
        {
            "title": pulse.question,
            "back_url": reverse("guidance:pulse_detail", args=[pulse.pk]),
            "back_label": pulse.question,
            "entries": history_entries(pulse.history.all()),
        },
    )
