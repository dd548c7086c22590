"""/reports/: submission (collaborators), the review queue (staff), rumours."""

from django.urls import path, re_path
from django.views.generic import RedirectView

from reports.views import review, submit

app_name = "reports"

urlpatterns = [
    # Collaborators (reports/views/submit.py)
    path("new/", submit.report_new, name="new"),
    path("nothing-new/", submit.report_nothing_new, name="nothing_new"),
    path("mine/", submit.my_reports, name="mine"),
    path("<int:pk>/edit/", submit.report_edit, name="edit"),
    path("<int:pk>/discard/", submit.report_discard, name="discard"),
    path("<int:pk>/attachments/<int:attachment_pk>/", submit.attachment_download, name="attachment"),
    # Staff (reports/views/review.py)
    path("", review.report_list, name="list"),
    path("<int:pk>/", review.report_detail, name="detail"),
    path("<int:pk>/history/", review.report_history, name="history"),
    path("<int:pk>/accept/", review.report_accept, name="accept"),
    path("<int:pk>/return/", review.report_return, name="return"),
    path("<int:pk>/reject/", review.report_reject, name="reject"),
    path("<int:pk>/alert/", review.report_alert, name="alert"),
    path("<int:pk>/assign/", review.report_assign, name="assign"),
    path("<int:pk>/escalate/", review.report_escalate, name="escalate"),
    path("<int:pk>/comment/", review.report_comment, name="comment"),
    path("<int:pk>/rumour/", review.report_link_rumour, name="link_rumour"),
    path("bulk-accept/", review.reports_bulk_accept, name="bulk_accept"),
    re_path(r"^export\.(?P<fmt>csv)$", review.reports_export, name="export"),
    path("exports/", review.export_job_new, name="export_job_new"),
    # Every export job's page and file are the roster's now (one page for every kind): the links in
    # notifications and e-mails sent before lead there.
    path("exports/<int:pk>/", RedirectView.as_view(pattern_name="roster:export_job"), name="export_job_moved"),
    path(
        "exports/<int:pk>/file/",
        RedirectView.as_view(pattern_name="roster:export_job_file"),
        name="export_job_file_moved",
    ),
    path("rumours/", review.rumour_list, name="rumour_list"),
    path("rumours/<int:pk>/", review.rumour_detail, name="rumour_detail"),
    path("rumours/<int:pk>/verify/", review.rumour_verify, name="rumour_verify"),
    path("rumours/<int:pk>/merge/", review.rumour_merge, name="rumour_merge"),
]
