"""Roster import (/roster/import/…) and export (/roster/export.xlsx, /roster/export.csv)."""

from django.urls import path, re_path

from collaborators.views import imports

urlpatterns = [
    path("import/", imports.import_upload, name="import_upload"),
    re_path(r"^import/template\.(?P<fmt>xlsx|csv)$", imports.import_template, name="import_template"),
    path("import/<int:pk>/", imports.import_preview, name="import_preview"),
    path("import/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    re_path(r"^export\.(?P<fmt>xlsx|csv)$", imports.export, name="export"),
]
