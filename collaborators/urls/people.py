from django.urls import path

from collaborators.views import incidents, people, quality, reads, retention, security

urlpatterns = [
    path("", people.person_list, name="person_list"),
    path("new/", people.person_create, name="person_create"),
    path("<int:pk>/", people.person_detail, name="person_detail"),
    path("<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("<int:pk>/status/", people.person_status, name="person_status"),
    path("<int:pk>/invite/", people.person_invite, name="person_invite"),
    path("<int:pk>/anonymise/", people.person_anonymise, name="person_anonymise"),
    path("<int:pk>/history/", people.person_history, name="person_history"),
    path("<int:pk>/two-factor-reset/", security.person_two_factor_reset, name="person_two_factor_reset"),
    path("quality/", quality.quality, name="quality"),
    path("read-log/", reads.read_log, name="read_log"),
    path("retention/", retention.retention, name="retention"),
    path("retention/dry-run/", retention.retention_dry_run, name="retention_dry_run"),
    path("retention/<int:pk>/confirm/", retention.retention_confirm_run, name="retention_confirm"),
    path("retention/run/", retention.retention_run_now, name="retention_run"),
    path("incidents/", incidents.incident_list, name="incident_list"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/told/", incidents.incident_told, name="incident_told"),
    path("me/reads/", reads.my_reads, name="my_reads"),
    path("me/data.json", people.my_data, name="my_data"),
    path("me/data/", people.my_data_page, name="my_data_page"),
    path("me/consent/withdraw/", people.consent_withdraw, name="consent_withdraw"),
    path("decisions/", people.decision_list, name="decision_list"),
    path("decisions/new/", people.decision_create, name="decision_create"),
    path("decisions/<int:pk>/", people.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/apply/", people.decision_apply, name="decision_apply"),
]
