"""Summaries pages: list and compile now, a summary with its progress, edit, approve, issue, correct, files."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collaborators.access import get_visible_or_404, home_unit, staff_or_404
from core import uploads
from core.downloads import file_download_response
from privacy.models import ReadKind
from privacy.services import read_record
from summaries import selectors
from summaries.documents.content import tables
from summaries.forms.summaries import CompileForm, SummaryEditForm
from summaries.models import PeriodKind, ReportingPeriod, Summary, SummaryStatus, numbered_sections, partial_until
from summaries.services import summaries as services
from summaries.tasks import compile_after_commit


def _error(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@staff_or_404
def summary_list(request):
    summaries = selectors.summaries_visible_to(request.user)
    kind = request.GET.get("kind")
    if kind in PeriodKind.values:
        summaries = summaries.filter(kind=kind)
    page = Paginator(summaries, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "summaries/summary_list.html",
        {"page": page, "form": CompileForm(user=request.user), "kind": kind, "kinds": PeriodKind.choices[:2]},
    )


@staff_or_404
@require_POST
def summary_compile_new(request):
    form = CompileForm(request.POST, user=request.user)
    if not form.is_valid():
        page = Paginator(selectors.summaries_visible_to(request.user), 25).get_page(1)
        return render(
            request,
            "summaries/summary_list.html",
            {"page": page, "form": form, "kinds": PeriodKind.choices[:2]},
            status=400,
        )
    data = form.cleaned_data
    summary = services.summary_compile_new(
        actor=request.user, scope=data["scope"], kind=data["period"].kind, period=data["period"]
    )
    if summary.status == SummaryStatus.PENDING:
        compile_after_commit(summary.pk)
    messages.success(request, _("The summary is being compiled; this page shows its progress."))
    return redirect("summaries:detail", summary.pk)


def _summary(request, pk) -> Summary:
    return get_visible_or_404(Summary.objects.select_related("scope", "period", "corrects"), request.user, pk=pk)


@staff_or_404
def summary_detail(request, pk):
    summary = _summary(request, pk)
    read_record(request=request, kind=ReadKind.SUMMARY, obj=summary, label=f"{summary.scope.name} {summary.period}")
    sections = numbered_sections(summary.sections)  # numbered I, II, … as in the Word file
    return render(
        request,
        "summaries/summary_detail.html",
        {
            "summary": summary,
            "sections": sections,
            "tables": tables(summary.statistics) if summary.statistics else {},
            "statistics": summary.statistics,
            "history": summary.history.select_related("history_user").order_by("-history_date")[:20],
            "correction": Summary.objects.filter(corrects=summary).first(),
            "Status": SummaryStatus,
            # A compile that never started (broker down) or whose worker was lost: offer to compile again.
            "stalled": summary.is_busy and services.summary_is_stalled(summary=summary),
            "period_open": services.summary_period_open(summary),
            "partial_until": partial_until(summary.statistics or {}),
        },
    )


@staff_or_404
def summary_progress(request, pk):
    summary = _summary(request, pk)
    response = render(request, "summaries/_partials/progress.html", {"summary": summary})
    if not summary.is_busy and request.GET.get("busy") == "1":
        response["HX-Refresh"] = "true"  # finished: reload the page with the figures
    return response


@staff_or_404
def summary_edit(request, pk):
    summary = _summary(request, pk)
    if summary.status not in services.EDITABLE:
        messages.error(request, _("This summary cannot be edited now."))
        return redirect("summaries:detail", summary.pk)
    form = SummaryEditForm(request.POST or None, summary=summary)
    if request.method == "POST" and form.is_valid():
        try:
            services.summary_edit(
                actor=request.user, summary=summary, sections=form.sections(), fields=form.other_fields()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The summary was saved."))
            return redirect("summaries:detail", summary.pk)
    return render(
        request, "summaries/summary_form.html", {"summary": summary, "form": form}, status=400 if form.errors else 200
    )


def _action(request, pk, service, success):
    summary = _summary(request, pk)
    try:
        result = service(actor=request.user, summary=summary)
    except ValidationError as error:
        _error(request, error)
        return redirect("summaries:detail", summary.pk)
    if result.status == SummaryStatus.PENDING:  # compile again, or a correction: the worker compiles it
        compile_after_commit(result.pk)
    messages.success(request, success)
    return redirect("summaries:detail", result.pk)


@staff_or_404
@require_POST
def summary_recompile(request, pk):
    return _action(request, pk, services.summary_request_compile, _("The summary is being compiled again."))


@staff_or_404
@require_POST
def summary_approve(request, pk):
    return _action(request, pk, services.summary_approve, _("The summary was approved."))


@staff_or_404
@require_POST
def summary_issue(request, pk):
    """Issue; a summary whose period has not closed asks for a confirmation first. The message says who
    the files were e-mailed to and who got nothing (a recipient written without an address)."""
    summary = _summary(request, pk)
    confirmed = request.POST.get("confirm_open_period") == "1"
    if summary.status == SummaryStatus.APPROVED and services.summary_period_open(summary) and not confirmed:
        return render(request, "summaries/summary_issue_confirm.html", {"summary": summary})
    try:
        summary = services.summary_issue(actor=request.user, summary=summary, period_open_confirmed=confirmed)
    except ValidationError as error:
        _error(request, error)
        return redirect("summaries:detail", summary.pk)
    delivery = services.recipient_delivery(summary)
    if delivery["sent"]:
        messages.success(
            request,
            _("The summary was issued as %(number)s; its files were sent by e-mail to: %(names)s.")
            % {"number": summary.number, "names": ", ".join(name or address for name, address in delivery["sent"])},
        )
    else:
        messages.success(
            request,
            _(
                "The summary was issued as %(number)s. No recipient has an e-mail address, so nothing was sent: "
                "download the files from this page."
            )
            % {"number": summary.number},
        )
    if delivery["unsent"]:
        messages.warning(
            request,
            _("Not sent to these recipients, who have no e-mail address: %(names)s.")
            % {"names": ", ".join(delivery["unsent"])},
        )
    return redirect("summaries:detail", summary.pk)


@staff_or_404
@require_POST
def summary_correct(request, pk):
    return _action(request, pk, services.summary_correct, _("A correction was started as a new version."))


@staff_or_404
def summary_download(request, pk, kind):
    summary = _summary(request, pk)
    field = {"docx": summary.docx, "xlsx": summary.xlsx}.get(kind)
    if not field:
        raise Http404
    read_record(
        request=request, kind=ReadKind.EXPORT, obj=summary, label=f"{summary.scope.name} {summary.period} .{kind}"
    )
    return file_download_response(field, field.name.rsplit("/", 1)[-1], uploads.KINDS[kind].content_type)


@staff_or_404
def compliance_overdue(request):
    """Who has not reported, by unit of the viewer's subtree: the period in progress, or (``?previous=1``)
    the period that closed last, which is the overdue list once its due day has passed."""
    from django.utils import timezone

    unit = home_unit(request.user)  # staff_or_404 let only people with a home unit through
    current = ReportingPeriod.objects.month_of(timezone.localdate())
    previous = request.GET.get("previous") == "1"
    period = current.previous() if previous else current
    data = selectors.compliance(unit, period, limit=200)
    return render(
        request,
        "summaries/compliance.html",
        {
            "unit": unit,
            "period": period,
            "data": data,
            "overdue": timezone.localdate() > period.collaborators_due_on,
            "showing_previous": previous,
            "reviews_overdue": selectors.reviews_waiting(unit, period),
        },
    )
