"""The collaborator's side: write, save as draft, send, fix a returned report, list one's reports, download files.

Only collaborators report (staff and admins have no reporting duty: 403).
A report out of scope is a 404. The form's hidden token makes every POST
idempotent: a double click, a retry or a resent form finds the same report
and gets the same redirect.
"""

import hashlib
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaborators.access import role_required
from collaborators.models import Role
from core import fragments
from core.downloads import file_download_response
from core.ids import parse_id
from privacy.models import ReadKind
from privacy.services import read_record
from reports import selectors, services
from reports.forms import MORE_DETAILS, ReportForm
from reports.models import Attachment, EventKind, Report, ReportEvent, ReportStatus
from reports.services.attachments import attachment_add
from reports.signals import report_form_preparing, report_form_saved

collaborator_required = role_required(Role.COLLABORATOR)
SENT_TOKEN_SESSION_KEY = "reports_sent_token"  # noqa: S105 - a session key, not a secret
PER_PAGE = 20
# What the stored blank form carries in place of each request's own values (letters and digits only, so
# that escaping leaves them as they are).
CSRF_PLACEHOLDER = "csrfTokenOfTheRequest0"
FORM_TOKEN_PLACEHOLDER = "formTokenOfTheRequest0"  # noqa: S105 - a placeholder, not a secret
NEW_TOKEN_PLACEHOLDER = "nothingNewTokenOfTheRequest0"  # noqa: S105 - a placeholder


