"""The API's URLs: /api/v1/ (``api:``) and the person's token page /api/tokens/ (``api_tokens:``)."""

from django.urls import path

from api.views import guidance, pages, reports, roster, summaries, trainings
from api.views.schema import SchemaView

app_name = "api"

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", pages.docs, name="docs"),
    path("reports/", reports.ReportListCreate.as_view(), name="reports"),
    path("reports/<int:pk>/", reports.ReportDetail.as_view(), name="report"),
    path("reports/<int:pk>/accept/", reports.ReportAccept.as_view(), name="report_accept"),
    path("reports/<int:pk>/return/", reports.ReportReturn.as_view(), name="report_return"),
    path("reports/<int:pk>/reject/", reports.ReportReject.as_view(), name="report_reject"),
    path("rumours/", reports.RumourList.as_view(), name="rumours"),
    path("rumours/<int:pk>/", reports.RumourDetail.as_view(), name="rumour"),
    path("guidance/", guidance.NoteList.as_view(), name="notes"),
    path("guidance/<int:pk>/", guidance.NoteDetail.as_view(), name="note"),
    path("guidance/<int:pk>/acknowledge/", guidance.NoteAcknowledge.as_view(), name="note_acknowledge"),
    path("requests/", guidance.PulseList.as_view(), name="pulses"),
    path("requests/<int:pk>/", guidance.PulseDetail.as_view(), name="pulse"),
    path("requests/<int:pk>/answer/", guidance.PulseAnswer.as_view(), name="pulse_answer"),
    path("trainings/", trainings.SessionList.as_view(), name="sessions"),
    path("trainings/<int:pk>/", trainings.SessionDetail.as_view(), name="session"),
    path("trainings/<int:pk>/register/", trainings.SessionRegister.as_view(), name="session_register"),
    path("units/", roster.UnitList.as_view(), name="units"),
    path("units/<int:pk>/", roster.UnitDetail.as_view(), name="unit"),
    path("people/", roster.PersonList.as_view(), name="people"),
    path("people/<int:pk>/", roster.PersonDetail.as_view(), name="person"),
    path("dashboard/", summaries.Dashboard.as_view(), name="dashboard"),
    path("summaries/", summaries.SummaryList.as_view(), name="summaries"),
    path("summaries/<int:pk>/<str:kind>/", summaries.SummaryDownload.as_view(), name="summary_download"),
]

token_urlpatterns = [
    path("", pages.token_list, name="list"),
    path("<int:pk>/revoke/", pages.token_revoke, name="revoke"),
]
