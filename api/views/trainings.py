"""Training sessions and registration."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from api import serializers
from api.views.base import ApiMixin, object_id
from collaborators.access import get_visible_or_404
from trainings import selectors, services
from trainings.models import TrainingSession

WHEN = OpenApiParameter(
    "when", str, enum=["upcoming", "past"], description=_("Sessions not ended yet (the default) or ended.")
)


@extend_schema(tags=["trainings"])
class SessionList(ApiMixin, generics.ListAPIView):
    serializer_class = serializers.TrainingSessionSerializer
    queryset = TrainingSession.objects.none()

    def get_queryset(self):
        when = "past" if self.request.query_params.get("when") == "past" else "upcoming"
        return selectors.sessions_list(self.request.user, when=when)

    @extend_schema(
        summary=_("List training sessions"),
        description=_("Sessions the caller may see, with seats taken, the waitlist and the caller's registration."),
        parameters=[WHEN],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["trainings"])
class SessionDetail(ApiMixin, generics.GenericAPIView):
    serializer_class = serializers.TrainingSessionSerializer
    queryset = TrainingSession.objects.none()

    @extend_schema(summary=_("One training session"), description=_("Out of scope: 404."))
    def get(self, request, pk):
        session = get_object_or_404(selectors.sessions_visible_to(request.user), pk=object_id({"pk": pk}))
        return Response(self.get_serializer(session).data)


@extend_schema(tags=["trainings"])
class SessionRegister(ApiMixin, generics.GenericAPIView):
    serializer_class = serializers.RegistrationSerializer
    queryset = TrainingSession.objects.none()

    @extend_schema(
        summary=_("Register for a training session"),
        description=_(
            "A seat if one is free, otherwise the waitlist. Refusals (closed, not eligible, already registered) "
            "are 400 with the reason. Needs the token scope `submit`."
        ),
        request=None,
        responses={201: serializers.RegistrationSerializer},
    )
    def post(self, request, pk):
        session = get_visible_or_404(TrainingSession, request.user, pk=object_id({"pk": pk}))
        registration = services.registration_register(session=session, person=request.user)
        return Response(self.get_serializer(registration).data, status=status.HTTP_201_CREATED)
