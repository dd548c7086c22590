"""The dashboard's figures (from the monthly tallies, never counting reports) and the periodic summaries."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api import serializers
from api.renderers import FileRenderer
from api.views.base import ApiMixin, object_id
from collaborators.access import home_unit
from core import uploads
from core.downloads import file_download_response
from privacy.models import ReadKind
from privacy.services import read_record
from summaries import selectors
from summaries.forms import DashboardFilterForm
from summaries.models import ReportingPeriod, Summary


def _counts(counter) -> dict:
    return {str(key): int(value or 0) for key, value in dict(counter).items()}


def _number(value):
    return value if value is None or isinstance(value, bool | int | float) else float(value)


@extend_schema(tags=["dashboard"])
class Dashboard(ApiMixin, generics.GenericAPIView):
    serializer_class = serializers.DashboardSerializer

    @extend_schema(
        summary=_("Dashboard figures"),
        description=_(
            "The figures of the dashboard for one unit's subtree and month, from the monthly tallies. Staff and "
            "administrators only; a unit out of scope is a 404, other filters that cannot be read fall back "
            "to their defaults, as on the page."
        ),
        parameters=[serializers.DashboardQuerySerializer],
    )
    def get(self, request):
        home = home_unit(request.user)
        if home is None:
            raise Http404  # collaborators and staff without a unit: no dashboard
        data = None
        if request.query_params:
            data = request.query_params.copy()
            if not data.get("unit"):
                data["unit"] = str(home.pk)
        form = DashboardFilterForm(data, user=request.user, default_unit=home)
        if form.is_bound and not form.is_valid() and "unit" in form.errors:
            raise Http404  # out of the caller's scope (or no such unit)
        month = form.value_of("period", form.today_month)
        unit = form.value_of("unit", home)
        period = ReportingPeriod.objects.month_of(month)
        stats = selectors.statistics(unit, period, topic=form.value_of("topic"), policy=form.value_of("policy"))
        activity = stats["activity"]
        return Response(
            {
                "unit": unit.pk,
                "unit_name": unit.name,
                "month": stats["month"].isoformat(),
                "totals": _counts(stats["totals"]),
                "previous_totals": _counts(stats["previous_totals"]),
                "over_time": [
                    {"month": row["month"].isoformat(), **_counts({k: v for k, v in row.items() if k != "month"})}
                    for row in stats["over_time"]
                ],
                "by_topic": [
                    {
                        "topic": row["topic_id"],
                        "topic_name": row["topic"].name if row["topic"] else "",
                        "total": int(row["counts"]["total"]),
                        "previous": int(row["previous"]),
                        "change": _number(row["change"]),
                        "rising": bool(row["rising"]),
                    }
                    for row in stats["by_topic"]
                ],
                "activity": {key: _number(value) for key, value in activity.items()},
            }
        )


@extend_schema(tags=["summaries"])
class SummaryList(ApiMixin, generics.ListAPIView):
    serializer_class = serializers.SummarySerializer
    queryset = Summary.objects.none()

    def get_queryset(self):
        return selectors.summaries_visible_to(self.request.user).select_related("scope", "period")

    @extend_schema(
        summary=_("List periodic summaries"),
        description=_("Staff and administrators: the summaries of their subtree (collaborators: none)."),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["summaries"])
class SummaryDownload(ApiMixin, generics.GenericAPIView):
    queryset = Summary.objects.none()
    renderer_classes = [JSONRenderer, FileRenderer]

    @extend_schema(
        summary=_("Download a summary's file"),
        description=_("The issued DOCX or XLSX, always as an attachment. Out of scope, or no such file yet: 404."),
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request, pk, kind):
        if home_unit(request.user) is None:
            raise Http404
        summary = get_object_or_404(Summary.objects.visible_to(request.user), pk=object_id({"pk": pk}))
        field = {"docx": summary.docx, "xlsx": summary.xlsx}.get(kind)
        if not field:
            raise Http404
        read_record(
            request=request, kind=ReadKind.EXPORT, obj=summary, label=f"{summary.scope.name} {summary.period} .{kind}"
        )
        return file_download_response(field, field.name.rsplit("/", 1)[-1], uploads.KINDS[kind].content_type)