def _collaborator_only(view):
    """Collaborators only: staff, admins and superusers have no unit duty to report (403)."""

    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_superuser:
            raise Http404
        return collaborator_required(view)(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _after_send(request, report):
    """Where a sent report lands; the page tells the browser to forget its local copy."""
    request.session[SENT_TOKEN_SESSION_KEY] = str(report.client_token)
    return redirect(f"{reverse('reports:mine')}#report-{report.pk}")


def _after_draft(report):
    return redirect("reports:edit", pk=report.pk)


def _own_editable_or_404(request, pk) -> Report:
    """The person's own report; anyone else's (staff included: they never edit) is a 404."""
    return get_object_or_404(Report.objects.filter(author=request.user).select_related("unit"), pk=pk)


def _return_reason(report):
    if report.status != ReportStatus.RETURNED:
        return None
    return report.events.filter(kind=EventKind.RETURNED).order_by("-created_at", "-pk").first()


def _form_extras(*, user, params, report) -> list[dict]:
    """What higher apps add to the form (answering a request for opinion...), through report_form_preparing."""
    replies = report_form_preparing.send(sender=Report, user=user, params=params, report=report)
    return [extra for _receiver, extra in replies if extra]


def _form_context(form, report, extras, *, show_rumour) -> dict:
    more_details = [form[name] for name in MORE_DETAILS]
    return {
        "form": form,
        "report": report,
        "attachments": list(report.attachments.all()) if report else [],
        "returned_event": _return_reason(report) if report else None,
        "more_details": more_details,
        "more_details_open": any(field.errors or field.value() not in (None, "") for field in more_details),
        "show_rumour": show_rumour,
        "form_extras": extras,
    }


def _render_form(request, form, report=None, status=200, extras=()):
    report = report if report is not None and report.pk else None
    form.show_choices()
    if report is None and not form.is_bound and not extras:
        return _render_blank_form(request, form)
    show_rumour = form.fields["rumour"].queryset.exists() or bool(form["rumour"].value())
    return render(
        request, "reports/report_form.html", _form_context(form, report, extras, show_rumour=show_rumour), status=status
    )


def _render_blank_form(request, form):
    """The blank new form: its body is rendered once per language, day, rumour choices and version of the
    choice lists (``fragments.CHOICES``: topics and focus policies, moved by reports/receivers.py) and stored with
    placeholders; each request puts its own CSRF token and report tokens into the stored HTML. Most of the
    page's cost was rendering the fields (crispy-forms' templates); the navigation is rendered per request."""
    rumours = list(form.fields["rumour"].queryset.values_list("pk", "title"))
    digest = hashlib.sha256(repr(rumours).encode()).hexdigest()[:20]
    key = fragments.key(
        fragments.CHOICES, "report-form", translation.get_language(), timezone.localdate().isoformat(), digest
    )
    stored = fragments.get(key) if key else None
    own = {
        CSRF_PLACEHOLDER: get_token(request),
        FORM_TOKEN_PLACEHOLDER: str(form.initial["token"]),
        NEW_TOKEN_PLACEHOLDER: str(uuid.uuid4()),
    }
    if stored is None:
        # Rendered with this request's own values, stored with the placeholders in their place (random
        # values: nothing else in the page can equal them).
        context = _form_context(form, None, (), show_rumour=bool(rumours))
        context.update(csrf_token=own[CSRF_PLACEHOLDER], new_token_placeholder=own[NEW_TOKEN_PLACEHOLDER])
        html = render_to_string("reports/_partials/report_form_body.html", context)
        if key:
            for placeholder, value in own.items():
                html = html.replace(value, placeholder)
            fragments.store(key, html)
        stored = html
    for placeholder, value in own.items():
        stored = stored.replace(placeholder, value)
    page = {"form": form, "show_rumour": bool(rumours), "form_html": mark_safe(stored)}  # noqa: S308 - its own rendering
    return render(request, "reports/report_form.html", page)


def _handle_post(request, *, report=None, new_token=False):
    """Validate and save (draft) or send; one transaction for the report and its files.

    ``new_token``: the view found no report with the posted token in this request, so the report is
    written without looking it up again (the token's unique constraint still decides between two
    requests racing with the same form)."""
    existing = report.attachments.count() if report is not None else 0
    extras = _form_extras(user=request.user, params=request.POST, report=report)
    form = ReportForm(
        request.POST,
        request.FILES,
        user=request.user,
        existing_attachments=existing,
        instance=report if report is not None else Report(author=request.user),
    )
    if not form.is_valid():
        return _render_form(request, form, report, status=400, extras=extras)
    token = report.client_token if report is not None else form.cleaned_data["token"]
    submit = request.POST.get("action") == "send"
    try:
        with transaction.atomic():
            uploads = form.cleaned_data["attachments"]
            # A new report without files is saved and sent in one step (half the writes of a send); files
            # are attached to the saved draft before it is sent.
            at_once = submit and report is None and not uploads
            saved, changed = services.report_save(
                author=request.user, token=token, data=form.report_data(), submit=at_once, new_token=new_token
            )
            if changed:
                for uploaded in uploads:
                    attachment_add(report=saved, uploaded_file=uploaded, actor=request.user)
                if submit and not at_once:
                    saved, changed = services.report_save(
                        author=request.user, token=token, data=form.report_data(), submit=True
                    )
                # Higher apps link the report to what it answers; a ValidationError rolls it all back.
                report_form_saved.send(
                    sender=Report, user=request.user, params=request.POST, report=saved, new=new_token
                )
    except PermissionDenied:
        raise Http404 from None  # a token that belongs to someone else's report
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _render_form(request, form, report, status=400, extras=extras)
    if saved.status == ReportStatus.DRAFT:
        if changed:
            messages.success(request, _("Draft saved. You can finish and send it later."))
        return _after_draft(saved)
    if saved.status == ReportStatus.RETURNED:
        messages.success(request, _("Changes saved. Send the report again when it is complete."))
        return _after_draft(saved)
    if changed:
        messages.success(request, _("Report sent. Thank you: your union's staff will review it."))
    return _after_send(request, saved)


def _with_token(request) -> tuple[Report | None, bool]:
    """The report that has the posted token, if any, and whether the token was readable.

    A report kept on a phone without a connection may be sent twice (the answer to the first sending
    was lost): the second sending finds the first report before the form is validated again, so it
    changes nothing even if the form would no longer be valid (a choice withdrawn meanwhile).
    """
    try:
        token = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        return None, False
    return Report.objects.filter(client_token=token).first(), True


@_collaborator_only
@require_http_methods(["GET", "POST"])
def report_new(request):
    """GET: a blank form with a new token (or ?from=<draft> to continue a draft); POST: save or send."""
    if request.method == "POST":
        found, readable = _with_token(request)
        if found is None and readable:
            try:
                return _handle_post(request, new_token=True)
            except IntegrityError:
                # The same form sent twice at once: the other request wrote the report first (this one's
                # transaction was rolled back); answer as for a resend.
                found, readable = _with_token(request)
                if found is None:
                    raise
        if found is None:
            return _handle_post(request)  # no readable token: the form says so
        if found.author_id == request.user.pk and not found.is_editable_by_author:
            return _after_send(request, found)  # already sent
        return _handle_post(request)  # a draft kept on the phone, or someone else's token (404)
    draft_id = request.GET.get("from", "")
    if draft_id:
        draft_pk = parse_id(draft_id)
        if draft_pk is None:
            raise Http404
        draft = _own_editable_or_404(request, draft_pk)
        if not draft.is_editable_by_author:
            return redirect("reports:mine")
        return redirect("reports:edit", pk=draft.pk)
    extras = _form_extras(user=request.user, params=request.GET, report=None)
    initial = {}
    for extra in extras:
        initial.update(extra.get("initial") or {})
    form = ReportForm(user=request.user, instance=Report(author=request.user), initial=initial)
    return _render_form(request, form, extras=extras)


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, pk):
    """Continue a draft or fix a returned report; a sent report is read-only."""
    report = _own_editable_or_404(request, pk)
    if not report.is_editable_by_author:
        if request.method == "POST" and str(report.client_token) == request.POST.get("token"):
            return _after_send(request, report)  # the same form resent after it was sent
        return redirect("reports:detail", pk=report.pk)
    if request.method == "POST":
        return _handle_post(request, report=report)
    extras = _form_extras(user=request.user, params=request.GET, report=report)
    return _render_form(request, ReportForm(user=request.user, instance=report), report, extras=extras)


