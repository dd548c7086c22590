"""The roster: /roster/ (people), /roster/units/, /roster/decisions/, /roster/import/, exports."""

from django.urls import include, path

app_name = "roster"

urlpatterns = [
    path("units/", include("collaborators.urls.units")),
    path("", include("collaborators.urls.imports")),
    path("", include("collaborators.urls.people")),
]
