"""The OpenAPI schema (/api/v1/schema/): public, in the language asked for (Vietnamese by default)."""

from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from api.views.base import ApiMixin


class SchemaView(ApiMixin, SpectacularAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
