"""The read log's pages: administrators search it; each person sees who read their data."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from collaborators.access import role_required
from collaborators.forms.reads import ReadLogSearchForm
from collaborators.models import Role
from collaborators.selectors import reads as selectors
from core.ids import parse_id


@role_required(Role.ADMIN)
@require_GET
def read_log(request):
    form = ReadLogSearchForm(request.GET or None)
    entries, next_before = [], None
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if form.is_bound else {}
        entries, next_before = selectors.read_log_for_admin(
            viewer=request.user,
            person=data.get("person", ""),
            obj=data.get("obj", ""),
            kind=data.get("kind", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            before=parse_id(request.GET.get("before")),
        )
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "collaborators/read_log.html",
        {"form": form, "entries": entries, "next_before": next_before, "query_string": query.urlencode()},
    )


@login_required
@require_GET
def my_reads(request):
    """Who in the organisation opened my page, my reports and my files."""
    return render(request, "collaborators/my_reads.html", {"entries": selectors.reads_about(person=request.user)})
