"""Retention: what the daily job would anonymise or delete (a dry run), the administrator's confirmation
that lets it start, and the record of every run (counts only). City-wide administrators only: the rules
touch the whole organisation."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collaborators.access import home_unit, is_admin, role_required
from collaborators.models import Role
from core.tasks import enqueue_on_commit
from privacy.models import RetentionKind, RetentionRun
from privacy.services import retention_confirm, retention_confirmed, retention_cutoffs, retention_days, retention_run
from privacy.tasks import apply_retention


def _city_admin_or_404(user):
    unit = home_unit(user)
    if not is_admin(user) or unit is None or (unit.depth != 1 and not user.is_superuser):
        raise Http404


@role_required(Role.ADMIN)
def retention(request):
    _city_admin_or_404(request.user)
    days = retention_days()
    cutoffs = retention_cutoffs(days=days)
    confirmed = retention_confirmed(days)
    runs = list(RetentionRun.objects.select_related("started_by", "confirmed_by")[:30])
    latest_dry = next((run for run in runs if run.dry_run and run.days == days), None)
    kinds = [(kind, label, days.get(kind, 0), cutoffs.get(kind)) for kind, label in RetentionKind.choices]
    return render(
        request,
        "collaborators/retention.html",
        {
            "kinds": kinds,
            "runs": [
                (run, [(label, run.counts.get(kind, 0)) for kind, label in RetentionKind.choices]) for run in runs
            ],
            "confirmed": confirmed,
            "latest_dry": latest_dry,
            "latest_counts": [(label, latest_dry.counts.get(kind, 0)) for kind, label in RetentionKind.choices]
            if latest_dry
            else [],
        },
    )


@role_required(Role.ADMIN)
@require_POST
def retention_dry_run(request):
    _city_admin_or_404(request.user)
    retention_run(apply=False, started_by=request.user)
    messages.info(request, _("Dry run done: nothing was changed. Check the list below."))
    return redirect("roster:retention")


@role_required(Role.ADMIN)
@require_POST
def retention_confirm_run(request, pk):
    _city_admin_or_404(request.user)
    run = get_object_or_404(RetentionRun, pk=pk, dry_run=True)
    if run.days != retention_days():
        messages.error(request, _("The retention settings changed since this dry run: run a new one."))
        return redirect("roster:retention")
    retention_confirm(run=run, by=request.user)
    messages.success(request, _("Confirmed: the daily job now anonymises or deletes what has expired."))
    return redirect("roster:retention")


@role_required(Role.ADMIN)
@require_POST
def retention_run_now(request):
    _city_admin_or_404(request.user)
    if retention_confirmed() is None:
        messages.error(request, _("Run a dry run and confirm it first."))
        return redirect("roster:retention")
    enqueue_on_commit(apply_retention, request.user.pk)
    messages.success(request, _("The retention run has been started; its counts appear below when it ends."))
    return redirect("roster:retention")
