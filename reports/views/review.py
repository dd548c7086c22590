"""The staff side of reports: the review queue, a report's page and its actions, history,
exports, and tracked rumours. Every object goes through ``visible_to``: out of scope is a 404."""

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Count, Subquery, Value, When
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from collaborators.access import (
    STAFF_ROLES,
    Role,
    get_manageable_or_404,
    get_visible_or_404,
    is_staff_or_admin,
    role_required,
    scope_path,
)
from collaborators.models.exports import ExportJobKind
from collaborators.selectors import page_actions_for
from collaborators.services.exports import export_job_request, export_parameters
from collaborators.tasks import build_export_job
from core import choices, fragments
from core.downloads import streaming_download_response
from core.ids import parse_id, parse_ids
from core.links import pk_url
from core.pagination import COUNT_CAP, CountedPaginator, capped_count
from core.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from core.tasks import enqueue_on_commit
from privacy.models import ReadKind
from privacy.services import read_record
from reports import selectors, services
from reports.filters import REVIEW_STATUSES, ReportFilter, RumourFilter, overdue_cutoff
from reports.forms.review import (
    AcceptForm,
    AlertForm,
    AssignForm,
    CommentForm,
    EscalateForm,
    RejectForm,
    ReturnForm,
    RumourLinkForm,
    RumourVerifyForm,
)
from reports.models import Report, ReportKind, ReportStatus, Rumour
from reports.services.exports import reports_export_stream

# Pages for everyone with a role; a staff or admin account without a unit has no scope: 404.
EVERY_ROLE = (Role.COLLABORATOR, *STAFF_ROLES)
PAGE_SIZE = 50
# Reports accepted in one go at most: more than a page of the queue, so never fewer than a person ticks.
BULK_LIMIT = 10 * PAGE_SIZE
CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "csv": CSV_CONTENT_TYPE}
# Units named beside each rumour on the list (the rest are counted): the page stays small city-wide.
UNITS_NAMED = 5
REPORT_RELATED = ("unit", "author", "topic", "focus_policy", "assignee", "rumour", "escalated_to")
# What a row of the queue shows (``reports/_partials/review_rows.html``): the page reads these columns only.
ROW_RELATED = ("unit", "topic", "assignee")
ROW_FIELDS = (
    "title",
    "urgent",
    "alert_level",
    "nothing_new",
    "kind",
    "status",
    "submitted_at",
    "unit__name",
    "topic__name",
    "assignee__full_name",
    "assignee__username",
)


# --- the queue -----------------------------------------------------------------------------


def _queue_data(params):
    """The filter values; with no status chosen the queue shows what waits for review."""
    data = params.copy()
    data.pop("page", None)
    if "status" not in data:
        data["status"] = ReportStatus.SUBMITTED
    return data


def _queue(request, data):
    return ReportFilter(data, queryset=selectors.review_queue(request.user), user=request.user)


def _counters_path(request, queue):
    """The subtree whose counters (``UnitReportCount``) answer this queue's counts: the chosen unit's or
    the viewer's scope; None when a filter other than status and unit is set (those are counted, capped)."""
    form = queue.form
    if not form.is_valid():
        return None
    for name, value in form.cleaned_data.items():
        if name in ("status", "unit") or value is None or value == "" or (name == "mine" and not value):
            continue
        return None
    unit = form.cleaned_data.get("unit")
    return unit.path if unit is not None else scope_path(request.user)


def _sent_counts(path: str) -> dict:
    """``selectors.sent_counts``, kept in the cache under the figures' version (every report write moves
    it): the city's sum reads ~28,000 counter rows, about 40 ms at 1,000,000 reports."""
    key = fragments.key(fragments.FIGURES, "sent-counts", path)
    counts = fragments.get(key) if key else None
    if counts is None:
        counts = selectors.sent_counts(path=path)
        if key:
            fragments.store(key, counts)
    return counts


