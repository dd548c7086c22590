"""Personal-data incidents: administrators record them and watch the 72 hours for telling the authority."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collaborators.access import get_manageable_or_404, get_visible_or_404, role_required
from collaborators.forms.incidents import IncidentForm
from collaborators.models import Incident, Role
from collaborators.services import incidents as services


@role_required(Role.ADMIN)
def incident_list(request):
    form = IncidentForm(request.POST or None, initial={"found_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    if request.method == "POST" and form.is_valid():
        incident = services.incident_record(actor=request.user, **form.cleaned_data)
        messages.success(request, _("The incident has been recorded and the administrators told."))
        return redirect("roster:incident_detail", pk=incident.pk)
    incidents = Incident.objects.visible_to(request.user).select_related("recorded_by")[:200]
    now = timezone.now()
    return render(
        request,
        "collaborators/incident_list.html",
        {"form": form, "rows": [(incident, incident.time_left(now)) for incident in incidents]},
    )


@role_required(Role.ADMIN)
def incident_detail(request, pk):
    incident = get_visible_or_404(Incident, request.user, pk=pk)
    left = incident.time_left()
    seconds = int(left.total_seconds())
    return render(
        request,
        "collaborators/incident_detail.html",
        {
            "incident": incident,
            "overdue": seconds < 0,
            "hours_left": abs(seconds) // 3600,
            "minutes_left": (abs(seconds) % 3600) // 60,
            "history": incident.history.select_related("history_user").order_by("-history_date")[:20],
        },
    )


@role_required(Role.ADMIN)
@require_POST
def incident_told(request, pk):
    incident = get_manageable_or_404(Incident, request.user, pk=pk)
    services.incident_authority_told(actor=request.user, incident=incident)
    messages.success(request, _("Recorded: the authority has been told."))
    return redirect("roster:incident_detail", pk=incident.pk)
