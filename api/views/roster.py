"""The roster, read only: units and people, as far as the caller's scope reaches."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from api import serializers
from api.pagination import OldestFirstCursorPagination
from api.views.base import ApiMixin, object_id
from collaborators.models import Unit, User
from collaborators.selectors import people_visible_to
from privacy.models import ReadKind
from privacy.services import read_record


def _label(text):
    """A read-log label, in the site's language whatever the program asked for (administrators read it)."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(text)


@extend_schema(tags=["roster"])
class UnitList(ApiMixin, generics.ListAPIView):
    serializer_class = serializers.UnitSerializer
    pagination_class = OldestFirstCursorPagination
    queryset = Unit.objects.none()

    def get_queryset(self):
        return Unit.objects.visible_to(self.request.user)

    @extend_schema(
        summary=_("List units"),
        description=_("Staff: their unit and every unit under it; collaborators: their unit and the units above it."),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["roster"])
class UnitDetail(ApiMixin, generics.GenericAPIView):
    serializer_class = serializers.UnitSerializer
    queryset = Unit.objects.none()

    @extend_schema(summary=_("One unit"), description=_("Out of scope: 404."))
    def get(self, request, pk):
        unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=object_id({"pk": pk}))
        return Response(self.get_serializer(unit).data)


@extend_schema(tags=["roster"])
class PersonList(ApiMixin, generics.ListAPIView):
    serializer_class = serializers.PersonSerializer
    pagination_class = OldestFirstCursorPagination
    queryset = User.objects.none()

    def get_queryset(self):
        return people_visible_to(self.request.user)

    @extend_schema(
        summary=_("List people"),
        description=_("Staff: the people of their subtree; collaborators: themselves."),
    )
    def get(self, request, *args, **kwargs):
        # A page of people read by a program: recorded like an export of the roster.
        read_record(request=request, kind=ReadKind.EXPORT, label=_label("API: people"))
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["roster"])
class PersonDetail(ApiMixin, generics.GenericAPIView):
    serializer_class = serializers.PersonSerializer
    queryset = User.objects.none()

    @extend_schema(summary=_("One person"), description=_("Out of scope: 404."))
    def get(self, request, pk):
        person = get_object_or_404(people_visible_to(request.user), pk=object_id({"pk": pk}))
        read_record(request=request, kind=ReadKind.PERSON, obj=person, subject=person.pk, label=person.full_name)
        return Response(self.get_serializer(person).data)