@_collaborator_only
@require_POST
def report_nothing_new(request):
    """Nothing new to report this period: it counts for the reporting duty."""
    token = request.POST.get("token", "")
    try:
        token = uuid.UUID(token)
    except ValueError:
        messages.error(request, _("The form has expired. Try again."))
        return redirect("reports:new")
    try:
        report, changed = services.report_nothing_new(author=request.user, token=token)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("home")
    if changed:
        messages.success(request, _("Recorded: nothing new to report this period. Thank you."))
    return _after_send(request, report)


@login_required
@require_POST
def report_discard(request, pk):
    report = _own_editable_or_404(request, pk)
    if report.status != ReportStatus.DRAFT:
        raise Http404
    services.report_discard_draft(author=request.user, report=report)
    messages.success(request, _("Draft deleted."))
    return redirect("reports:mine")


@_collaborator_only
@require_GET
def my_reports(request):
    """Returned reports to fix first, then drafts, then what was sent (paginated)."""
    base = selectors.my_reports(request.user)
    returned_note = (
        ReportEvent.objects.filter(report=OuterRef("pk"), kind=EventKind.RETURNED)
        .order_by("-created_at", "-pk")
        .values("note")[:1]
    )
    returned = list(base.filter(status=ReportStatus.RETURNED).annotate(return_reason=Subquery(returned_note)))
    drafts = list(base.filter(status=ReportStatus.DRAFT))
    sent = base.exclude(status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED]).annotate(
        comment_count=Count("events", filter=Q(events__kind=EventKind.COMMENT, events__internal=False), distinct=True)
    )
    page = Paginator(sent, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/my_reports.html",
        {
            "returned": returned,
            "drafts": drafts,
            "page": page,
            "query_string": "",
            "clear_draft_token": request.session.pop(SENT_TOKEN_SESSION_KEY, ""),
        },
    )


@login_required
@require_GET
def attachment_download(request, pk, attachment_pk):
    """A report's file, only to those who may see the report; always a download, never rendered."""
    report = get_object_or_404(Report.objects.visible_to(request.user), pk=pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, report=report)
    read_record(
        request=request, kind=ReadKind.ATTACHMENT, obj=attachment, subject=report.author_id,
        label=f"{report.title}: {attachment.original_name}",
    )  # fmt: skip
    return file_download_response(attachment.file, attachment.original_name, attachment.content_type)