def _sampled_counts(request, others) -> dict:
    """{status: n} over at most COUNT_CAP + 1 reports matching the filters ``others`` (status left out), in
    one query; kept in the cache under the figures' version (every report write moves it) per viewer's scope
    and filters, as the counters' sums are: a search of the city reads its 1,001 reports in about 35 ms at
    1,000,000 reports. "Waiting too long" moves with the clock, not with writes: counted every time."""
    user = request.user
    key = None
    if not others.get("overdue"):
        digest = hashlib.sha256(others.urlencode().encode()).hexdigest()
        # "Assigned to me" is the viewer's own: their figures are theirs alone.
        mine = user.pk if others.get("mine") else ""
        key = fragments.key(
            fragments.FIGURES, "sampled-counts", user.role, user.unit_id, user.is_superuser, mine, digest
        )
    found = fragments.get(key) if key else None
    if found is None:
        queryset = _queue(request, others).qs.order_by()
        # At most COUNT_CAP + 1 matching reports, whatever their status; when there are more, every
        # figure is a lower bound ("+").
        sample = queryset.values("pk")[: COUNT_CAP + 1]
        found = dict(
            Report.objects.filter(pk__in=Subquery(sample))
            .order_by()
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        if key:
            fragments.store(key, found)
    return found


def _status_counts(request, data, path):
    """How many reports of each status match the other filters, and the statuses whose figure stopped at the cap.

    With only the status and unit filters, from the counters (a sum over the subtree's units); otherwise
    from at most COUNT_CAP + 1 matching reports, so no view reads a number of reports that grows with the
    table.
    """
    if path is not None:
        counts = _sent_counts(path)
        rows = [(value, label, counts.get(value, 0)) for value, label in REVIEW_STATUSES]
        return sum(count for _value, _label, count in rows), rows, set()
    others = data.copy()
    others["status"] = ""
    found = _sampled_counts(request, others)
    more = sum(found.values()) > COUNT_CAP
    rows = [(value, label, found.get(value, 0)) for value, label in REVIEW_STATUSES]
    capped = {value for value, _label, _count in rows} if more else set()
    return min(sum(found.values()), COUNT_CAP), rows, capped


def _label_rows(reports):
    """Each row's kind, status and alert level in words (``core.choices``: labels kept per language, where
    ``get_FOO_display`` rebuilds its field's choices at every call, a third of the rows' rendering), and
    its link, reversed once for the page (``core.links.pk_url``)."""
    kinds, statuses, alerts = (choices.labels(Report, name) for name in ("kind", "status", "alert_level"))
    detail_url = pk_url("reports:detail")
    for report in reports:
        report.detail_url = detail_url(report.pk)
        report.kind_label = kinds.get(report.kind, report.kind)
        report.status_label = statuses.get(report.status, report.status)
        report.alert_label = alerts.get(report.alert_level, report.alert_level)


def _filter_fields(request, queue, data):
    """The filter form's fields as HTML, kept until a unit, topic or focus policy is written
    (``fragments.filter_fields_html``): rendering them (the units of the scope's two top levels, the
    topics, crispy's markup for each field) was half of the queue's time."""
    user = request.user
    html = fragments.filter_fields_html(
        name="queue-filters",
        scope=(user.role, user.unit_id, user.is_superuser),
        data=data,
        render=lambda: render_to_string("reports/_partials/review_filter_fields.html", {"filter": queue}),
    )
    return mark_safe(html)  # noqa: S308 - the form's own rendered (escaped) fields


def _rows_html(request, page, data):
    """The page's rows as HTML, kept per viewer, language, filters and page until the next write
    (``fragments.rows_html``) or the next minute (a row turns overdue with time)."""

    def render():
        _label_rows(page)
        return render_to_string("reports/_partials/review_rows.html", {"page": page})

    html = fragments.rows_html(
        name="queue-rows",
        scope=(request.user.pk,),
        data=data,
        page=page.number,
        moment=timezone.now().replace(second=0, microsecond=0).isoformat(),
        render=render,
    )
    return mark_safe(html)  # noqa: S308 - the rows' own rendered (escaped) HTML


@role_required(*EVERY_ROLE)
def report_list(request):
    if not is_staff_or_admin(request.user):
        return redirect("reports:mine")
    data = _queue_data(request.GET)
    queue = _queue(request, data)
    rows = (
        queue.qs.select_related(None)
        .select_related(*ROW_RELATED)
        .only(*ROW_FIELDS)
        .annotate(
            is_overdue=Case(
                When(status=ReportStatus.SUBMITTED, submitted_at__lt=overdue_cutoff(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )
    path = _counters_path(request, queue)
    total, counts, capped = _status_counts(request, data, path)
    known = counted = None
    if queue.form.is_valid():
        status = data.get("status")
        if path is not None or not capped:
            # From the counters, or every matching report was read: the page's figure is exact.
            known = {value: count for value, _label, count in counts}.get(status, total)
        elif not status:
            # More than the cap of any status: the page's own capped count would read the same reports.
            counted = COUNT_CAP + 1
    page = CountedPaginator(rows, PAGE_SIZE, count=known, counted=counted, cap=COUNT_CAP).get_page(
        request.GET.get("page")
    )
    without_status = data.copy()
    without_status.pop("status", None)
    return render(
        request,
        "reports/review_list.html",
        {
            "filter": queue,
            "filter_fields": _filter_fields(request, queue, data),
            "page": page,
            "rows_html": _rows_html(request, page, data),
            "query_string": data.urlencode(),
            "query_without_status": without_status.urlencode(),
            "status_counts": counts,
            "status_total": total,
            "capped_statuses": capped,
            "current_status": data.get("status", ""),
        },
    )


def _list_url(query: str) -> str:
    # Only a query string is carried back, never a URL: no open redirect.
    url = reverse("reports:list")
    query = query.replace("\r", "").replace("\n", "")
    return f"{url}?{query}" if query else url


@role_required(*STAFF_ROLES)
@require_POST
def reports_bulk_accept(request):
    ids = parse_ids(request.POST.getlist("reports"), limit=BULK_LIMIT)
    reports = Report.objects.visible_to(request.user).filter(pk__in=ids)
    if not ids:
        messages.warning(request, _("Tick the reports to accept first."))
    else:
        accepted = services.reports_bulk_accept(actor=request.user, reports=reports)
        messages.success(
            request,
            ngettext("%(count)d report accepted.", "%(count)d reports accepted.", accepted) % {"count": accepted},
        )
        if accepted < len(ids):
            messages.info(request, _("Reports that were not waiting for review were left as they were."))
    return redirect(_list_url(request.POST.get("query", "")))


@role_required(*STAFF_ROLES)
@never_cache
def reports_export(request, fmt):
    """The CSV, streamed while the reports are read: the first bytes at once, flat memory. (The XLSX is
    built in the background: ``export_job_new``.)"""
    data = _queue_data(request.GET)
    queue = _queue(request, data)
    parameters = export_parameters(data)
    filename = f"bao-cao-{timezone.localdate():%Y-%m-%d}.{fmt}"
    chunks = reports_export_stream(actor=request.user, reports=queue.qs, parameters=parameters)
    response = streaming_download_response(chunks, filename, CONTENT_TYPES[fmt])
    read_record(request=request, kind=ReadKind.EXPORT, label=f"reports.{fmt}")
    return response


@role_required(*STAFF_ROLES)
@require_POST
def export_job_new(request):
    """The Excel button: an export job of the reports kind building the XLSX of the queue as filtered (the
    same one again on a double click), then its page (one page for every kind: the roster's)."""
    data = _queue_data(QueryDict(request.POST.get("query", "").replace("\r", "").replace("\n", "")))
    job, created = export_job_request(
        actor=request.user,
        kind=ExportJobKind.REPORTS,
        parameters=export_parameters(data),
        language=translation.get_language() or "",
        return_path=_list_url(data.urlencode()),
    )
    if created:
        enqueue_on_commit(build_export_job, job.pk)
    return redirect("roster:export_job", pk=job.pk)


# --- one report ----------------------------------------------------------------------------


def _report(request, pk):
    return get_visible_or_404(Report.objects.select_related(*REPORT_RELATED), request.user, pk=pk)


def _suggestion_text(request, report):
    return request.GET.get("rumour_q", "").strip() or f"{report.title} {report.content}"


@role_required(*EVERY_ROLE)
def report_detail(request, pk):
    report = _report(request, pk)
    read_record(request=request, kind=ReadKind.REPORT, obj=report, subject=report.author_id, label=report.title)
    attachments = list(report.attachments.all())
    author_consent = selectors.author_consent_state(report, request.user)
    report.author_shown = selectors.author_label(report, author_consent)
    events = list(selectors.events_for(report, request.user))
    for event in events:
        event.actor_shown = selectors.actor_label(event.actor, report, author_consent)
    context = {"report": report, "attachments": attachments, "events": events, "author_consent": author_consent}
    if not is_staff_or_admin(request.user):
        # A collaborator reaches only their own reports (visible_to): the author's page.
        return render(request, "reports/author_detail.html", context)
    is_rumour = report.kind == ReportKind.RUMOUR
    suggestions = []
    if is_rumour:
        suggestions = selectors.rumour_suggestions(user=request.user, text=_suggestion_text(request, report))
    context.update(
        {
            "can_review": report.status == ReportStatus.SUBMITTED,
            "is_rumour": is_rumour,
            "overdue": report.status == ReportStatus.SUBMITTED
            and report.submitted_at is not None
            and report.submitted_at < overdue_cutoff(),
            "accept_form": AcceptForm(prefix="accept"),
            "return_form": ReturnForm(prefix="return"),
            "reject_form": RejectForm(prefix="reject"),
            "alert_form": AlertForm(prefix="alert", initial={"level": report.alert_level}),
            "assign_form": AssignForm(prefix="assign", actor=request.user, initial={"assignee": report.assignee_id}),
            "escalate_form": EscalateForm(prefix="escalate"),
            "comment_form": CommentForm(prefix="comment"),
            "rumour_form": RumourLinkForm(prefix="rumour", actor=request.user, suggestions=suggestions)
            if is_rumour
            else None,
            "rumour_q": request.GET.get("rumour_q", ""),
        }
    )
    return render(request, "reports/review_detail.html", context)


@role_required(*STAFF_ROLES)
def report_history(request, pk):
    report = _report(request, pk)
    read_record(request=request, kind=ReadKind.REPORT, obj=report, subject=report.author_id, label=report.title)
    author_consent = selectors.author_consent_state(report, request.user)
    entries = selectors.history_of(report)
    for entry in entries:
        entry["who"] = selectors.actor_label(entry["record"].history_user, report, author_consent)
    return render(request, "reports/review_history.html", {"report": report, "entries": entries})


def _errors_to_messages(request, errors):
    for field_errors in errors:
        for message in field_errors:
            messages.error(request, message)


def _act(request, pk, form, action, success):
    """Run one service on a report from a posted form; its refusal becomes a message."""
    report = get_visible_or_404(Report.objects.all(), request.user, pk=pk)
    if form.is_valid():
        try:
            action(report, form.cleaned_data)
        except ValidationError as exc:
            _errors_to_messages(request, [exc.messages])
        else:
            messages.success(request, success)
    else:
        _errors_to_messages(request, form.errors.values())
    return redirect("reports:detail", pk=report.pk)


@role_required(*STAFF_ROLES)
@require_POST
def report_accept(request, pk):
    return _act(
        request,
        pk,
        AcceptForm(request.POST, prefix="accept"),
        lambda report, data: services.report_accept(actor=request.user, report=report, note=data["note"]),
        _("The report has been accepted."),
    )


@role_required(*STAFF_ROLES)
@require_POST
def report_return(request, pk):
    return _act(
        request,
        pk,
        ReturnForm(request.POST, prefix="return"),
        lambda report, data: services.report_return(actor=request.user, report=report, reason=data["reason"]),
        _("The report has been returned to its author."),
    )


@role_required(*STAFF_ROLES)
@require_POST
def report_reject(request, pk):
    return _act(
        request,
        pk,
        RejectForm(request.POST, prefix="reject"),
        lambda report, data: services.report_reject(actor=request.user, report=report, reason=data["reason"]),
        _("The report has been rejected."),
    )


@role_required(*STAFF_ROLES)
@require_POST
def report_alert(request, pk):
    return _act(
        request,
        pk,
        AlertForm(request.POST, prefix="alert"),
        lambda report, data: services.report_set_alert(
            actor=request.user, report=report, level=data["level"], note=data["note"]
        ),
        _("The alert level has been set."),
    )


@role_required(*STAFF_ROLES)
@require_POST
def report_assign(request, pk):
    return _act(
        request,
        pk,
        AssignForm(request.POST, prefix="assign", actor=request.user),
        lambda report, data: services.report_assign(actor=request.user, report=report, assignee=data["assignee"]),
        _("The reviewer has been set."),
    )


@role_required(*STAFF_ROLES)
@require_POST
def report_escalate(request, pk):
    return _act(
        request,
        pk,
        EscalateForm(request.POST, prefix="escalate"),
        lambda report, data: services.report_escalate(actor=request.user, report=report, note=data["note"]),
        _("The report has been escalated to the unit above."),
    )


@role_required(*STAFF_ROLES)
@require_POST
def report_comment(request, pk):
    return _act(
        request,
        pk,
        CommentForm(request.POST, prefix="comment"),
        lambda report, data: services.report_comment(
            actor=request.user, report=report, text=data["text"], internal=data["internal"]
        ),
        _("The comment has been added."),
    )


@role_required(*STAFF_ROLES)
@require_POST
def report_link_rumour(request, pk):
    def link(report, data):
        if data.get("rumour"):
            services.rumour_link(actor=request.user, report=report, rumour=data["rumour"])
        else:
            services.rumour_create(actor=request.user, title=data["new_title"], topic=report.topic, report=report)

    return _act(
        request,
        pk,
        RumourLinkForm(request.POST, prefix="rumour", actor=request.user),
        link,
        _("The report is now counted as a sighting of the rumour."),
    )


# --- rumours -------------------------------------------------------------------------------


def _rumour_units_named(rumour_ids: list[int], path: str) -> dict:
    """``selectors.rumour_units_named`` for a page of rumours, kept in the cache under the figures' version
    (every report write moves it): ranking the counters of the page's rumours in a whole city is ~50 ms at
    1,000,000 reports, and what is kept is a few names and two figures per rumour."""
    key = fragments.key(fragments.FIGURES, "rumour-units", path, UNITS_NAMED, ",".join(map(str, rumour_ids)))
    named = fragments.get(key) if key else None
    if named is None:
        named = selectors.rumour_units_named(rumours=rumour_ids, path=path, named=UNITS_NAMED)
        if key:
            fragments.store(key, named)
    return named


@role_required(*EVERY_ROLE)
def rumour_list(request):
    staff = is_staff_or_admin(request.user)
    rumours = RumourFilter(
        request.GET or None,
        # A copy merged into another is read through the one that took it over.
        queryset=Rumour.objects.visible_to(request.user).filter(merged_into__isnull=True).select_related("topic"),
    )
    page = CountedPaginator(rumours.qs.order_by("-last_seen_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    # The units the viewer may see that each rumour on the page was heard in, and how often: one query
    # over the sightings' counters (a row per rumour and unit), most sightings first. A rumour's own
    # count is city-wide; the page shows the viewer's share beside it and names the first few units.
    named = _rumour_units_named([rumour.pk for rumour in page], scope_path(request.user)) if staff else {}
    for rumour in page:
        names, units, in_scope = named.get(rumour.pk, ([], 0, 0))
        rumour.units_seen = names
        rumour.units_more = units - len(names)
        rumour.in_scope = in_scope
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/rumour_list.html",
        {"filter": rumours, "page": page, "query_string": query.urlencode(), "is_staff": staff},
    )


@role_required(*EVERY_ROLE)
def rumour_detail(request, pk):
    rumour = get_visible_or_404(Rumour.objects.select_related("topic", "verified_by"), request.user, pk=pk)
    staff = is_staff_or_admin(request.user)
    # Staff: the sightings in their subtree; a collaborator: only their own.
    sightings = (
        Report.objects.visible_to(request.user)
        .filter(rumour=rumour)
        .exclude(status=ReportStatus.DRAFT)
        .select_related("unit", "author")
        .order_by("-submitted_at", "-pk")
    )
    context = {"rumour": rumour, "is_staff": staff, "sightings": list(sightings[:200])}
    if not staff:
        context["sightings_shown"] = capped_count(sightings)  # the person's own reports
    else:
        # From the sightings' counters (a row per unit where it was heard), not a count of the reports.
        seen = selectors.rumour_units_seen(rumours=[rumour.pk], path=scope_path(request.user) or "")
        context["units_seen"] = [{"unit__name": name, "count": n} for _rumour, name, n in seen]
        context["sightings_shown"] = sum(row["count"] for row in context["units_seen"])
        # The verdict is seen wherever the rumour was heard: only staff whose scope covers all of it set it.
        if Rumour.objects.manageable_by(request.user).filter(pk=rumour.pk).exists():
            context["verify_form"] = RumourVerifyForm(
                initial={"verification": rumour.verification, "note": rumour.resolution_note}
            )
        context["entries"] = selectors.history_of(rumour)
        context["spread"] = selectors.rumour_spread(rumour, viewer=request.user)
        if rumour.merged_into_id is None and context.get("verify_form") is not None:
            # The same rumour tracked elsewhere: across the whole city for the federation's staff (their scope).
            context["same_rumours"] = selectors.rumour_suggestions(
                user=request.user, text=f"{rumour.title} {rumour.summary}", exclude=rumour
            )
            manageable = set(
                Rumour.objects.manageable_by(request.user)
                .filter(pk__in=[r.pk for r in context["same_rumours"]])
                .values_list("pk", flat=True)
            )
            for other in context["same_rumours"]:
                other.can_merge = other.pk in manageable
    if rumour.merged_into_id:
        context["merged_into"] = Rumour.objects.visible_to(request.user).filter(pk=rumour.merged_into_id).first()
    context["actions"] = page_actions_for(rumour, request.user)
    return render(request, "reports/rumour_detail.html", context)


@role_required(*STAFF_ROLES)
@require_POST
def rumour_merge(request, pk):
    """Merge this rumour into another copy of it; both must be within the actor's scope (else 404)."""
    rumour = get_manageable_or_404(Rumour, request.user, pk=pk)
    into = get_manageable_or_404(Rumour, request.user, pk=parse_id(request.POST.get("into")) or 0)
    try:
        services.rumour_merge(actor=request.user, rumour=rumour, into=into)
    except ValidationError as exc:
        _errors_to_messages(request, [exc.messages])
        return redirect("reports:rumour_detail", pk=rumour.pk)
    messages.success(request, _("The rumours have been merged: every sighting now counts for this one."))
    return redirect("reports:rumour_detail", pk=into.pk)


@role_required(*STAFF_ROLES)
@require_POST
def rumour_verify(request, pk):
    # Not ``visible_to``: a rumour heard beyond the actor's subtree is verified by the level above.
    rumour = get_manageable_or_404(Rumour, request.user, pk=pk)
    form = RumourVerifyForm(request.POST)
    if form.is_valid():
        try:
            services.rumour_verify(
                actor=request.user,
                rumour=rumour,
                verification=form.cleaned_data["verification"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _errors_to_messages(request, [exc.messages])
        else:
            messages.success(request, _("The rumour's verification has been recorded."))
    else:
        _errors_to_messages(request, form.errors.values())
    return redirect("reports:rumour_detail", pk=rumour.pk)
