"""The change history of a summary (compiles, edits, approval, issue, corrections): the shared history page."""

from django.shortcuts import render
from django.urls import reverse

from collaborators.access import get_visible_or_404, staff_or_404
from core.history import history_entries
from summaries.models import Summary


@staff_or_404
def summary_history(request, pk):
    summary = get_visible_or_404(Summary.objects.select_related("scope", "period"), request.user, pk=pk)
    return render(
        request,
        "history.html",
        {
            "title": str(summary),
            "back_url": reverse("summaries:detail", args=[summary.pk]),
            "back_label": str(summary),
            "entries": history_entries(summary.history.all(), hidden=("sections",)),
        },
    )
