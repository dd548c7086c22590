"""Reports and rumours through the API: the same selectors, form, filters and services as the pages.

Sending is idempotent on the ``Idempotency-Key`` header: the key, per person, names the report's form
token (``client_token``), so the request sent again after a lost answer finds the report the first one
made (``reports.services.report_save``), and a report already sent is returned unchanged.
"""

import uuid

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from api import serializers
from api.models import TokenScope
from api.views.base import ApiMixin, ScopedFilterBackend, object_id
from collaborators.access import is_collaborator, is_staff_or_admin
from privacy.models import ReadKind
from privacy.services import read_record
from reports import selectors, services
from reports.filters import ReportFilter, RumourFilter
from reports.forms import ReportForm
from reports.models import Report, ReportStatus, Rumour
from reports.signals import report_form_preparing, report_form_saved

# The namespace of the report tokens made from idempotency keys: (person, key) always names the same one.
IDEMPOTENCY_NAMESPACE = uuid.UUID("0b6f4a34-6a55-4c8e-9a2f-3c1f1f7c2d51")
REPORT_RELATED = ("unit", "author", "topic", "focus_policy", "assignee", "rumour", "escalated_to")

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=_(
        "A key the client makes once per report (a UUID, say) and sends again with every retry: the same key "
        "always means the same report, so a report sent twice exists once."
    ),
)


def _label(text):
    """A read-log label, in the site's language whatever the program asked for (administrators read it)."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(text)


def _token_for(request) -> uuid.UUID:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 255 or not key.isascii() or not key.isprintable():
        raise exceptions.ValidationError(
            {"Idempotency-Key": [_("Send an Idempotency-Key header (at most 255 printable ASCII characters).")]}
        )
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{request.user.pk}:{key}")


def _form_errors(form) -> dict:
    errors = {field: list(messages) for field, messages in form.errors.items()}
    if "__all__" in errors:
        errors["non_field_errors"] = errors.pop("__all__")
    return errors


def report_save_from_api(request, *, params: dict) -> tuple[Report, bool]:
    """Check the posted report with the report form and save or send it, as the report page does.

    ``params`` are what the page would carry in its query string (``{"request": <id>}`` when the report
    answers a request for opinion): higher apps hear them through ``report_form_preparing`` (defaults
    for the fields left out) and ``report_form_saved`` (linking the report to what it answers).
    Returns (report, created).
    """
    user = request.user
    token = _token_for(request)
    already = Report.objects.filter(author=user, client_token=token).first()
    if already is not None and not already.is_editable_by_author:
        return already, False  # sent before: the resend changes nothing, even if the form would refuse it now
    incoming = serializers.ReportInputSerializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    values = dict(incoming.validated_data)
    send = values.pop("send", True)
    defaults = {}
    for _receiver, extra in report_form_preparing.send(sender=Report, user=user, params=params, report=already):
        if extra:
            defaults.update(extra.get("initial") or {})
    data = {**defaults, **{name: value for name, value in values.items() if name in incoming.initial_data}}
    form_data = {name: "" if value is None else value for name, value in data.items()}
    form_data["token"] = str(token)
    form = ReportForm(form_data, {}, user=user, instance=already or Report(author=user))
    if not form.is_valid():
        raise exceptions.ValidationError(_form_errors(form))
    with transaction.atomic():
        saved, changed = services.report_save(author=user, token=token, data=form.report_data(), submit=send)
        if changed:
            report_form_saved.send(sender=Report, user=user, params=params, report=saved)
    return saved, already is None


def report_detail_response(request, report, *, code=status.HTTP_200_OK):
    events = list(selectors.events_for(report, request.user))
    data = serializers.ReportDetailSerializer(report, context={"request": request, "events": events}).data
    return Response(data, status=code)


@extend_schema(tags=["reports"])
class ReportListCreate(ApiMixin, generics.ListAPIView):
    """Staff: the review queue of their subtree, with the queue's filters. Collaborators: their own reports."""

    serializer_class = serializers.ReportSerializer
    filter_backends = [ScopedFilterBackend]
    filterset_class = ReportFilter
    filterset_needs_user = True
    queryset = Report.objects.none()  # for the schema; the rows come from get_queryset

    def get_queryset(self):
        user = self.request.user
        # The authors' profiles come along: the consent rule reads them (reports.selectors.author_states).
        if is_staff_or_admin(user):
            return selectors.review_queue(user).select_related("author__profile")
        return Report.objects.visible_to(user).select_related("unit", "author__profile", "topic")

    @extend_schema(
        summary=_("List reports"),
        description=_(
            "Staff and administrators: the sent reports of their unit and the units under it (the review "
            "queue, with its filters). Collaborators: their own reports, drafts included. Newest first, by cursor."
        ),
    )
    def get(self, request, *args, **kwargs):
        # A page of reports with their content, read by a program: recorded like an export.
        read_record(request=request, kind=ReadKind.EXPORT, label=_label("API: reports"))
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary=_("Write or send a report"),
        description=_(
            "Collaborators only (others get 403). The fields are those of the report form and are checked "
            "by it; `send` false keeps a draft. 201 when the key is new, 200 when it names a report already "
            "made (sent again: returned unchanged). Needs the token scope `submit`."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=serializers.ReportInputSerializer,
        responses={201: serializers.ReportDetailSerializer, 200: serializers.ReportDetailSerializer},
    )
    def post(self, request, *args, **kwargs):
        if not is_collaborator(request.user):
            raise exceptions.PermissionDenied(_("Only collaborators send reports."))
        report, created = report_save_from_api(request, params={})
        return report_detail_response(request, report, code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=["reports"])
