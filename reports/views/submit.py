"""The collaborator's side: write, save as draft, send, fix a returned report, list one's reports, download files.

Only collaborators report (staff and admins have no reporting duty: 403).
A report out of scope is a 404. The form's hidden token makes every POST
idempotent: a double click, a retry or a resent form finds the same report
and gets the same redirect.
"""

import contextlib
import hashlib
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.sessions.backends.base import UpdateError
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpResponse
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
from notifications.selectors import unread_count
from privacy.models import ReadKind
from privacy.services import read_record
from reports import selectors, services
from reports.forms import MORE_DETAILS, ReportForm
from reports.models import Attachment, EventKind, Report, ReportEvent, ReportStatus
from reports.services.attachments import attachment_add
from reports.signals import report_form_preparing, report_form_saved

collaborator_required = role_required(Role.COLLABORATOR)
SENT_TOKEN_SESSION_KEY = "reports_sent_token"  # noqa: S105 - a session key, not a secret
SENT_NOTE_SESSION_KEY = "reports_sent_note"  # the report form sent a report: the list says so once
PER_PAGE = 20
# What the stored blank form carries in place of each request's own values (letters and digits only, so
# that escaping leaves them as they are).
CSRF_PLACEHOLDER = "csrfTokenOfTheRequest0"
FORM_TOKEN_PLACEHOLDER = "formTokenOfTheRequest0"  # noqa: S105 - a placeholder, not a secret
NEW_TOKEN_PLACEHOLDER = "nothingNewTokenOfTheRequest0"  # noqa: S105 - a placeholder
BODY_PLACEHOLDER = "reportFormBodyOfThePage0"


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


def _remember_sent(request, report) -> None:
    """What ``_after_send`` remembers, and that the list should say the report was sent, written in the
    report's own transaction: one commit for both (the session store then finds it written on the way
    out). A session ended meanwhile is no reason to lose the report: the middleware answers for it as for
    any request."""
    request.session[SENT_TOKEN_SESSION_KEY] = str(report.client_token)
    request.session[SENT_NOTE_SESSION_KEY] = True  # the list thanks them (no message cookie to write)
    with contextlib.suppress(UpdateError):
        request.session.save()  # one UPDATE in the report's transaction (core/sessions/db.py)


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


def _blank_form(request) -> ReportForm:
    return ReportForm(user=request.user, instance=Report(author=request.user))


