from django.urls import path

from summaries.views import dashboard, history, summaries

app_name = "summaries"

urlpatterns = [
    path("", summaries.summary_list, name="list"),
    path("compliance/", summaries.compliance_overdue, name="compliance"),
    path("compile/", summaries.summary_compile_new, name="compile_new"),
    path("<int:pk>/", summaries.summary_detail, name="detail"),
    path("<int:pk>/progress/", summaries.summary_progress, name="progress"),
    path("<int:pk>/history/", history.summary_history, name="history"),
    path("<int:pk>/edit/", summaries.summary_edit, name="edit"),
    path("<int:pk>/compile/", summaries.summary_recompile, name="recompile"),
    path("<int:pk>/approve/", summaries.summary_approve, name="approve"),
    path("<int:pk>/issue/", summaries.summary_issue, name="issue"),
    path("<int:pk>/correct/", summaries.summary_correct, name="correct"),
    path("<int:pk>/<str:kind>/download/", summaries.summary_download, name="download"),
]

dashboard_urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
]