class ReportDetail(ApiMixin, generics.GenericAPIView):
    serializer_class = serializers.ReportDetailSerializer
    queryset = Report.objects.none()

    @extend_schema(
        summary=_("One report"),
        description=_("With its timeline (collaborators do not see the staff's internal notes). Out of scope: 404."),
    )
    def get(self, request, pk):
        report = get_object_or_404(
            Report.objects.visible_to(request.user).select_related(*REPORT_RELATED), pk=object_id({"pk": pk})
        )
        read_record(request=request, kind=ReadKind.REPORT, obj=report, subject=report.author_id, label=report.title)
        return report_detail_response(request, report)


class ReviewAction(ApiMixin, generics.GenericAPIView):
    """A staff decision on a submitted report, through the service the report's page calls."""

    required_scope = TokenScope.REVIEW
    serializer_class = serializers.ReviewReasonSerializer
    queryset = Report.objects.none()

    def act(self, report, data):
        raise NotImplementedError

    def post(self, request, pk):
        if not is_staff_or_admin(request.user):
            raise Http404  # collaborators do not review: the action does not exist for them
        report = get_object_or_404(Report.objects.visible_to(request.user), pk=object_id({"pk": pk}))
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        report = self.act(report, incoming.validated_data)
        return report_detail_response(request, Report.objects.select_related(*REPORT_RELATED).get(pk=report.pk))


REVIEW_DESCRIPTION = _(
    "Staff and administrators, on a submitted report of their scope (otherwise 404; a report no longer "
    "waiting for review is a 400). Needs the token scope `review`."
)


@extend_schema(
    tags=["reports"],
    summary=_("Accept a report"),
    description=REVIEW_DESCRIPTION,
    request=serializers.ReviewNoteSerializer,
    responses=serializers.ReportDetailSerializer,
)
class ReportAccept(ReviewAction):
    serializer_class = serializers.ReviewNoteSerializer

    def act(self, report, data):
        return services.report_accept(actor=self.request.user, report=report, note=data.get("note", ""))


@extend_schema(
    tags=["reports"],
    summary=_("Return a report to its author"),
    description=REVIEW_DESCRIPTION,
    request=serializers.ReviewReasonSerializer,
    responses=serializers.ReportDetailSerializer,
)
class ReportReturn(ReviewAction):
    def act(self, report, data):
        return services.report_return(actor=self.request.user, report=report, reason=data.get("reason", ""))


@extend_schema(
    tags=["reports"],
    summary=_("Reject a report"),
    description=REVIEW_DESCRIPTION,
    request=serializers.ReviewReasonSerializer,
    responses=serializers.ReportDetailSerializer,
)
class ReportReject(ReviewAction):
    def act(self, report, data):
        return services.report_reject(actor=self.request.user, report=report, reason=data.get("reason", ""))


@extend_schema(tags=["rumours"])
class RumourList(ApiMixin, generics.ListAPIView):
    serializer_class = serializers.RumourSerializer
    filter_backends = [ScopedFilterBackend]
    filterset_class = RumourFilter
    queryset = Rumour.objects.none()

    def get_queryset(self):
        return Rumour.objects.visible_to(self.request.user)

    @extend_schema(
        summary=_("List tracked rumours"),
        description=_(
            "Staff: rumours listed for or heard in their subtree; collaborators: rumours listed for their unit "
            "or a unit above it. The sighting count is city-wide."
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["rumours"])
class RumourDetail(ApiMixin, generics.GenericAPIView):
    serializer_class = serializers.RumourSerializer
    queryset = Rumour.objects.none()

    @extend_schema(summary=_("One tracked rumour"), description=_("Out of scope: 404."))
    def get(self, request, pk):
        rumour = get_object_or_404(Rumour.objects.visible_to(request.user), pk=object_id({"pk": pk}))
        return Response(self.get_serializer(rumour).data)


SENT = [status for status in ReportStatus.values if status != ReportStatus.DRAFT]