def _render_blank_form(request, form=None):
    """The blank new form, put together from stored parts with each request's own values put in.

    Kept under the versions of the choice lists (``fragments.CHOICES``: topics, focus policies, units) and
    of the rumours listed for units (``fragments.RUMOURS``), read in one round trip: the whole page per
    person and what base.html shows of them (their name, role, unit, unread count) and the path, so a
    change of any of them (a new notification, a renamed unit) gives a new key; on a miss, the rumours the
    person's unit may report as heard too (per unit) and the form's body (once per language, day and those
    rumours), then the page around it. Each request puts its own CSRF token and report tokens in; no form,
    no template and no query but the unread count when the page is stored. A page with messages to show
    is rendered in full (they are shown once). ``form``: the blank form when the caller built it."""
    user = request.user
    language, day = translation.get_language(), timezone.localdate().isoformat()
    own = {
        CSRF_PLACEHOLDER: get_token(request),
        FORM_TOKEN_PLACEHOLDER: str(form.initial["token"]) if form is not None else str(uuid.uuid4()),
        NEW_TOKEN_PLACEHOLDER: str(uuid.uuid4()),
    }
    page_parts = None  # with messages to show (once), the page is neither read nor kept
    if not len(messages.get_messages(request)):
        shown = (user.pk, user.get_full_name(), user.role, user.is_superuser, user.unit_id, unread_count(user))
        person = hashlib.sha256(repr((*shown, request.get_full_path())).encode()).hexdigest()[:20]
        page_parts = ("report-form-page", language, day, person)
    # the versions and the page kept for the person under them, in one round trip
    make_key, page, keep_page = fragments.read_under(fragments.CHOICES, fragments.RUMOURS, parts=page_parts)
    if page is not None:
        return HttpResponse(_with_own_values(page, own))
    rumours_key = make_key("report-form-rumours", user.unit_id)
    rumours = fragments.get(rumours_key) if rumours_key else None
    if rumours is None:  # read from the database once, kept for the unit's people
        rumours = selectors.rumour_choices_for(user)
        if rumours_key:
            fragments.store(rumours_key, rumours)
    digest = hashlib.sha256(repr([tuple(r) for r in rumours]).encode()).hexdigest()[:20]
    body_key = make_key("report-form", language, day, digest)
    body = fragments.get(body_key) if body_key else None

    if body is None:
        # Rendered with this request's own values, stored with the placeholders in their place (random
        # values: nothing else in the page can equal them).
        form = form if form is not None else _blank_form(request)
        context = _form_context(form, None, (), show_rumour=bool(rumours))
        context.update(csrf_token=own[CSRF_PLACEHOLDER], new_token_placeholder=own[NEW_TOKEN_PLACEHOLDER])
        own[FORM_TOKEN_PLACEHOLDER] = str(form.initial["token"])
        body = _with_placeholders(render_to_string("reports/_partials/report_form_body.html", context), own)
        if body_key:
            fragments.store(body_key, body)
    # The request's own CSRF token, as in the body: the context processor's would be another masking of the
    # secret, which the stored page would then keep for every browser of the person.
    around = {"form_html": mark_safe(BODY_PLACEHOLDER), "csrf_token": own[CSRF_PLACEHOLDER]}  # noqa: S308
    page = render_to_string("reports/report_form.html", around, request=request)
    page = _with_placeholders(page, own).replace(BODY_PLACEHOLDER, body, 1)
    keep_page(page)
    return HttpResponse(_with_own_values(page, own))


def _with_placeholders(html: str, own: dict) -> str:
    for placeholder, value in own.items():
        html = html.replace(value, placeholder)
    return html


def _with_own_values(html: str, own: dict) -> str:
    for placeholder, value in own.items():
        html = html.replace(placeholder, value)
    return html


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
                if saved.status == ReportStatus.SUBMITTED:
                    _remember_sent(request, saved)
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
    return _after_send(request, saved)  # "sent" is said by the list, from the session (``_remember_sent``)


def _posted_token(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        return None


@_collaborator_only
@require_http_methods(["GET", "POST"])
def report_new(request):
    """GET: a blank form with a new token (or ?from=<draft> to continue a draft); POST: save or send.

    A POST is first taken for a new report: validated and inserted at once (the token's unique constraint
    refuses a second report with it). Only when that fails (the token is taken, or the form has errors)
    is the report with the token looked for: a report kept on a phone without a connection may be sent
    twice (the answer to the first sending was lost), and the second sending finds the first report and
    changes nothing, even if the form would no longer be valid (a choice withdrawn meanwhile)."""
    if request.method == "POST":
        token = _posted_token(request)
        if token is None:
            return _handle_post(request)  # no readable token: the form says so
        failed = None
        try:
            response = _handle_post(request, new_token=True)
        except IntegrityError as exc:
            # The token is taken: an earlier sending, or the same form sent twice at once (the other
            # request wrote the report first); this request's transaction was rolled back.
            response, failed = None, exc
        if response is not None and response.status_code != 400:
            return response
        found = Report.objects.filter(client_token=token).first()
        if found is None:
            if failed is not None:
                raise failed  # no report has the token: something else failed
            return response  # the form's errors
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
    if not extras:
        return _render_blank_form(request)  # the form is built only if its body is not stored
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
            "sent_note": request.session.pop(SENT_NOTE_SESSION_KEY, False),
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
