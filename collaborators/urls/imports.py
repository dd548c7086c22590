"""Roster import (/roster/import/…), the roster's CSV (/roster/export.csv) and the export jobs' pages
(/roster/exports/…, every kind of Excel export)."""

from django.urls import path, re_path

from collaborators.views import exports, imports

urlpatterns = [
    path("import/", imports.import_upload, name="import_upload"),
    re_path(r"^import/template\.(?P<fmt>xlsx|csv)$", imports.import_template, name="import_template"),
    path("import/<int:pk>/", imports.import_preview, name="import_preview"),
    path("import/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    re_path(r"^export\.(?P<fmt>csv)$", imports.export, name="export"),
    # Excel files are built in the background (export jobs of every kind: the people here, the reports)
    path("exports/", exports.export_job_new, name="export_job_new"),
    path("exports/<int:pk>/", exports.export_job_detail, name="export_job"),
    path("exports/<int:pk>/file/", exports.export_job_file, name="export_job_file"),
]
