"""Guidance notes and their acknowledgement, requests for opinion and their answers."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from api import serializers
from api.views.base import ApiMixin, object_id
from api.views.reports import IDEMPOTENCY_KEY, report_detail_response, report_save_from_api
from collaborators.access import get_visible_or_404
from guidance import selectors, services
from guidance.models import GuidanceNote, PulseRequest
from guidance.selectors.pulse import pulse_list
from guidance.services.pulse import recipient_for


@extend_schema(tags=["guidance"])
class NoteList(ApiMixin, generics.ListAPIView):
    serializer_class = serializers.GuidanceNoteSerializer
    queryset = GuidanceNote.objects.none()

    def get_queryset(self):
        return selectors.library(self.request.user)

    @extend_schema(
        summary=_("List guidance notes"),
        description=_("The notes the caller may read, with whether they read and acknowledged each."),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["guidance"])
class NoteDetail(ApiMixin, generics.GenericAPIView):
    serializer_class = serializers.GuidanceNoteSerializer
    queryset = GuidanceNote.objects.none()

    @extend_schema(summary=_("One guidance note"), description=_("Out of scope: 404."))
    def get(self, request, pk):
        note = get_object_or_404(selectors.library(request.user), pk=object_id({"pk": pk}))
        return Response(self.get_serializer(note).data)


@extend_schema(tags=["guidance"])
class NoteAcknowledge(ApiMixin, generics.GenericAPIView):
    serializer_class = serializers.ReceiptSerializer
    queryset = GuidanceNote.objects.none()

    @extend_schema(
        summary=_("Acknowledge a guidance note"),
        description=_(
            "Read and acknowledged, in one step; a second time changes nothing. Only published notes "
            "(otherwise 400). Needs the token scope `submit`."
        ),
        request=None,
        responses=serializers.ReceiptSerializer,
    )
    def post(self, request, pk):
        note = get_visible_or_404(GuidanceNote, request.user, pk=object_id({"pk": pk}))
        receipt = services.guidance_acknowledge(note=note, person=request.user)
        return Response(self.get_serializer(receipt).data)


@extend_schema(tags=["requests for opinion"])
class PulseList(ApiMixin, generics.ListAPIView):
    serializer_class = serializers.PulseRequestSerializer
    queryset = PulseRequest.objects.none()

    def get_queryset(self):
        return pulse_list(self.request.user)

    @extend_schema(
        summary=_("List requests for opinion"),
        description=_("The requests the caller may see, with how many people were asked and answered."),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["requests for opinion"])
class PulseDetail(ApiMixin, generics.GenericAPIView):
    serializer_class = serializers.PulseRequestSerializer
    queryset = PulseRequest.objects.none()

    @extend_schema(summary=_("One request for opinion"), description=_("Out of scope: 404."))
    def get(self, request, pk):
        pulse = get_object_or_404(pulse_list(request.user), pk=object_id({"pk": pk}))
        return Response(self.get_serializer(pulse).data)


@extend_schema(tags=["requests for opinion"])
class PulseAnswer(ApiMixin, generics.GenericAPIView):
    serializer_class = serializers.ReportInputSerializer
    queryset = PulseRequest.objects.none()

    @extend_schema(
        summary=_("Answer a request for opinion"),
        description=_(
            "The answer is a report, as on the report form opened from the request: fields left out take the "
            "request's topic, focus policy and question. Only people asked (otherwise 404), while the request "
            "is open (otherwise 400). Idempotent on the key like sending a report. Needs the token scope `submit`."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=serializers.ReportInputSerializer,
        responses={201: serializers.ReportDetailSerializer, 200: serializers.ReportDetailSerializer},
    )
    def post(self, request, pk):
        pulse_id = object_id({"pk": pk})
        recipient_for(pulse_id=pulse_id, person=request.user)  # 404 unless the caller was asked
        report, created = report_save_from_api(request, params={"request": str(pulse_id)})
        return report_detail_response(request, report, code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
