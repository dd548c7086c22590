from django.urls import path

from collaborators.views import people

urlpatterns = [
    path("", people.person_list, name="person_list"),
    path("new/", people.person_create, name="person_create"),
    path("<int:pk>/", people.person_detail, name="person_detail"),
    path("<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("<int:pk>/status/", people.person_status, name="person_status"),
    path("<int:pk>/invite/", people.person_invite, name="person_invite"),
    path("<int:pk>/anonymise/", people.person_anonymise, name="person_anonymise"),
    path("<int:pk>/history/", people.person_history, name="person_history"),
    path("me/data.json", people.my_data, name="my_data"),
    path("me/consent/withdraw/", people.consent_withdraw, name="consent_withdraw"),
    path("decisions/", people.decision_list, name="decision_list"),
    path("decisions/new/", people.decision_create, name="decision_create"),
    path("decisions/<int:pk>/", people.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/apply/", people.decision_apply, name="decision_apply"),
]
